// The Java client (kafka-clients 4.3) over Strata's secured listeners: SASL_SSL with
// SCRAM-SHA-256 for a user the Java AdminClient creates (AlterUserScramCredentials, what
// kafka-configs sends), and SSL with a client certificate (mTLS).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/server/start.js';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { testBroker } from '../helpers/broker.js';
import { hasJavaClients, secureRoundTrip } from '../helpers/java.js';

const java = secureRoundTrip;

describe.runIf(hasJavaClients)('the Java client over TLS and SASL', () => {
  let running: RunningBroker;
  let certs: TestCerts;
  let dirs: string[] = [];
  const listener = (name: string) => running.listeners.find((l) => l.name === name)!;

  beforeAll(async () => {
    dirs = [mkdtempSync(join(tmpdir(), 'strata-java-sec-')), mkdtempSync(join(tmpdir(), 'strata-java-sec-'))];
    certs = makeCerts(dirs[0]!);
    running = await testBroker(dirs[1]!, {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      sslCertFile: certs.serverCertFile, sslKeyFile: certs.serverKeyFile, sslCaFile: certs.caFile, sslClientAuth: 'required',
      bootstrapUser: 'admin:admin-secret',
    });
  });
  afterAll(async () => {
    await running.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const trust = () => ['ssl.truststore.type=PEM', `ssl.truststore.location=${certs.caFile}`];

  it('creates a SCRAM-SHA-256 user with the AdminClient and uses it over SASL_SSL', async () => {
    expect(await java(['add-user', listener('PLAINTEXT').address, 'javauser', 'java-secret', 'SCRAM-SHA-256'])).toBe('OK');
    const out = await java(['roundtrip', listener('SASL_SSL').address, 'java-scram', '50',
      'security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-256', ...trust(),
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="javauser" password="java-secret";']);
    expect(out).toBe('OK 50');
  });

  it('produces and consumes with a client certificate (mTLS)', async () => {
    const keystore = join(dirs[0]!, 'client-keystore.pem');
    writeFileSync(keystore, readFileSync(certs.clientKeyFile, 'utf8') + readFileSync(certs.clientCertFile, 'utf8'));
    const out = await java(['roundtrip', listener('SSL').address, 'java-mtls', '20', 'security.protocol=SSL', ...trust(), 'ssl.keystore.type=PEM', `ssl.keystore.location=${keystore}`]);
    expect(out).toBe('OK 20');
    // Without the certificate the same client is refused (ssl.client.auth=required).
    await expect(java(['roundtrip', listener('SSL').address, 'java-mtls', '1', 'security.protocol=SSL', ...trust(), 'request.timeout.ms=3000', 'default.api.timeout.ms=5000', 'max.block.ms=5000'])).rejects.toThrow();
  });
});
