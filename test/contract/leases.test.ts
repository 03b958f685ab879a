// Runs the LeaseStore/PartitionIndex contract against memory and a real PostgreSQL.
import { MemoryLeases, MemoryPartitionIndex } from '../../src/cluster/memory-leases.js';
import { PgLeases, PgPartitionIndex } from '../../src/cluster/pg/pg-leases.js';
import { usePostgres } from '../helpers/postgres.js';
import { leasesContract } from './leases.contract.js';

leasesContract('memory', async () => {
  let t = 1_000_000;
  const leases = new MemoryLeases(() => t);
  return { leases, index: new MemoryPartitionIndex(leases), ttl: 1000, pass: async (ms) => void (t += ms) };
});

const postgres = usePostgres();

leasesContract('PostgreSQL', async () => {
  const { pool } = await postgres.database(8);
  // PostgreSQL's clock is real: short leases, real waits.
  return { leases: new PgLeases(pool), index: new PgPartitionIndex(pool), ttl: 300, pass: (ms) => new Promise((r) => setTimeout(r, ms)) };
});
