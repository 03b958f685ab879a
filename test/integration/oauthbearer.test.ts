// SASL OAUTHBEARER with JWKS validation: an identity provider stand-in (an HTTP server on
// 127.0.0.1 serving a JWKS; tokens signed with its key) and kafkajs logging in with tokens.
// A valid token's `sub` is the principal the ACLs see; expired, wrongly-audienced,
// wrongly-issued and foreign-signed tokens are refused; the session lifetime is cut to the
// token's expiry.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../src/client/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/error-codes.js';
import { defaultSaslAuthenticateRequest, writeSaslAuthenticateRequest } from '../../src/protocol/generated/sasl-authenticate-request.js';
import { readSaslAuthenticateResponse } from '../../src/protocol/generated/sasl-authenticate-response.js';
import { defaultSaslHandshakeRequest, writeSaslHandshakeRequest } from '../../src/protocol/generated/sasl-handshake-request.js';
import { readSaslHandshakeResponse } from '../../src/protocol/generated/sasl-handshake-response.js';
import type { RunningBroker } from '../../src/server/start.js';
import { testBroker } from '../helpers/broker.js';

const ISSUER = 'https://idp.strata.test';
const AUDIENCE = 'strata';

describe('SASL OAUTHBEARER (JWKS)', () => {
  let running: RunningBroker;
  let idp: Server;
  let dir: string;
  let sign: (claims: Record<string, unknown>, options?: { expiresIn?: string | number; audience?: string; issuer?: string; foreign?: boolean }) => Promise<string>;
  const port = () => running.listeners[0]!.port;

  beforeAll(async () => {
    const trusted = await generateKeyPair('RS256');
    const foreign = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(trusted.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
    idp = createServer((req, res) => {
      if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
    const idpPort = (idp.address() as { port: number }).port;
    sign = (claims, o = {}) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'idp-1' }).setIssuedAt()
      .setIssuer(o.issuer ?? ISSUER).setAudience(o.audience ?? AUDIENCE).setExpirationTime(o.expiresIn ?? '10m')
      .sign(o.foreign === true ? foreign.privateKey : trusted.privateKey);
    dir = mkdtempSync(join(tmpdir(), 'strata-oauth-'));
    running = await testBroker(dir, {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0', saslEnabledMechanisms: 'SCRAM-SHA-256,OAUTHBEARER',
      saslOauthbearerJwksEndpointUrl: `http://127.0.0.1:${idpPort}/.well-known/jwks.json`,
      saslOauthbearerExpectedAudience: AUDIENCE, saslOauthbearerExpectedIssuer: ISSUER,
      authorizer: 'acl', superUsers: 'User:svc-admin', connectionsMaxReauthMs: 3_600_000,
    });
  });
  afterAll(async () => {
    await running?.close();
    await new Promise((r) => idp?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (token: () => Promise<string>) => new Kafka({
    clientId: 'oauth-test', brokers: [`127.0.0.1:${port()}`], logLevel: logLevel.NOTHING, retry: { retries: 0 },
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await token() }) },
  });

  it('logs in with a signed token; its sub is the principal the ACLs see', async () => {
    const admin = client(() => sign({ sub: 'svc-admin' })).producer();
    await admin.connect();
    expect((await admin.send({ topic: 'oauth-topic', messages: [{ value: 'x' }] }))[0]!.errorCode).toBe(0);
    await admin.disconnect();
    const reader = client(() => sign({ sub: 'svc-reader' })).producer();
    await reader.connect(); // authenticates; it just may not write
    await expect(reader.send({ topic: 'oauth-topic', messages: [{ value: 'x' }] })).rejects.toThrow(/authoriz/i);
    await reader.disconnect();
  });

  it('refuses expired, wrongly addressed and foreign-signed tokens', async () => {
    for (const bad of [
      () => sign({ sub: 'svc-admin' }, { expiresIn: Math.floor(Date.now() / 1000) - 120 }),
      () => sign({ sub: 'svc-admin' }, { audience: 'someone-else' }),
      () => sign({ sub: 'svc-admin' }, { issuer: 'https://evil.test' }),
      () => sign({ sub: 'svc-admin' }, { foreign: true }),
      () => sign({ name: 'no subject' }),
      async () => 'not-a-jwt',
    ]) {
      const p = client(bad).producer();
      await expect(p.connect()).rejects.toThrow(/SASL|authentication/i);
    }
  });

  it('cuts the session lifetime to the token\'s expiry, and refuses a malformed client message', async () => {
    const c = await RawClient.connect('127.0.0.1', port());
    try {
      const hs = readSaslHandshakeResponse(await c.request(ApiKey.SaslHandshake, 1, (w) => writeSaslHandshakeRequest(w, 1, { ...defaultSaslHandshakeRequest(), mechanism: 'OAUTHBEARER' })), 1);
      expect(hs.errorCode).toBe(0);
      expect(hs.mechanisms).toEqual(['SCRAM-SHA-256', 'OAUTHBEARER']);
      const jwt = await sign({ sub: 'svc-admin' }, { expiresIn: '20s' });
      const authBytes = Buffer.from(`n,,\u0001auth=Bearer ${jwt}\u0001\u0001`);
      const res = readSaslAuthenticateResponse(await c.request(ApiKey.SaslAuthenticate, 2, (w) => writeSaslAuthenticateRequest(w, 2, { ...defaultSaslAuthenticateRequest(), authBytes })), 2);
      expect(res.errorCode).toBe(0);
      expect(res.sessionLifetimeMs).toBeGreaterThan(15_000);
      expect(res.sessionLifetimeMs).toBeLessThanOrEqual(20_000);
    } finally {
      c.close();
    }
    const d = await RawClient.connect('127.0.0.1', port());
    readSaslHandshakeResponse(await d.request(ApiKey.SaslHandshake, 1, (w) => writeSaslHandshakeRequest(w, 1, { ...defaultSaslHandshakeRequest(), mechanism: 'OAUTHBEARER' })), 1);
    const res = readSaslAuthenticateResponse(await d.request(ApiKey.SaslAuthenticate, 2, (w) => writeSaslAuthenticateRequest(w, 2, { ...defaultSaslAuthenticateRequest(), authBytes: Buffer.from('garbage') })), 2);
    expect(res.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    d.close();
  });
});
