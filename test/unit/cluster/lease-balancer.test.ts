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
});
