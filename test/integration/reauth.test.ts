// SASL re-authentication (KIP-368, connections.max.reauth.ms): the broker tells each client
// its session lifetime; a client that re-authenticates on the same connection keeps it, one
// that does not is closed at its next request, and re-authenticating as someone else is
// refused. The Java client re-authenticates by itself: a producer whose connection outlives
// several session lifetimes keeps working without the broker closing it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../src/client/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/error-codes.js';
import { defaultMetadataRequest, writeMetadataRequest } from '../../src/protocol/generated/metadata-request.js';
import { readMetadataResponse } from '../../src/protocol/generated/metadata-response.js';
import { defaultSaslAuthenticateRequest, writeSaslAuthenticateRequest } from '../../src/protocol/generated/sasl-authenticate-request.js';
import { readSaslAuthenticateResponse } from '../../src/protocol/generated/sasl-authenticate-response.js';
import { defaultSaslHandshakeRequest, writeSaslHandshakeRequest } from '../../src/protocol/generated/sasl-handshake-request.js';
import { readSaslHandshakeResponse } from '../../src/protocol/generated/sasl-handshake-response.js';
import type { RunningBroker } from '../../src/server/start.js';
import { testBroker } from '../helpers/broker.js';
import { hasJavaClients, secureRoundTrip } from '../helpers/java.js';

const LIFETIME_MS = 1_500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const handshake = async (c: RawClient, mechanism: string) => readSaslHandshakeResponse(await c.request(ApiKey.SaslHandshake, 1, (w) => writeSaslHandshakeRequest(w, 1, { ...defaultSaslHandshakeRequest(), mechanism })), 1);
const authenticate = async (c: RawClient, user: string, password: string) =>
  readSaslAuthenticateResponse(await c.request(ApiKey.SaslAuthenticate, 2, (w) => writeSaslAuthenticateRequest(w, 2, { ...defaultSaslAuthenticateRequest(), authBytes: Buffer.from(`\u0000${user}\u0000${password}`) })), 2);
const metadata = async (c: RawClient) => readMetadataResponse(await c.request(ApiKey.Metadata, 12, (w) => writeMetadataRequest(w, 12, { ...defaultMetadataRequest(), topics: [] })), 12);

describe('SASL re-authentication (KIP-368)', () => {
  let running: RunningBroker;
  let dir: string;
  const port = () => running.listeners[0]!.port;
  const login = async (user: string, password: string) => {
    const c = await RawClient.connect('127.0.0.1', port(), 'reauth-test');
    expect((await handshake(c, 'PLAIN')).errorCode).toBe(0);
    const a = await authenticate(c, user, password);
    expect(a.errorCode).toBe(0);
    return { c, lifetime: a.sessionLifetimeMs };
  };
  const closedByAuth = async () => {
    const text = await running.broker.metrics.registry.getSingleMetricAsString('strata_connections_closed_total');
    return Number(/reason="auth_failed"} (\d+)/.exec(text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-reauth-'));
    running = await testBroker(dir, { listeners: 'SASL_PLAINTEXT://127.0.0.1:0', bootstrapUser: 'admin:admin-secret', connectionsMaxReauthMs: LIFETIME_MS });
    // A second user, to try changing principals.
    const { c } = await login('admin', 'admin-secret');
    c.close();
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells the client its session lifetime and keeps a connection that re-authenticates', async () => {
    const { c, lifetime } = await login('admin', 'admin-secret');
    try {
      expect(lifetime).toBe(LIFETIME_MS);
      for (let i = 0; i < 3; i++) {
        await sleep(LIFETIME_MS * 0.7);
        expect((await handshake(c, 'PLAIN')).errorCode).toBe(0);
        expect((await authenticate(c, 'admin', 'admin-secret')).sessionLifetimeMs).toBe(LIFETIME_MS);
        expect((await metadata(c)).brokers).toHaveLength(1);
      }
      expect(c.closed).toBe(false);
    } finally {
      c.close();
    }
  });

  it('closes a connection whose session expired at its next request', async () => {
    const { c } = await login('admin', 'admin-secret');
    const before = await closedByAuth();
    await sleep(LIFETIME_MS + 200);
    const answer = await metadata(c).catch(() => undefined);
    expect(answer === undefined || answer.topics.every((t) => t.errorCode === ErrorCode.SASL_AUTHENTICATION_FAILED)).toBe(true);
    await sleep(100);
    expect(c.closed).toBe(true);
    expect(await closedByAuth()).toBe(before + 1);
  });

  it('refuses re-authentication as another principal, or with another mechanism', async () => {
    const { c } = await login('admin', 'admin-secret');
    expect((await handshake(c, 'PLAIN')).errorCode).toBe(0);
    const other = await authenticate(c, 'nobody', 'x');
    expect(other.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    await sleep(100);
    expect(c.closed).toBe(true);
    const { c: d } = await login('admin', 'admin-secret');
    expect((await handshake(d, 'SCRAM-SHA-256')).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    await sleep(100);
    expect(d.closed).toBe(true);
  });

  it.runIf(hasJavaClients)('the Java client re-authenticates by itself: its producer outlives several sessions without being closed', async () => {
    const before = await closedByAuth();
    const out = await secureRoundTrip(['trickle', `127.0.0.1:${port()}`, 'reauth-java', '6',
      'security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="admin-secret";']);
    expect(out).toMatch(/^OK \d+$/);
    expect(Number(out.slice(3))).toBeGreaterThan(20);
    expect(await closedByAuth()).toBe(before);
  }, 60_000);
});
