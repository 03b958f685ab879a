// The schema registry with real clients: kafkajs with @kafkajs/confluent-schema-registry and
// confluent-kafka-python (SchemaRegistryClient, AvroSerializer, JSONSerializer) register,
// evolve compatibly, are refused incompatibly, and produce and consume serialized records
// through Strata; the same calls work after a restart (the registry's state is the
// `_schemas` topic). Topics with confluent.value.schema.validation refuse unframed records
// and unregistered ids with INVALID_RECORD (kafkajs and kcat). The REST API's error bodies
// and codes, and token authentication, over plain HTTP.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { SchemaRegistry as RegistryClient, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, testBroker } from '../helpers/broker.js';
import { runKcat } from '../helpers/kcat.js';
import { hasTool, runWith } from '../helpers/tools.js';
import type { RunningBroker } from '../../src/server/start.js';
import { AclOperation, AclPermission, PatternType, ResourceType } from '../../src/services/acls.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const python = join(root, 'test', 'python', '.venv', 'bin', 'python');
const hasPythonClient = existsSync(python) && hasTool(python, ['-c', 'import confluent_kafka.schema_registry.avro']);
const hasKcat = hasTool('kcat', ['-V']);

function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function http(url: string, method = 'GET', body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method, headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

const ORDER_V1 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'string' }, { name: 'cents', type: 'long' }] };
const ORDER_V2 = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'currency', type: 'string', default: 'EUR' }] };
const ORDER_BAD = { ...ORDER_V1, fields: [{ name: 'id', type: 'long' }] };
const EVENT_JSON = { type: 'object', properties: { kind: { type: 'string' }, at: { type: 'integer' } }, required: ['kind'], additionalProperties: false };
const PROTO = 'syntax = "proto3";\npackage shop;\nmessage Shipment { string id = 1; int32 boxes = 2; }\n';

describe('schema registry', () => {
  let dir: string;
  let broker: RunningBroker;
  let url: string;
  const ids: Record<string, number> = {};

  const kafka = () => new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING, retry: { retries: 2 } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-registry-'));
    broker = await testBroker(dir);
    url = broker.schemaRegistryUrl!;
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({
      topics: ['orders', 'events', 'shipments', 'py-avro', 'py-json'].map((topic) => ({
        topic, numPartitions: 2, configEntries: [{ name: 'confluent.value.schema.validation', value: 'true' }],
      })),
    });
    await admin.disconnect();
  });

  afterAll(async () => {
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kafkajs: registers, evolves, is refused, and round-trips Avro, JSON Schema and Protobuf records', async () => {
    const registry = new RegistryClient({ host: url });
    ids.orderV1 = (await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(ORDER_V1) }, { subject: 'orders-value' })).id;
    ids.orderV2 = (await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(ORDER_V2) }, { subject: 'orders-value' })).id;
    expect(ids.orderV2).toBeGreaterThan(ids.orderV1!);
    await expect(registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(ORDER_BAD) }, { subject: 'orders-value' })).rejects.toThrow(/incompatible/);
    ids.event = (await registry.register({ type: SchemaType.JSON, schema: JSON.stringify(EVENT_JSON) }, { subject: 'events-value' })).id;
    ids.shipment = (await registry.register({ type: SchemaType.PROTOBUF, schema: PROTO }, { subject: 'shipments-value' })).id;
    expect(await registry.getLatestSchemaId('orders-value')).toBe(ids.orderV2);

    const producer = kafka().producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: 'orders', acks: -1, messages: [
      { key: 'o1', value: await registry.encode(ids.orderV1!, { id: 'o1', cents: 100 }) },
      { key: 'o2', value: await registry.encode(ids.orderV2!, { id: 'o2', cents: 250, currency: 'USD' }) },
    ] });
    await producer.send({ topic: 'events', acks: -1, messages: [{ value: await registry.encode(ids.event!, { kind: 'created', at: 1 }) }] });
    await producer.send({ topic: 'shipments', acks: -1, messages: [{ value: await registry.encode(ids.shipment!, { id: 's1', boxes: 3 }) }] });
    await producer.disconnect();

    const decoded = await consumeAll(['orders', 'events', 'shipments'], 4, (v) => registry.decode(v));
    expect(decoded.orders!.map((o: any) => `${o.id}:${o.cents}:${o.currency ?? '-'}`).sort()).toEqual(['o1:100:-', 'o2:250:USD']);
    expect(decoded.events).toEqual([{ kind: 'created', at: 1 }]);
    expect(decoded.shipments!.map((s: any) => [s.id, s.boxes])).toEqual([['s1', 3]]);
  });

  it('validation refuses unframed records and ids not registered under the subject (kafkajs)', async () => {
    const producer = kafka().producer({ retry: { retries: 0 } });
    await producer.connect();
    const unframed = await producer.send({ topic: 'orders', acks: -1, messages: [{ value: 'plain text' }] }).catch((e: unknown) => e);
    expect(unframed).toMatchObject({ type: 'INVALID_RECORD' });
    // The JSON schema's id is real, but not registered under orders-value.
    const wrongId = Buffer.alloc(9);
    wrongId.writeInt32BE(ids.event!, 1);
    const foreign = await producer.send({ topic: 'orders', acks: -1, messages: [{ value: wrongId }] }).catch((e: unknown) => e);
    expect(foreign).toMatchObject({ type: 'INVALID_RECORD' });
    // Tombstones carry nothing to validate.
    await producer.send({ topic: 'orders', acks: -1, messages: [{ key: 'gone', value: null }] });
    await producer.disconnect();
  });

  it.runIf(runWith(hasKcat))('validation refuses kcat\'s unframed record with INVALID_RECORD', async () => {
    const err = await runKcat(['-P', '-b', broker.address, '-t', 'events', '-X', 'message.send.max.retries=0'], 'not json framed\n').then(() => '', (e: Error) => e.message);
    // librdkafka's words for INVALID_RECORD (87).
    expect(err).toMatch(/Broker failed to validate record/);
  });

  it('answers Confluent\'s error codes and bodies', async () => {
    expect(await http(`${url}/subjects/none-value/versions/1`)).toEqual({ status: 404, body: { error_code: 40401, message: "Subject 'none-value' not found." } });
    expect((await http(`${url}/subjects/orders-value/versions/99`)).body.error_code).toBe(40402);
    expect((await http(`${url}/subjects/orders-value/versions/x`)).body.error_code).toBe(42202);
    expect((await http(`${url}/schemas/ids/9999`)).body.error_code).toBe(40403);
    expect((await http(`${url}/subjects/x/versions`, 'POST', { schema: '{"type":"nope"}' })).body.error_code).toBe(42201);
    expect((await http(`${url}/subjects/x/versions`, 'POST', 'not json')).status).toBe(400);
    expect((await http(`${url}/config`, 'PUT', { compatibility: 'SOMETIMES' })).body.error_code).toBe(42203);
    expect((await http(`${url}/mode`, 'PUT', { mode: 'SOMETIMES' })).body.error_code).toBe(42204);
    expect((await http(`${url}/no/such/route`)).status).toBe(404);
    expect((await http(`${url}/subjects`, 'PUT', {})).status).toBe(405);
    const verbose = await http(`${url}/compatibility/subjects/orders-value/versions/latest?verbose=true`, 'POST', { schema: JSON.stringify(ORDER_BAD) });
    expect(verbose.body.is_compatible).toBe(false);
    expect(verbose.body.messages.join(' ')).toMatch(/oldSchemaVersion: 2/);
    expect((await http(`${url}/schemas/types`)).body).toEqual(['JSON', 'PROTOBUF', 'AVRO']);
    expect((await http(`${url}/schemas/ids/${ids.orderV2}/versions`)).body).toEqual([{ subject: 'orders-value', version: 2 }]);
  });

  it.runIf(runWith(hasPythonClient))('confluent-kafka-python: SchemaRegistryClient, AvroSerializer and JSONSerializer', async () => {
    const r = await run(python, [join(root, 'test', 'python', 'schema_registry_check.py'), url, broker.address, 'first']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.refused).toEqual({ status: 409, code: 409 });
    expect(out.compatibleBad).toBe(false);
    expect(out.latestAvroVersion).toBe(2);
    expect(out.subjects).toEqual(['py-avro-value', 'py-json-value']);
    expect(out.produceFailures).toEqual([]);
    expect(out.unframed).toEqual(['INVALID_RECORD']);
    expect(out.avroRecords.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `first-${i}:K`));
    expect(out.jsonRecords.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `first-${i}`));
    ids.pyAvroV2 = out.avroV2;
    ids.pyJsonV2 = out.jsonV2;
  });

  it('after a restart the registry has every subject and id, and the same calls work', async () => {
    await broker.close();
    broker = await testBroker(dir);
    url = broker.schemaRegistryUrl!;
    const registry = new RegistryClient({ host: url });
    expect(await registry.getLatestSchemaId('orders-value')).toBe(ids.orderV2);
    // Registering a known schema answers its id; an incompatible one is still refused.
    expect((await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(ORDER_V1) }, { subject: 'orders-value' })).id).toBe(ids.orderV1);
    await expect(registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(ORDER_BAD) }, { subject: 'orders-value' })).rejects.toThrow(/incompatible/);
    const producer = kafka().producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: 'orders', acks: -1, messages: [{ key: 'o3', value: await registry.encode(ids.orderV2!, { id: 'o3', cents: 5, currency: 'GBP' }) }] });
    await producer.disconnect();
    const decoded = await consumeAll(['orders'], 3, (v) => registry.decode(v));
    expect(decoded.orders!.map((o: any) => o.id).sort()).toEqual(['o1', 'o2', 'o3']);
    if (runWith(hasPythonClient)) {
      const r = await run(python, [join(root, 'test', 'python', 'schema_registry_check.py'), url, broker.address, 'again']);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
      expect([out.avroV2, out.jsonV2]).toEqual([ids.pyAvroV2, ids.pyJsonV2]);
      expect(out.refused).toEqual({ status: 409, code: 409 });
      expect(out.avroRecords).toHaveLength(10);
      expect(out.jsonRecords.filter((s: string) => s.startsWith('again-'))).toHaveLength(5);
    }
  });

  it('with a token file, the registry needs a token (Bearer, or Basic with the token as password)', async () => {
    const tokenDir = mkdtempSync(join(tmpdir(), 'strata-registry-auth-'));
    const tokenFile = join(tokenDir, 'tokens');
    writeFileSync(tokenFile, 'User:ops registry-token-0123456789\n');
    const secured = await testBroker(join(tokenDir, 'data'), { adminTokenFile: tokenFile });
    try {
      const u = secured.schemaRegistryUrl!;
      expect(await http(`${u}/subjects`)).toEqual({ status: 401, body: { error_code: 401, message: 'Unauthorized' } });
      expect((await http(`${u}/subjects`, 'GET', undefined, { authorization: 'Bearer registry-token-0123456789' })).status).toBe(200);
      const client = new RegistryClient({ host: u, auth: { username: 'ops', password: 'registry-token-0123456789' } });
      expect((await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(ORDER_V1) }, { subject: 'orders-value' })).id).toBe(1);
      const wrong = new RegistryClient({ host: u, auth: { username: 'ops', password: 'wrong-token-000000000' } });
      await expect(wrong.getLatestSchemaId('orders-value')).rejects.toThrow();
    } finally {
      await secured.close();
      rmSync(tokenDir, { recursive: true, force: true });
    }
  });

  it('with authorisation on, subjects follow their topic\'s ACLs and global settings need a super user', async () => {
    const tokenDir = mkdtempSync(join(tmpdir(), 'strata-registry-acl-'));
    const tokenFile = join(tokenDir, 'tokens');
    writeFileSync(tokenFile, 'User:admin admin-token-0123456789\nUser:alice alice-token-0123456789\n');
    const secured = await testBroker(join(tokenDir, 'data'), { adminTokenFile: tokenFile, authorizer: 'acl', superUsers: 'User:admin' });
    try {
      const u = secured.schemaRegistryUrl!;
      // alice may alter topic "orders" (so change orders-value) and describe "events" (so read events-value).
      const acl = (resourceName: string, operation: number) => ({ resourceType: ResourceType.TOPIC, resourceName, patternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation, permission: AclPermission.ALLOW });
      await secured.broker.authorizer.create([acl('orders', AclOperation.ALTER), acl('events', AclOperation.DESCRIBE)]);
      const as = (token: string) => ({ authorization: `Bearer ${token}` });
      const schema = { schema: JSON.stringify(ORDER_V1) };
      expect((await http(`${u}/subjects/events-value/versions`, 'POST', schema, as('admin-token-0123456789'))).status).toBe(200);
      expect((await http(`${u}/subjects/orders-value/versions`, 'POST', schema, as('alice-token-0123456789'))).body).toEqual({ id: 1 });
      const denied = await http(`${u}/subjects/events-value/versions`, 'POST', schema, as('alice-token-0123456789'));
      expect(denied).toMatchObject({ status: 403, body: { error_code: 40301 } });
      expect(denied.body.message).toMatch(/needs ALTER on topic events/);
      expect((await http(`${u}/subjects/events-value/versions/latest`, 'GET', undefined, as('alice-token-0123456789'))).status).toBe(200);
      expect((await http(`${u}/subjects/payments-value/versions`, 'GET', undefined, as('alice-token-0123456789'))).status).toBe(403);
      expect((await http(`${u}/config`, 'PUT', { compatibility: 'NONE' }, as('alice-token-0123456789'))).status).toBe(403);
      expect((await http(`${u}/config`, 'PUT', { compatibility: 'NONE' }, as('admin-token-0123456789'))).body).toEqual({ compatibility: 'NONE' });
      // Deserializers resolve any id with just a token.
      expect((await http(`${u}/schemas/ids/1`, 'GET', undefined, as('alice-token-0123456789'))).status).toBe(200);
    } finally {
      await secured.close();
      rmSync(tokenDir, { recursive: true, force: true });
    }
  });

  async function consumeAll(topics: string[], expected: number, decode: (v: Buffer) => Promise<unknown>): Promise<Record<string, any[]>> {
    const consumer = kafka().consumer({ groupId: `check-${Math.random().toString(36).slice(2)}` });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    const out: Record<string, any[]> = {};
    let count = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${count} of ${expected}`)), 30_000);
      void consumer.run({
        eachMessage: async ({ topic, message }) => {
          if (message.value === null) return;
          (out[topic] ??= []).push(await decode(message.value));
          if (++count === expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    return out;
  }
});
