// The registry's operations with Confluent's semantics, over a `_schemas` topic in memory.
import { describe, expect, it } from 'vitest';
import { SchemaRegistry, type SchemaLog } from '../../../src/registry/registry.js';
import { TopicSchemaLog } from '../../../src/registry/topic-schema-log.js';
import { RegistryError } from '../../../src/registry/errors.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { readAllRecords } from '../../../src/protocol/records/record-reader.js';
import { IsolationLevel } from '../../../src/services/partition-store.js';
import { MemoryTopics } from '../../helpers/memory/memory-topics.js';

const avro = (fields: object[]) => ({ schema: JSON.stringify({ type: 'record', name: 'User', fields }), schemaType: 'AVRO' as const, references: [] });
const v1 = avro([{ name: 'id', type: 'long' }]);
const v2 = avro([{ name: 'id', type: 'long' }, { name: 'email', type: 'string', default: '' }]);
const breaking = avro([{ name: 'id', type: 'long' }, { name: 'age', type: 'int' }]);

function fresh(): { topics: MemoryTopics; registry: SchemaRegistry } {
  const topics = new MemoryTopics({ autoCreate: false, defaultPartitions: 1 });
  return { topics, registry: new SchemaRegistry(new TopicSchemaLog(topics)) };
}

async function failure(p: Promise<unknown>): Promise<{ status: number; code: number; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RegistryError) return { status: err.status, code: err.errorCode, message: err.message };
    throw err;
  }
  throw new Error('expected a RegistryError');
}

describe('SchemaRegistry', () => {
  it('numbers versions per subject and shares ids between identical schemas', async () => {
    const { registry } = fresh();
    expect(await registry.register('users-value', v1)).toEqual({ id: 1, version: 1 });
    expect(await registry.register('users-value', v2)).toEqual({ id: 2, version: 2 });
    // The same schema again (formatting aside): the existing version, no new one.
    expect(await registry.register('users-value', { ...v1, schema: JSON.stringify(JSON.parse(v1.schema), null, 2) })).toEqual({ id: 1, version: 1 });
    expect(await registry.register('other-value', v2)).toEqual({ id: 2, version: 1 });
    expect(await registry.versions('users-value', false)).toEqual([1, 2]);
    expect((await registry.version('users-value', 'latest', false)).id).toBe(2);
    expect((await registry.version('users-value', '-1', false)).version).toBe(2);
    expect(await registry.versionsById(2, false)).toEqual([{ subject: 'other-value', version: 1 }, { subject: 'users-value', version: 2 }]);
    expect((await registry.lookup('users-value', v1, false)).version).toBe(1);
    expect(await failure(registry.lookup('users-value', breaking, false))).toMatchObject({ code: 40403 });
    expect(await failure(registry.version('nope', '1', false))).toMatchObject({ status: 404, code: 40401 });
    expect(await failure(registry.version('users-value', '7', false))).toMatchObject({ status: 404, code: 40402 });
    expect(await failure(registry.version('users-value', 'x', false))).toMatchObject({ status: 422, code: 42202 });
    expect(await failure(registry.schemaById(99))).toMatchObject({ status: 404, code: 40403 });
  });

  it('refuses an incompatible version with 409 at BACKWARD and takes it at NONE', async () => {
    const { registry } = fresh();
    await registry.register('users-value', v1);
    const refused = await failure(registry.register('users-value', breaking));
    expect(refused).toMatchObject({ status: 409, code: 409 });
    expect(refused.message).toMatch(/READER_FIELD_MISSING_DEFAULT_VALUE/);
    expect(await registry.checkCompatibility('users-value', undefined, breaking)).toMatchObject({ compatible: false });
    expect(await registry.checkCompatibility('users-value', 'latest', v2)).toEqual({ compatible: true, messages: [] });
    await registry.setCompatibility('users-value', 'none');
    expect(await registry.compatibility('users-value', false)).toBe('NONE');
    expect(await registry.register('users-value', breaking)).toMatchObject({ version: 2 });
    expect(await failure(registry.setCompatibility(null, 'SIDEWAYS'))).toMatchObject({ status: 422, code: 42203 });
    expect(await failure(registry.compatibility('other', false))).toMatchObject({ code: 40408 });
    expect(await registry.compatibility('other', true)).toBe('BACKWARD');
  });

  it('checks every version at a transitive level and only the latest otherwise', async () => {
    const { registry } = fresh();
    const a = avro([{ name: 'id', type: 'long' }, { name: 'x', type: 'int' }]);
    const b = avro([{ name: 'id', type: 'long' }]); // drops x: backward compatible with a
    const c = avro([{ name: 'id', type: 'long' }, { name: 'x', type: 'string', default: '' }]); // reads b, not a's int x
    await registry.register('s', a);
    await registry.register('s', b);
    expect(await registry.checkCompatibility('s', undefined, c)).toMatchObject({ compatible: true });
    await registry.setCompatibility('s', 'BACKWARD_TRANSITIVE');
    expect(await registry.checkCompatibility('s', undefined, c)).toMatchObject({ compatible: false });
    await registry.setCompatibility('s', 'FORWARD');
    expect(await registry.checkCompatibility('s', undefined, v2)).toMatchObject({ compatible: true });
  });

  it('soft-deletes, then hard-deletes, as Confluent orders them', async () => {
    const { registry } = fresh();
    await registry.register('users-value', v1);
    await registry.register('users-value', v2);
    expect(await failure(registry.deleteVersion('users-value', '1', true))).toMatchObject({ code: 40407 });
    expect(await registry.deleteVersion('users-value', '1', false)).toBe(1);
    expect(await failure(registry.deleteVersion('users-value', '1', false))).toMatchObject({ code: 40406 });
    expect(await registry.versions('users-value', false)).toEqual([2]);
    expect(await registry.versions('users-value', true)).toEqual([1, 2]);
    expect(await failure(registry.deleteSubject('users-value', true))).toMatchObject({ code: 40405 });
    expect(await registry.deleteSubject('users-value', false)).toEqual([2]);
    expect(await failure(registry.deleteSubject('users-value', false))).toMatchObject({ code: 40404 });
    expect(await registry.subjectsList()).toEqual([]);
    expect(await registry.subjectsList({ deleted: true })).toEqual(['users-value']);
    // Soft-deleted schemas still answer by id (consumers of old records need them); numbering goes on.
    expect((await registry.schemaById(1)).schema).toBe(v1.schema);
    expect(await registry.register('users-value', v1)).toEqual({ id: 1, version: 3 });
    expect(await registry.deleteVersion('users-value', '3', false)).toBe(3);
    expect(await registry.deleteSubject('users-value', true)).toEqual([1, 2, 3]);
    expect(await failure(registry.schemaById(1))).toMatchObject({ code: 40403 });
    expect(await failure(registry.versions('users-value', true))).toMatchObject({ code: 40401 });
  });

  it('resolves references, reports who references a version and protects it from deletion', async () => {
    const { registry } = fresh();
    const address = { schema: JSON.stringify({ type: 'record', name: 'Address', namespace: 'x', fields: [{ name: 'city', type: 'string' }] }), schemaType: 'AVRO' as const, references: [] };
    await registry.register('address', address);
    const person = { schema: JSON.stringify({ type: 'record', name: 'Person', fields: [{ name: 'home', type: 'x.Address' }] }), schemaType: 'AVRO' as const, references: [{ name: 'x.Address', subject: 'address', version: -1 }] };
    const { id } = await registry.register('person-value', person);
    expect((await registry.version('person-value', '1', false)).references).toEqual([{ name: 'x.Address', subject: 'address', version: 1 }]);
    expect(await registry.referencedByVersion('address', '1')).toEqual([id]);
    expect(await failure(registry.deleteVersion('address', '1', false))).toMatchObject({ status: 422, code: 42206 });
    expect(await failure(registry.register('bad-value', { ...person, references: [{ name: 'x.Address', subject: 'missing', version: 1 }] }))).toMatchObject({ status: 422, code: 42201 });
    expect(await failure(registry.register('bad-value', { ...person, references: [] }))).toMatchObject({ status: 422, code: 42201 });
  });

  it('READONLY refuses changes; IMPORT takes ids and versions as given', async () => {
    const { registry } = fresh();
    await registry.setMode(null, 'READONLY', false);
    expect(await failure(registry.register('s', v1))).toMatchObject({ status: 422, code: 42205 });
    await registry.setMode(null, 'IMPORT', false);
    expect(await registry.register('s', { ...v1, id: 42, version: 7 })).toEqual({ id: 42, version: 7 });
    expect(await failure(registry.register('t', { ...v2, id: 42, version: 1 }))).toMatchObject({ code: 42207 });
    await registry.setMode(null, 'READWRITE', false);
    expect(await failure(registry.setMode(null, 'IMPORT', false))).toMatchObject({ code: 42205 });
    expect(await failure(registry.register('s', { ...v2, id: 43 }))).toMatchObject({ code: 42205 });
    expect(await registry.register('s', v2)).toEqual({ id: 43, version: 8 });
    expect(await failure(registry.setMode(null, 'SOMETIMES', false))).toMatchObject({ code: 42204 });
  });

  it('keeps its state in _schemas in Confluent\'s format and rebuilds it from there', async () => {
    const { topics, registry } = fresh();
    await registry.register('users-value', v1);
    await registry.setCompatibility(null, 'FULL');
    await registry.deleteVersion('users-value', '1', false);
    const p = topics.partition('_schemas', 0)!;
    expect(topics.get('_schemas')!.configs['cleanup.policy']).toBe('compact');
    const read = await p.read(0, 1 << 20, IsolationLevel.READ_UNCOMMITTED);
    const records = [...readAllRecords(read.chunks)].map((r) => [r.key!.toString(), r.value?.toString() ?? null]);
    expect(records).toEqual([
      ['{"keytype":"SCHEMA","subject":"users-value","version":1,"magic":1}', JSON.stringify({ subject: 'users-value', version: 1, id: 1, schema: v1.schema, deleted: false })],
      ['{"keytype":"CONFIG","subject":null,"magic":0}', '{"compatibilityLevel":"FULL"}'],
      ['{"keytype":"SCHEMA","subject":"users-value","version":1,"magic":1}', JSON.stringify({ subject: 'users-value', version: 1, id: 1, schema: v1.schema, deleted: true })],
    ]);
    const again = new SchemaRegistry(new TopicSchemaLog(topics));
    expect(await again.compatibility(null, true)).toBe('FULL');
    expect(await again.versions('users-value', true)).toEqual([1]);
    expect(await failure(again.versions('users-value', false))).toMatchObject({ code: 40401 });
  });

  it('applies records another writer (a Confluent registry, a copied topic) put in the log', async () => {
    const { topics, registry } = fresh();
    await registry.register('a-value', v1); // creates the topic
    const json = { type: 'object', properties: { n: { type: 'number' } } };
    await topics.partition('_schemas', 0)!.append(buildRecordBatch([
      { key: Buffer.from('{"keytype":"NOOP","magic":0}'), value: null },
      { key: Buffer.from('{"keytype":"SCHEMA","subject":"b-value","version":1,"magic":1}'), value: Buffer.from(JSON.stringify({ subject: 'b-value', version: 1, id: 10, schemaType: 'JSON', schema: JSON.stringify(json), deleted: false })) },
      { key: Buffer.from('{"keytype":"SCHEMA","subject":"a-value","version":2,"magic":1}'), value: Buffer.from(JSON.stringify({ subject: 'a-value', version: 2, id: 11, schema: v2.schema, deleted: false })) },
      { key: Buffer.from('{"keytype":"DELETE_SUBJECT","subject":"a-value","magic":0}'), value: Buffer.from('{"subject":"a-value","version":2}') },
      { key: Buffer.from('garbage'), value: Buffer.from('{}') },
    ]));
    expect(await registry.schemaById(10)).toMatchObject({ schemaType: 'JSON' });
    expect(await registry.subjectsList()).toEqual(['b-value']);
    // The next id continues after the largest one the log holds.
    expect(await registry.register('c-value', avro([{ name: 'z', type: 'int' }]))).toEqual({ id: 12, version: 1 });
    expect(registry.registeredUnder('b-value', 10)).toBe(true);
    expect(registry.registeredUnder('b-value', 11)).toBe(false);
  });

  it('asks a log that answers asynchronously for its end once per catch-up, and a failed answer reaches the caller', async () => {
    // A log like the PostgreSQL one: end() is a query. An answer asked for and dropped would be
    // a rejection nobody handles when the pool closes (vitest fails the run on one).
    const inner = new TopicSchemaLog(new MemoryTopics({ autoCreate: false, defaultPartitions: 1 }));
    let endCalls = 0;
    let failing = false;
    const log: SchemaLog = {
      append: (records) => inner.append(records),
      readFrom: (offset) => inner.readFrom(offset),
      end: async () => {
        endCalls++;
        await new Promise((r) => setTimeout(r, 1));
        if (failing) throw new Error('connection terminated');
        return inner.end();
      },
    };
    const registry = new SchemaRegistry(log);
    expect(await registry.register('a-value', v1)).toEqual({ id: 1, version: 1 });
    endCalls = 0;
    await Promise.all([registry.catchUp(), registry.catchUp(), registry.catchUp()]);
    expect(endCalls).toBe(3);
    failing = true;
    await expect(registry.catchUp()).rejects.toThrow('connection terminated');
    await expect(Promise.resolve(registry.registeredUnder('a-value', 7))).rejects.toThrow('connection terminated');
    await new Promise((r) => setTimeout(r, 20));
  });
});
