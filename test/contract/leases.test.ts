// Runs the LeaseStore/PartitionIndex contract against memory and a real PostgreSQL.
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { MemoryLeases, MemoryPartitionIndex } from '../../src/cluster/memory-leases.js';
import { migrate } from '../../src/cluster/pg/migrations.js';
import { PgLeases, PgPartitionIndex } from '../../src/cluster/pg/pg-leases.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { leasesContract } from './leases.contract.js';

leasesContract('memory', async () => {
  let t = 1_000_000;
  const leases = new MemoryLeases(() => t);
  return { leases, index: new MemoryPartitionIndex(leases), ttl: 1000, pass: async (ms) => void (t += ms) };
});

let server: TestPostgres;
const pools: pg.Pool[] = [];
beforeAll(async () => {
  server = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await server?.stop();
});

leasesContract('PostgreSQL', async () => {
  const pool = new pg.Pool({ connectionString: await server.newDatabase(), max: 8 });
  pool.on('error', () => undefined); // idle connections end when the server stops
  pools.push(pool);
  await migrate(pool);
  // PostgreSQL's clock is real: short leases, real waits.
  return { leases: new PgLeases(pool), index: new PgPartitionIndex(pool), ttl: 300, pass: (ms) => new Promise((r) => setTimeout(r, ms)) };
});
