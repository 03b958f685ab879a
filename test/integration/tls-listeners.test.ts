// Listeners and TLS: a broker with a PLAINTEXT and an SSL listener tells each client the
// address of the listener it came in on; kafkajs and kcat (librdkafka) produce and consume
// over TLS; mTLS refuses clients without a certificate from the CA and names the others by
// their certificate subject; plaintext on the TLS port and TLS on the plaintext port are
// closed without disturbing anyone else; new certificate files are picked up without
// dropping connections. Certificates are made by openssl in the test.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../../src/client/raw-client.js';
import { buildHandlerTable } from '../../src/handlers/index.js';
import { silentLogger } from '../../src/logger.js';
import { RequestPipeline, type RequestStage } from '../../src/network/pipeline.js';
import { KafkaServer } from '../../src/network/server.js';
import { sessionStage } from '../../src/network/stages/session-stage.js';
import { tlsServerOptions } from '../../src/network/tls.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { defaultMetadataRequest, writeMetadataRequest } from '../../src/protocol/generated/metadata-request.js';
import { readMetadataResponse } from '../../src/protocol/generated/metadata-response.js';
import type { RunningBroker } from '../../src/server/start.js';
import { runKcat } from '../helpers/kcat.js';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { testBroker } from '../helpers/broker.js';
import { memoryServices } from '../helpers/memory/memory-services.js';
import { useTmpDirs } from '../helpers/tmp.js';
import { hasTool, runWith } from '../helpers/tools.js';

const hasOpenssl = hasTool('openssl', ['version']);
const hasKcat = hasTool('kcat', ['-V']);

const metadata = async (c: RawClient) => readMetadataResponse(await c.request(ApiKey.Metadata, 12, (w) => writeMetadataRequest(w, 12, { ...defaultMetadataRequest(), topics: [] })), 12);


describe.runIf(runWith(hasOpenssl))('TLS listeners', () => {
  const tmp = useTmpDirs();
  let running: RunningBroker | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  async function start(certs: TestCerts, clientAuth: 'none' | 'requested' | 'required' = 'none'): Promise<RunningBroker> {
    running = await testBroker(tmp(), {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0', sslCertFile: certs.serverCertFile, sslKeyFile: certs.serverKeyFile,
      sslCaFile: certs.caFile, sslClientAuth: clientAuth,
    });
    return running;
  }

  it('answers Metadata with the address of the listener the client came in on', async () => {
    const certs = makeCerts(tmp());
    const b = await start(certs);
    const [plain, ssl] = b.listeners;
    expect([plain!.name, ssl!.name]).toEqual(['PLAINTEXT', 'SSL']);
    const overPlain = await RawClient.connect(plain!.host, plain!.port);
    const overTls = await RawClient.connectTls(ssl!.host, ssl!.port, { ca: readFileSync(certs.caFile) });
    expect((await metadata(overPlain)).brokers.map((x) => x.port)).toEqual([plain!.port]);
    expect((await metadata(overTls)).brokers.map((x) => x.port)).toEqual([ssl!.port]);
    overPlain.close();
    overTls.close();
  });

  it('kafkajs produces and consumes over TLS', async () => {
    const certs = makeCerts(tmp());
    const b = await start(certs);
    const ssl = b.listeners[1]!;
    const kafka = new Kafka({ clientId: 'tls', brokers: [ssl.address], ssl: { ca: [readFileSync(certs.caFile, 'utf8')] }, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'secure', messages: Array.from({ length: 20 }, (_, i) => ({ value: `m${i}` })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'tls-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'secure', fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => {
        seen.push(message.value!.toString());
        if (seen.length === 20) resolve();
      } });
    });
    await consumer.disconnect();
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
  });

  it.runIf(runWith(hasKcat))('kcat (librdkafka) produces and consumes over TLS', async () => {
    const certs = makeCerts(tmp());
    const b = await start(certs);
    const ssl = b.listeners[1]!;
    const common = ['-b', ssl.address, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.caFile}`, '-t', 'kcat-tls'];
    await runKcat([...common, '-P'], 'one\ntwo\nthree\n');
    expect((await runKcat([...common, '-C', '-o', 'beginning', '-e', '-q'])).trim().split('\n')).toEqual(['one', 'two', 'three']);
  });

  it('mTLS: refuses clients without a certificate from the CA; names the others by their subject', async () => {
    const certs = makeCerts(tmp());
    const services = memoryServices();
    const principals: string[] = [];
    const record: RequestStage = { name: 'record', admit: (r) => void principals.push(r.session.principal) };
    const server = new KafkaServer({
      listener: 'SSL', handlers: new Map(buildHandlerTable().map((h) => [h.apiKey, h])), services, pipeline: new RequestPipeline([sessionStage, record]),
      maxRequestBytes: 1 << 20, logger: silentLogger,
      metrics: { connectionOpened: () => undefined, connectionClosed: () => undefined, malformedRequest: () => undefined, connectionRefused: () => undefined, request: () => undefined },
    }, tlsServerOptions({ certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, caFile: certs.caFile, clientAuth: 'required' }));
    const { port } = await server.listen('127.0.0.1', 0);
    try {
      const ca = readFileSync(certs.caFile);
      const refused = async (options: object): Promise<boolean> => {
        try {
          const c = await RawClient.connectTls('127.0.0.1', port, { ca, ...options });
          // TLS 1.3 may finish the client's side first: the refusal then closes the connection.
          await metadata(c).finally(() => c.close());
          return false;
        } catch {
          return true;
        }
      };
      expect(await refused({})).toBe(true);
      expect(await refused({ cert: readFileSync(certs.rogueCertFile), key: readFileSync(certs.rogueKeyFile) })).toBe(true);
      const alice = await RawClient.connectTls('127.0.0.1', port, { ca, cert: readFileSync(certs.clientCertFile), key: readFileSync(certs.clientKeyFile) });
      await metadata(alice);
      alice.close();
      expect(principals).toEqual([certs.clientPrincipal]);
      expect(server.stats.tlsHandshakeFailures).toBeGreaterThanOrEqual(2);
    } finally {
      await server.close();
    }
  });

  it('closes plaintext on the TLS port and TLS on the plaintext port, and keeps serving', async () => {
    const certs = makeCerts(tmp());
    const b = await start(certs);
    const [plain, ssl] = b.listeners;
    const confused = await RawClient.connect(ssl!.host, ssl!.port);
    await expect(metadata(confused)).rejects.toThrow();
    const tlsOnPlain = await new Promise<string>((resolve) => {
      const s = tlsConnect({ host: plain!.host, port: plain!.port, ca: readFileSync(certs.caFile) }, () => resolve('handshake'));
      s.on('error', () => resolve('refused'));
      s.on('close', () => resolve('closed'));
    });
    expect(tlsOnPlain).not.toBe('handshake');
    const fine = await RawClient.connectTls(ssl!.host, ssl!.port, { ca: readFileSync(certs.caFile) });
    expect((await metadata(fine)).brokers).toHaveLength(1);
    fine.close();
    expect(b.listeners[1]!.server.stats.tlsHandshakeFailures).toBeGreaterThanOrEqual(1);
  });

  it('picks up new certificate files without dropping connections', async () => {
    const dir = tmp();
    const certs = makeCerts(dir);
    const b = await start(certs);
    const ssl = b.listeners[1]!;
    const ca = readFileSync(certs.caFile);
    const before = await RawClient.connectTls(ssl.host, ssl.port, { ca });
    const serialOf = () => new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host: ssl.host, port: ssl.port, ca }, () => {
        resolve(s.getPeerX509Certificate()!.serialNumber);
        s.destroy();
      });
      s.on('error', reject);
    });
    const oldSerial = await serialOf();
    // The same key re-signed by the CA (a new serial), written over the configured file.
    const renewed = spawnSync('openssl', ['x509', '-req', '-in', `${dir}/server.csr`, '-CA', certs.caFile, '-CAkey', `${dir}/ca.key`, '-CAcreateserial', '-out', `${dir}/renewed.crt`, '-days', '3', '-extfile', `${dir}/server.ext`]);
    expect(renewed.status).toBe(0);
    copyFileSync(`${dir}/renewed.crt`, certs.serverCertFile);
    let serial = oldSerial;
    for (let i = 0; i < 50 && serial === oldSerial; i++) {
      await new Promise((r) => setTimeout(r, 200));
      serial = await serialOf();
    }
    expect(serial).not.toBe(oldSerial);
    expect((await metadata(before)).brokers).toHaveLength(1); // the old connection lives on
    before.close();
  });
});
