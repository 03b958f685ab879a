// SASL with real clients: SASL_PLAINTEXT and SASL_SSL listeners, users with SCRAM
// credentials (a bootstrap user, and users made with AlterUserScramCredentials), kafkajs
// with SCRAM-SHA-256 and with PLAIN over TLS, kcat (librdkafka) with SCRAM-SHA-512 over
// TLS. Wrong passwords, unknown mechanisms, requests before authentication and clients that
// never authenticate are answered and closed; the broker keeps serving everyone else.
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../src/client/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/error-codes.js';
import { defaultAlterUserScramCredentialsRequest, defaultScramCredentialDeletion, defaultScramCredentialUpsertion, writeAlterUserScramCredentialsRequest } from '../../src/protocol/generated/alter-user-scram-credentials-request.js';
import { readAlterUserScramCredentialsResponse } from '../../src/protocol/generated/alter-user-scram-credentials-response.js';
import { defaultDescribeUserScramCredentialsRequest, writeDescribeUserScramCredentialsRequest } from '../../src/protocol/generated/describe-user-scram-credentials-request.js';
import { readDescribeUserScramCredentialsResponse } from '../../src/protocol/generated/describe-user-scram-credentials-response.js';
import { defaultMetadataRequest, writeMetadataRequest } from '../../src/protocol/generated/metadata-request.js';
import { readMetadataResponse } from '../../src/protocol/generated/metadata-response.js';
import { defaultSaslAuthenticateRequest, writeSaslAuthenticateRequest } from '../../src/protocol/generated/sasl-authenticate-request.js';
import { readSaslAuthenticateResponse } from '../../src/protocol/generated/sasl-authenticate-response.js';
import { defaultSaslHandshakeRequest, writeSaslHandshakeRequest } from '../../src/protocol/generated/sasl-handshake-request.js';
import { readSaslHandshakeResponse } from '../../src/protocol/generated/sasl-handshake-response.js';
import type { RunningBroker } from '../../src/server/start.js';
import { runKcat } from '../helpers/kcat.js';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { eventually, testBroker } from '../helpers/broker.js';
import { ScramClient } from '../../src/client/scram-client.js';
import { hasTool, runWith } from '../helpers/tools.js';

const hasOpenssl = hasTool('openssl', ['version']);
const hasKcat = hasTool('kcat', ['-V']);

const handshake = async (c: RawClient, mechanism: string) => readSaslHandshakeResponse(await c.request(ApiKey.SaslHandshake, 1, (w) => writeSaslHandshakeRequest(w, 1, { ...defaultSaslHandshakeRequest(), mechanism })), 1);
const authenticate = async (c: RawClient, authBytes: Buffer) => readSaslAuthenticateResponse(await c.request(ApiKey.SaslAuthenticate, 2, (w) => writeSaslAuthenticateRequest(w, 2, { ...defaultSaslAuthenticateRequest(), authBytes })), 2);
const metadata = async (c: RawClient) => readMetadataResponse(await c.request(ApiKey.Metadata, 12, (w) => writeMetadataRequest(w, 12, { ...defaultMetadataRequest(), topics: [] })), 12);
const closedSoon = (c: RawClient) => new Promise<boolean>((resolve) => {
  const started = Date.now();
  const poll = (): void => (c.closed ? resolve(true) : Date.now() - started > 5_000 ? resolve(false) : void setTimeout(poll, 20));
  poll();
});


describe.runIf(runWith(hasOpenssl))('SASL (PLAIN, SCRAM) with real clients', () => {
  let running: RunningBroker;
  let certs: TestCerts;
  let dirs: string[] = [];
  const listener = (name: string) => running.listeners.find((l) => l.name === name)!;

  beforeAll(async () => {
    dirs = [mkdtempSync(join(tmpdir(), 'strata-sasl-')), mkdtempSync(join(tmpdir(), 'strata-sasl-'))];
    certs = makeCerts(dirs[0]!);
    running = await testBroker(dirs[1]!, {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      sslCertFile: certs.serverCertFile, sslKeyFile: certs.serverKeyFile, bootstrapUser: 'admin:admin-secret', saslAuthTimeoutMs: 1_500,
      saslFailedLoginBurst: 100, saslFailedLoginsPerSecond: 1, auditLogFile: join(dirs[0]!, 'audit.log'),
    });
  });
  afterAll(async () => {
    await running.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function roundTrip(kafka: Kafka, topic: string): Promise<string[]> {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `${topic}-g` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => {
        seen.push(message.value!.toString());
        if (seen.length === 3) resolve();
      } });
    });
    await consumer.disconnect();
    return seen;
  }

  const kafkajs = (address: string, sasl: SASLOptions, ssl = false) =>
    new Kafka({ clientId: 'sasl', brokers: [address], sasl, ssl: ssl ? { ca: [readFileSync(certs.caFile, 'utf8')] } : false, logLevel: logLevel.NOTHING, retry: { retries: 0 } });

  it('kafkajs: SCRAM-SHA-256 over SASL_PLAINTEXT and PLAIN over SASL_SSL', async () => {
    expect(await roundTrip(kafkajs(listener('SASL_PLAINTEXT').address, { mechanism: 'scram-sha-256', username: 'admin', password: 'admin-secret' }), 'scram256')).toEqual(['a', 'b', 'c']);
    expect(await roundTrip(kafkajs(listener('SASL_SSL').address, { mechanism: 'plain', username: 'admin', password: 'admin-secret' }, true), 'plain-tls')).toEqual(['a', 'b', 'c']);
  });

  it('kafkajs: a wrong password is refused', async () => {
    const admin = kafkajs(listener('SASL_PLAINTEXT').address, { mechanism: 'scram-sha-512', username: 'admin', password: 'nope' }).admin();
    await expect(admin.connect()).rejects.toThrow(/SASL|auth/i);
  });

  it.runIf(runWith(hasKcat))('kcat (librdkafka): SCRAM-SHA-512 over SASL_SSL, for a user made with AlterUserScramCredentials', async () => {
    const admin = await RawClient.connect(listener('PLAINTEXT').host, listener('PLAINTEXT').port);
    const salt = randomBytes(24);
    const alter = readAlterUserScramCredentialsResponse(await admin.request(ApiKey.AlterUserScramCredentials, 0, (w) => writeAlterUserScramCredentialsRequest(w, 0, {
      ...defaultAlterUserScramCredentialsRequest(),
      upsertions: [{ ...defaultScramCredentialUpsertion(), name: 'carol', mechanism: 2, iterations: 8192, salt, saltedPassword: pbkdf2Sync('carol-pw', salt, 8192, 64, 'sha512') }],
    })), 0);
    expect(alter.results).toEqual([{ user: 'carol', errorCode: 0, errorMessage: null }]);
    const described = readDescribeUserScramCredentialsResponse(await admin.request(ApiKey.DescribeUserScramCredentials, 0, (w) => writeDescribeUserScramCredentialsRequest(w, 0, { ...defaultDescribeUserScramCredentialsRequest(), users: null })), 0);
    expect(described.results.map((r) => [r.user, r.credentialInfos.map((c) => [c.mechanism, c.iterations])])).toEqual([['admin', [[1, 4096], [2, 4096]]], ['carol', [[2, 8192]]]]);
    const ssl = listener('SASL_SSL');
    const common = ['-b', ssl.address, '-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=carol', '-X', 'sasl.password=carol-pw', '-X', `ssl.ca.location=${certs.caFile}`, '-t', 'kcat-scram'];
    await runKcat([...common, '-P'], 'x\ny\n');
    expect((await runKcat([...common, '-C', '-o', 'beginning', '-e', '-q'])).trim().split('\n')).toEqual(['x', 'y']);
    // Deleted: carol can no longer log in.
    const del = readAlterUserScramCredentialsResponse(await admin.request(ApiKey.AlterUserScramCredentials, 0, (w) => writeAlterUserScramCredentialsRequest(w, 0, {
      ...defaultAlterUserScramCredentialsRequest(), deletions: [{ ...defaultScramCredentialDeletion(), name: 'carol', mechanism: 2 }],
    })), 0);
    expect(del.results[0]!.errorCode).toBe(0);
    await expect(runKcat([...common, '-L', '-m', '5'])).rejects.toThrow();
    admin.close();
  });

  it('answers and closes: a wrong SCRAM proof, an unknown mechanism, a request before authenticating', async () => {
    const sasl = listener('SASL_PLAINTEXT');
    const wrong = await RawClient.connect(sasl.host, sasl.port);
    expect((await handshake(wrong, 'SCRAM-SHA-256')).errorCode).toBe(0);
    const client = new ScramClient('SCRAM-SHA-256', 'admin', 'bad-password');
    const first = await authenticate(wrong, client.first());
    const last = await authenticate(wrong, client.final(first.authBytes));
    expect(last.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(last.errorMessage).toContain('Authentication failed: invalid user credentials');
    expect(await closedSoon(wrong)).toBe(true);

    const unknown = await RawClient.connect(sasl.host, sasl.port);
    const res = await handshake(unknown, 'GSSAPI');
    expect([res.errorCode, res.mechanisms]).toEqual([ErrorCode.UNSUPPORTED_SASL_MECHANISM, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']]);
    expect(await closedSoon(unknown)).toBe(true);

    const early = await RawClient.connect(sasl.host, sasl.port);
    await metadata(early).catch(() => undefined);
    expect(await closedSoon(early)).toBe(true);

    const plaintext = await RawClient.connect(listener('PLAINTEXT').host, listener('PLAINTEXT').port);
    expect((await handshake(plaintext, 'PLAIN')).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect((await metadata(plaintext)).brokers).toHaveLength(1);
    plaintext.close();
  });

  it('closes a connection that never authenticates; limits failed logins per address and keeps serving', async () => {
    const sasl = listener('SASL_PLAINTEXT');
    const idle = await RawClient.connect(sasl.host, sasl.port);
    expect(await closedSoon(idle)).toBe(true);
    let refused = 0;
    let throttled = 0;
    for (let i = 0; i < 300; i++) {
      const c = await RawClient.connect(sasl.host, sasl.port);
      const h = await handshake(c, 'PLAIN');
      if (h.errorCode === ErrorCode.ILLEGAL_SASL_STATE) {
        throttled++;
      } else {
        const r = await authenticate(c, Buffer.from('\u0000admin\u0000wrong'));
        expect(r.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
        refused++;
      }
      c.close();
    }
    // A burst of 100 failures per address (one a second earned back), then handshakes are
    // refused. The earlier tests in this file spent a few of this address's failures (a wrong
    // password, a wrong proof) moments ago, so the burst left here is a little under 100.
    expect(refused).toBeGreaterThanOrEqual(95);
    expect(throttled).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_100));
    const good = await RawClient.connect(sasl.host, sasl.port);
    await handshake(good, 'SCRAM-SHA-512');
    const client = new ScramClient('SCRAM-SHA-512', 'admin', 'admin-secret');
    const done = await authenticate(good, client.final((await authenticate(good, client.first())).authBytes));
    expect(done.errorCode).toBe(0);
    expect(client.verifies(done.authBytes)).toBe(true);
    expect((await metadata(good)).brokers.map((b) => b.port)).toEqual([sasl.port]);
    good.close();
    // The audit log has each failure and each refusal, with who and from where.
    // The audit stream is written asynchronously: wait until the last refusal is in the file.
    const readAudit = () => readFileSync(join(dirs[0]!, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    await eventually(() => readAudit().filter((l) => l.event === 'login_throttled').length >= throttled, 10_000, 'the audit log to hold every refusal');
    const lines = readAudit();
    expect(lines.filter((l) => l.event === 'authentication_failed' && l.clientHost !== undefined && l.listener === 'SASL_PLAINTEXT').length).toBeGreaterThanOrEqual(refused);
    expect(lines.filter((l) => l.event === 'login_throttled').length).toBe(throttled);
    expect(lines.some((l) => l.event === 'scram_credential_upserted' && l.resource === 'user:carol')).toBe(runWith(hasKcat));
  });
});
