// 10,000 failed logins in a row from one address: every attempt is answered (a wrong
// password, or refused by the per-address throttle) and closed, while a client on
// another connection keeps getting prompt answers and a right password still works once
// the throttle has refilled.
import { describe, expect, it } from 'vitest';
import { RawClient } from '../../src/client/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/error-codes.js';
import { defaultMetadataRequest, writeMetadataRequest } from '../../src/protocol/generated/metadata-request.js';
import { readMetadataResponse } from '../../src/protocol/generated/metadata-response.js';
import { defaultSaslAuthenticateRequest, writeSaslAuthenticateRequest } from '../../src/protocol/generated/sasl-authenticate-request.js';
import { readSaslAuthenticateResponse } from '../../src/protocol/generated/sasl-authenticate-response.js';
import { defaultSaslHandshakeRequest, writeSaslHandshakeRequest } from '../../src/protocol/generated/sasl-handshake-request.js';
import { readSaslHandshakeResponse } from '../../src/protocol/generated/sasl-handshake-response.js';
import { testBroker } from '../helpers/broker.js';
import { useTmpDirs } from '../helpers/tmp.js';

const ATTEMPTS = 10_000;

describe('a flood of failed logins', () => {
  const tmp = useTmpDirs();

  it(`answers ${ATTEMPTS} failed logins from one address and keeps serving others`, async () => {
    const running = await testBroker(tmp(), { listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0', bootstrapUser: 'admin:right', saslFailedLoginBurst: 20, saslFailedLoginsPerSecond: 50 });
    try {
      const sasl = running.listeners[1]!;
      const observer = await RawClient.connect(running.host, running.port);
      const slowest: number[] = [];
      let stop = false;
      const watch = (async () => {
        while (!stop) {
          const t0 = performance.now();
          readMetadataResponse(await observer.request(ApiKey.Metadata, 12, (w) => writeMetadataRequest(w, 12, { ...defaultMetadataRequest(), topics: [] })), 12);
          slowest.push(performance.now() - t0);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const outcomes = { wrongPassword: 0, throttled: 0 };
      let next = 0;
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (next++ < ATTEMPTS) {
          const c = await RawClient.connect(sasl.host, sasl.port);
          const h = readSaslHandshakeResponse(await c.request(ApiKey.SaslHandshake, 1, (w) => writeSaslHandshakeRequest(w, 1, { ...defaultSaslHandshakeRequest(), mechanism: 'PLAIN' })), 1);
          if (h.errorCode === ErrorCode.ILLEGAL_SASL_STATE) outcomes.throttled++;
          else {
            const r = readSaslAuthenticateResponse(await c.request(ApiKey.SaslAuthenticate, 2, (w) => writeSaslAuthenticateRequest(w, 2, { ...defaultSaslAuthenticateRequest(), authBytes: Buffer.from('\u0000admin\u0000wrong') })), 2);
            expect(r.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
            outcomes.wrongPassword++;
          }
          c.close();
        }
      }));
      stop = true;
      await watch;
      observer.close();
      expect(outcomes.wrongPassword + outcomes.throttled).toBe(ATTEMPTS);
      expect(outcomes.throttled).toBeGreaterThan(ATTEMPTS / 2);
      slowest.sort((a, b) => a - b);
      // The other client was answered throughout, and promptly (p99 well under a second).
      expect(slowest.length).toBeGreaterThan(10);
      expect(slowest[Math.floor(slowest.length * 0.99)]!).toBeLessThan(1_000);
      // Once the address's budget has refilled, the right password works.
      await new Promise((r) => setTimeout(r, 600));
      const good = await RawClient.connect(sasl.host, sasl.port);
      expect(readSaslHandshakeResponse(await good.request(ApiKey.SaslHandshake, 1, (w) => writeSaslHandshakeRequest(w, 1, { ...defaultSaslHandshakeRequest(), mechanism: 'PLAIN' })), 1).errorCode).toBe(0);
      const ok = readSaslAuthenticateResponse(await good.request(ApiKey.SaslAuthenticate, 2, (w) => writeSaslAuthenticateRequest(w, 2, { ...defaultSaslAuthenticateRequest(), authBytes: Buffer.from('\u0000admin\u0000right') })), 2);
      expect(ok.errorCode).toBe(0);
      good.close();
    } finally {
      await running.close();
    }
  });
});
