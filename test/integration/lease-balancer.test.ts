// Lease balancing over a real PostgreSQL, brokers simulated in process (each a LeaseBalancer
// with its own connection pool): 12 partitions spread evenly over three brokers; a broker
// that stops without a word (kill -9) loses its leases to the others once they lapse; a
// fourth broker takes its share as the others hand off their excess; a broker stopping with
// SIGTERM semantics hands its leases off at once. At every point no partition has two holders.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { LeaseBalancer } from '../../src/cluster/lease-balancer.js';
import { PgLeases } from '../../src/cluster/pg/pg-leases.js';
import type { Lease } from '../../src/services/leases.js';
import { usePostgres } from '../helpers/postgres.js';

const postgres = usePostgres();
const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
});

const PARTITIONS = Array.from({ length: 12 }, (_, i) => `p:T/${i}`);
const TTL = 800;
const INTERVAL = 150;

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`not within ${ms} ms: ${what}`);
}

describe('lease balancing over PostgreSQL', () => {
  it('spreads, takes over from a dead broker, rebalances for a new one, and hands off on SIGTERM', async () => {
    const { url, pool: setup } = await postgres.database();
    let resources = PARTITIONS;
    const broker = (nodeId: number) => {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pool.on('error', () => undefined);
      pools.push(pool);
      const events: string[] = [];
      const b = new LeaseBalancer({
        nodeId, leases: new PgLeases(pool), resources: () => resources, ttlMs: TTL, intervalMs: INTERVAL,
        onAcquired: (l: Lease) => void events.push(`+${l.resource}`), onHandOff: (l: Lease) => void events.push(`~${l.resource}`), onLost: (r) => void events.push(`-${r}`),
      });
      b.start();
      return { b, events };
    };
    const observer = new PgLeases(setup);
    const holders = async () => {
      const live = (await observer.live('p:'));
      return new Map(live.map((l) => [l.resource, l.holder]));
    };
    const counts = (m: Map<string, number>) => [...m.values()].reduce((c, h) => c.set(h, (c.get(h) ?? 0) + 1), new Map<number, number>());
    // Each balancer's own view never overlaps another's.
    const noDoubleHolders = (bs: LeaseBalancer[]) => {
      const all = bs.flatMap((b) => [...b.leases.keys()]);
      expect(new Set(all).size).toBe(all.length);
    };

    const [b1, b2, b3] = [broker(1), broker(2), broker(3)];
    await until(async () => { const c = counts(await holders()); return c.get(1) === 4 && c.get(2) === 4 && c.get(3) === 4; }, 10_000, 'an even spread over three');
    noDoubleHolders([b1.b, b2.b, b3.b]);

    // kill -9 broker 3: it stops renewing, says nothing.
    await b3.b.stop(false);
    const takeover = await until(async () => { const h = await holders(); return h.size === 12 && ![...h.values()].includes(3); }, 10_000, 'takeover of the dead broker\'s leases');
    expect(takeover).toBeLessThan(TTL + 4 * INTERVAL + 1000);
    await until(async () => { const c = counts(await holders()); return c.get(1) === 6 && c.get(2) === 6; }, 5000, 'six each');
    noDoubleHolders([b1.b, b2.b]);
    // Broker 3 comes back as a zombie: its old leases are gone (it never learned).
    expect([...b3.b.leases.keys()]).toHaveLength(4);

    // A fourth broker joins: the others hand off their excess, it takes three.
    const b4 = broker(4);
    await until(async () => { const c = counts(await holders()); return c.get(4) === 4 && (c.get(1) ?? 0) + (c.get(2) ?? 0) === 8; }, 10_000, 'the new broker takes its share');
    expect(b1.events.some((e) => e.startsWith('~')) || b2.events.some((e) => e.startsWith('~'))).toBe(true);
    noDoubleHolders([b1.b, b2.b, b4.b]);

    // SIGTERM of broker 4: hand-off at once, taken without waiting for the lease to lapse.
    const handedAt = Date.now();
    await b4.b.stop(true);
    await until(async () => { const h = await holders(); return h.size === 12 && ![...h.values()].includes(4); }, 5000, 'the leases handed off by broker 4 are taken');
    expect(Date.now() - handedAt).toBeLessThan(TTL + 3 * INTERVAL);
    expect(b4.events.filter((e) => e.startsWith('~'))).toHaveLength(4);
    // Resources that go away (a deleted topic's partitions) are handed off, not renewed forever.
    const gone = PARTITIONS.slice(8);
    resources = PARTITIONS.slice(0, 8);
    await until(async () => { const h = await holders(); return h.size === 8 && gone.every((r) => !h.has(r)); }, 5000, 'the removed resources are given up');
    await b1.b.stop(true);
    await b2.b.stop(true);
  }, 60_000);
});
