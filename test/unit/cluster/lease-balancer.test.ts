// The balancer on memory leases: a lease it could not start serving (onAcquired failed, the
// store unreachable) is given back, not held unserved, and taken again on a later round.
import { describe, expect, it } from 'vitest';
import { LeaseBalancer } from '../../../src/cluster/lease-balancer.js';
import { MemoryLeases } from '../../../src/cluster/memory-leases.js';

describe('LeaseBalancer', () => {
  it('gives back a lease whose onAcquired failed, and takes it on the next round', async () => {
    let now = 1_000_000;
    const leases = new MemoryLeases(() => now);
    let failures = 1;
    const served: string[] = [];
    const b = new LeaseBalancer({
      nodeId: 1, leases, ttlMs: 3000, intervalMs: 1000, resources: () => ['p:T/0'],
      onAcquired: (l) => {
        if (failures-- > 0) throw new Error('index unreachable');
        served.push(l.resource);
      },
    });
    await expect(b.tick()).rejects.toThrow(/index unreachable/);
    expect(b.leases.size).toBe(0);
    expect((await leases.live('p:')).length).toBe(0);
    now += 10;
    await b.tick();
    expect(served).toEqual(['p:T/0']);
    expect([...b.leases.keys()]).toEqual(['p:T/0']);
  });

  it('spreads each kind of lease evenly on its own: joining brokers get their share of partitions and of coordinator buckets', async () => {
    let now = 1_000_000;
    const leases = new MemoryLeases(() => now);
    const resources = [...Array.from({ length: 16 }, (_, i) => `g:${i}`), ...Array.from({ length: 12 }, (_, i) => `p:T/${i}`)];
    const brokers = [1, 2, 3].map((nodeId) => new LeaseBalancer({ nodeId, leases, ttlMs: 3000, intervalMs: 1000, resources: () => resources }));
    // They join one after another; rounds of all until nothing moves (bounded).
    for (const joined of [1, 2, 3]) {
      for (let round = 0; round < 12; round++) {
        for (const b of brokers.slice(0, joined)) await b.tick();
        now += 10;
      }
    }
    const kinds = brokers.map((b) => [...b.leases.keys()].reduce((n, r) => ({ ...n, [r[0]!]: (n[r[0]!] ?? 0) + 1 }), { g: 0, p: 0 } as Record<string, number>));
    for (const k of kinds) {
      expect(k.p).toBe(4);
      expect(k.g).toBeGreaterThanOrEqual(5);
      expect(k.g).toBeLessThanOrEqual(6);
    }
  });
});
