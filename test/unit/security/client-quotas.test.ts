// Quota resolution (KIP-55 precedence, defaults counted per user) and the token bucket's
// throttle times, on a fake clock.
import { describe, expect, it } from 'vitest';
import { memoryClusterMetadata } from '../../../src/broker/cluster-metadata-document.js';
import { ClientQuotas } from '../../../src/security/client-quotas.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { anonymousSession, type Session } from '../../../src/services/session.js';
import { invalidQuotaChange } from '../../../src/services/quotas.js';

const session = (user: string, clientId: string): Session => ({ ...anonymousSession('SASL_PLAINTEXT', 'h'), principal: `User:${user}`, clientId, authenticated: true });
const produce = (bytes: number) => ({ apiKey: ApiKey.Produce, requestBytes: bytes, responseBytes: 10, threadMs: 0 });

function quotas() {
  let now = 0;
  const q = new ClientQuotas(memoryClusterMetadata(), [], () => now);
  return { q, advance: (ms: number) => void (now += ms) };
}

describe('client quotas', () => {
  it('resolves each key in Kafka\'s order of precedence', async () => {
    const { q } = quotas();
    await q.alter({ 'client-id': null }, { producer_byte_rate: 1000 });
    await q.alter({ user: null }, { producer_byte_rate: 2000 });
    await q.alter({ user: 'alice' }, { producer_byte_rate: 3000 });
    await q.alter({ user: 'alice', 'client-id': 'app' }, { producer_byte_rate: 4000 });
    // Each starts with a full bucket of one second; taking twice that shows the rate in the throttle.
    expect(q.record(session('alice', 'app'), produce(8000))).toBe(1000);
    expect(q.record(session('alice', 'other'), produce(6000))).toBe(1000);
    expect(q.record(session('bob', 'x'), produce(4000))).toBe(1000);
    await q.alter({ user: null }, { producer_byte_rate: null });
    expect(q.record(session('carol', 'x'), produce(2000))).toBe(1000);
  });

  it('gives every user a budget of their own under a default, and clients of one user share the user\'s', async () => {
    const { q } = quotas();
    await q.alter({ user: null }, { producer_byte_rate: 1000 });
    expect(q.record(session('a', 'c1'), produce(1000))).toBe(0);
    expect(q.record(session('b', 'c1'), produce(1000))).toBe(0);
    expect(q.record(session('a', 'c2'), produce(500))).toBe(500);
  });

  it('refills at the quota and throttles for exactly the debt', async () => {
    const { q, advance } = quotas();
    await q.alter({ 'client-id': 'c' }, { consumer_byte_rate: 1000, request_percentage: 50 });
    const s = session('u', 'c');
    expect(q.record(s, { apiKey: ApiKey.Fetch, requestBytes: 50, responseBytes: 3000, threadMs: 0 })).toBe(2000);
    advance(2000);
    expect(q.record(s, { apiKey: ApiKey.Fetch, requestBytes: 50, responseBytes: 500, threadMs: 0 })).toBe(500);
    // request_percentage 50 = 500 thread-ms a second; a 1 s burst of 500 ms.
    expect(q.record(s, { apiKey: ApiKey.Metadata, requestBytes: 50, responseBytes: 50, threadMs: 1000 })).toBe(1000);
    // Produce bytes do not count against a consumer quota; ApiVersions is never throttled.
    advance(10_000);
    expect(q.record(s, produce(1_000_000))).toBe(0);
    expect(q.record(s, { apiKey: ApiKey.ApiVersions, requestBytes: 50, responseBytes: 50, threadMs: 1e6 })).toBe(0);
  });

  it('refuses what Kafka refuses', () => {
    const user = [{ entityType: 'user', entityName: 'a' }];
    expect(invalidQuotaChange(user, [{ key: 'producer_byte_rate', value: 10, remove: false }])).toBeUndefined();
    expect(invalidQuotaChange(user, [{ key: 'producer_byte_rate', value: 1.5, remove: false }])).toMatch(/whole number/);
    expect(invalidQuotaChange(user, [{ key: 'request_percentage', value: 0, remove: false }])).toMatch(/positive/);
    expect(invalidQuotaChange([...user, ...user], [])).toMatch(/twice/);
    expect(invalidQuotaChange([{ entityType: 'group', entityName: 'g' }], [])).toMatch(/unknown quota entity/);
    expect(invalidQuotaChange([], [])).toMatch(/empty/);
  });
});
