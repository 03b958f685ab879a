// SCRAM and PLAIN on the server side, driven by a test SCRAM client, over credentials
// stored in a metadata store (never the password).
import { describe, expect, it } from 'vitest';
import { memoryClusterMetadata } from '../../../src/broker/cluster-metadata-document.js';
import { ScramCredentials } from '../../../src/security/credentials.js';
import type { SaslExchange } from '../../../src/services/auth.js';
import { ScramClient } from '../../../src/client/scram-client.js';
import { errorName } from '../../helpers/error-name.js';

async function users(): Promise<ScramCredentials> {
  const store = memoryClusterMetadata();
  const c = new ScramCredentials(store, [], ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
  await c.setPassword('alice', 'SCRAM-SHA-256', 'secret-256');
  await c.setPassword('alice', 'SCRAM-SHA-512', 'secret-512');
  await c.setPassword('b,o=b', 'SCRAM-SHA-256', 'pw');
  return c;
}


describe('SASL mechanisms', () => {
  for (const [mechanism, password] of [['SCRAM-SHA-256', 'secret-256'], ['SCRAM-SHA-512', 'secret-512']] as const) {
    it(`${mechanism}: authenticates with the right password and proves the server knows the credential`, async () => {
      const c = await users();
      const exchange = c.begin(mechanism)!;
      const client = new ScramClient(mechanism, 'alice', password);
      const first = await exchange.step(client.first());
      expect(first.principal).toBeUndefined();
      const last = await exchange.step(client.final(first.challenge));
      expect(last.principal).toBe('User:alice');
      expect(client.verifies(last.challenge)).toBe(true);
      expect(await errorName(() => exchange.step(Buffer.from('again')))).toBe('ILLEGAL_SASL_STATE');
    });

    it(`${mechanism}: refuses a wrong password, an unknown user, a replayed nonce and malformed messages`, async () => {
      const c = await users();
      const run = async (user: string, pw: string, tamper = false): Promise<string | undefined> => {
        const exchange: SaslExchange = c.begin(mechanism)!;
        const client = new ScramClient(mechanism, user, pw);
        return errorName(async () => exchange.step(client.final((await exchange.step(client.first())).challenge, { tamperNonce: tamper })));
      };
      expect(await run('alice', 'wrong')).toBe('SASL_AUTHENTICATION_FAILED');
      expect(await run('mallory', 'x')).toBe('SASL_AUTHENTICATION_FAILED');
      expect(await run('alice', password, true)).toBe('SASL_AUTHENTICATION_FAILED');
      for (const bad of ['', 'n,,', 'p=tls-unique,,n=alice,r=x', 'n,,n=al=ice,r=abc', 'n,,r=abc', 'n,,n=alice,r=x,m=ext', '\u0000\u0001']) {
        expect(await errorName(() => c.begin(mechanism)!.step(Buffer.from(bad)))).toBe('SASL_AUTHENTICATION_FAILED');
      }
    });
  }

  it('SCRAM decodes escaped user names', async () => {
    const c = await users();
    const exchange = c.begin('SCRAM-SHA-256')!;
    const client = new ScramClient('SCRAM-SHA-256', 'b,o=b', 'pw');
    const last = await exchange.step(client.final((await exchange.step(client.first())).challenge));
    expect(last.principal).toBe('User:b,o=b');
  });

  it('PLAIN checks the password against the stored SCRAM credential', async () => {
    const c = await users();
    const plain = (msg: string) => c.begin('PLAIN')!.step(Buffer.from(msg));
    expect((await plain('\u0000alice\u0000secret-256')).principal).toBe('User:alice');
    expect((await plain('alice\u0000alice\u0000secret-256')).principal).toBe('User:alice');
    expect(await errorName(() => plain('\u0000alice\u0000nope'))).toBe('SASL_AUTHENTICATION_FAILED');
    expect(await errorName(() => plain('bob\u0000alice\u0000secret-256'))).toBe('SASL_AUTHENTICATION_FAILED');
    expect(await errorName(() => plain('\u0000nobody\u0000x'))).toBe('SASL_AUTHENTICATION_FAILED');
    expect(await errorName(() => plain('no separators'))).toBe('SASL_AUTHENTICATION_FAILED');
  });

  it('offers only the enabled mechanisms, and keeps only salted keys', async () => {
    const store = memoryClusterMetadata();
    const c = new ScramCredentials(store, [], ['SCRAM-SHA-512']);
    expect(c.begin('PLAIN')).toBeUndefined();
    expect(c.begin('GSSAPI')).toBeUndefined();
    expect(await c.bootstrap('admin:hunter2-long')).toBe(true);
    expect(await c.bootstrap('admin:other')).toBe(false);
    const stored = JSON.stringify(await store.scramCredentials());
    expect(stored).not.toContain('hunter2');
    expect(c.describe(null)).toEqual([{ user: 'admin', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }, { mechanism: 'SCRAM-SHA-512', iterations: 4096 }] }]);
    await c.delete('admin', 'SCRAM-SHA-256');
    expect(await errorName(() => c.delete('admin', 'SCRAM-SHA-256'))).toBe('RESOURCE_NOT_FOUND');
  });
});
