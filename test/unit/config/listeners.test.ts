// Listener settings: Kafka's NAME://host:port syntax, and a clear refusal for each mistake.
import { describe, expect, it } from 'vitest';
import { advertisedListenersOf, listenersOf, resolveBrokerConfig } from '../../../src/config/broker-config.js';

const resolve = (overrides: Record<string, unknown>) => resolveBrokerConfig({ env: {}, overrides });
const refusal = (overrides: Record<string, unknown>): string => {
  try {
    resolve(overrides);
    return 'accepted';
  } catch (err) {
    return (err as Error).message;
  }
};

describe('listener settings', () => {
  it('parses a list, with --host/--port as the one-PLAINTEXT shorthand', () => {
    expect(listenersOf(resolve({ host: '0.0.0.0', port: 9999 }))).toEqual([{ name: 'PLAINTEXT', protocol: 'PLAINTEXT', host: '0.0.0.0', port: 9999 }]);
    const c = resolve({ listeners: 'PLAINTEXT://127.0.0.1:9092, SSL://:9093', sslCertFile: 'c.pem', sslKeyFile: 'k.pem', advertisedListeners: 'SSL://broker.example:443' });
    expect(listenersOf(c)).toEqual([
      { name: 'PLAINTEXT', protocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 },
      { name: 'SSL', protocol: 'SSL', host: '0.0.0.0', port: 9093 },
    ]);
    expect([...advertisedListenersOf(c)]).toEqual([['SSL', { host: 'broker.example', port: 443 }]]);
    expect(listenersOf(resolve({ listeners: 'PLAINTEXT://[::1]:0' }))[0]!.host).toBe('::1');
  });

  it('refuses malformed lists, unknown protocols, duplicates, missing TLS files and bad SASL settings', () => {
    expect(refusal({ listeners: '127.0.0.1:9092' })).toMatch(/NAME:\/\/host:port/);
    expect(refusal({ listeners: 'HTTP://127.0.0.1:80' })).toMatch(/security protocol/);
    expect(refusal({ listeners: 'SASL_SSL://127.0.0.1:9094' })).toMatch(/SASL_SSL listener needs sslCertFile/);
    expect(refusal({ saslEnabledMechanisms: 'PLAIN,GSSAPI' })).toMatch(/GSSAPI is not one of/);
    expect(refusal({ bootstrapUser: 'no-password' })).toMatch(/NAME:PASSWORD/);
    expect(refusal({ listeners: 'PLAINTEXT://a:1,PLAINTEXT://b:2' })).toMatch(/named twice/);
    expect(refusal({ listeners: 'PLAINTEXT://a:70000' })).toMatch(/port/);
    expect(refusal({ listeners: 'SSL://127.0.0.1:9093' })).toMatch(/needs sslCertFile and sslKeyFile/);
    expect(refusal({ advertisedListeners: 'SSL://x:1' })).toMatch(/not one of the listeners/);
    expect(refusal({ sslClientAuth: 'maybe' })).toMatch(/none, requested or required/);
    expect(refusal({ sslClientAuth: 'required' })).toMatch(/sslCaFile/);
    expect(refusal({ saslEnabledMechanisms: 'OAUTHBEARER' })).toMatch(/needs saslOauthbearerJwksEndpointUrl/);
    expect(refusal({ saslEnabledMechanisms: 'OAUTHBEARER', saslOauthbearerJwksEndpointUrl: 'idp.example/jwks' })).toMatch(/https:\/\/, http:\/\/ or file:\/\//);
  });

  it('refuses bad authorisation and admin TLS settings', () => {
    expect(refusal({ authorizer: 'opa' })).toMatch(/none or acl/);
    expect(refusal({ superUsers: 'admin' })).toMatch(/not a principal/);
    expect(refusal({ connectionsMaxReauthMs: -1 })).toMatch(/non-negative/);
    expect(refusal({ adminSslCertFile: 'a.crt' })).toMatch(/both adminSslCertFile and adminSslKeyFile/);
  });
});
