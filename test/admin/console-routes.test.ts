// The admin API routes behind the console, against a real broker: the message browser's
// bounds and decoding, a reset's dry run (nothing committed), the schema routes with the
// registry's errors as HTTP statuses, the overview, and the console's files at /.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBroker } from '../helpers/broker.js';
import type { RunningBroker } from '../../src/server/start.js';
import { MetricsHistory, quantileMs } from '../../src/admin/metrics-history.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
let dir: string;
let broker: RunningBroker;
const call = async (path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: any }> => {
  const res = await fetch(`http://${broker.adminAddress}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-console-routes-'));
  broker = await testBroker(dir);
  const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'browse', messages: Array.from({ length: 600 }, (_, i) => ({ key: `k${i}`, value: i % 2 === 0 ? JSON.stringify({ i }) : Buffer.from([0xff, 0xfe, i % 256]), headers: { h: 'v' } })) });
  await producer.disconnect();
});
afterAll(async () => {
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('console routes', () => {
  it('browse messages within bounds, decoded as JSON, text or hex', async () => {
    const latest = await call('/api/v1/topics/browse/messages?partition=0&limit=5');
    expect(latest.body.records.map((r: any) => r.offset)).toEqual([595, 596, 597, 598, 599]);
    const page = await call('/api/v1/topics/browse/messages?partition=0&offset=10&limit=2');
    expect(page.body.records[0]).toMatchObject({ offset: 10, key: { format: 'text', value: 'k10' }, value: { format: 'json', value: { i: 10 } }, headers: [{ key: 'h', value: { format: 'text', value: 'v' } }] });
    expect(page.body.records[1].value).toMatchObject({ format: 'hex', value: 'fffe0b' });
    expect(page.body.next).toBe(12);
    const capped = await call('/api/v1/topics/browse/messages?partition=0&offset=0&limit=100000');
    expect(capped.body.records).toHaveLength(500);
    expect((await call('/api/v1/topics/browse/messages?offset=abc')).status).toBe(400);
    expect((await call('/api/v1/topics/browse/messages?partition=9')).status).toBe(404);
    expect((await call('/api/v1/topics/nope/messages')).status).toBe(404);
  });

  it('a reset dry run answers the plan and commits nothing', async () => {
    await call('/api/v1/groups/g1/reset-offsets', 'POST', { topic: 'browse', to: 'latest' });
    const plan = await call('/api/v1/groups/g1/reset-offsets', 'POST', { topic: 'browse', to: 'offset', value: 100, dryRun: true });
    expect(plan.body).toEqual({ group: 'g1', dryRun: true, offsets: [{ topic: 'browse', partition: 0, current: 600, target: 100, lag: 500 }] });
    expect((await call('/api/v1/groups/g1')).body.offsets[0].committed).toBe(600);
  });

  it('schema routes, with the registry\'s errors as HTTP statuses', async () => {
    expect((await call('/api/v1/schemas/subjects/s-value/versions', 'POST', { schema: '"string"' })).body).toEqual({ id: 1, version: 1 });
    const refused = await call('/api/v1/schemas/subjects/s-value/versions', 'POST', { schema: '"long"' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('SCHEMA_REGISTRY_409');
    expect((await call('/api/v1/schemas/subjects/s-value/compatibility', 'POST', { schema: '"long"' })).body.compatible).toBe(false);
    expect((await call('/api/v1/schemas/subjects')).body).toEqual([{ subject: 's-value', latestVersion: 1, id: 1, schemaType: 'AVRO', compatibility: 'BACKWARD' }]);
    expect((await call('/api/v1/schemas/subjects/missing')).status).toBe(404);
    expect((await call('/api/v1/schemas/subjects/s-value/versions', 'POST', { schema: '{bad' })).status).toBe(422);
    expect((await call('/api/v1/schemas/subjects/s-value', 'DELETE')).body).toEqual({ deleted: 's-value', versions: [1] });
  });

  it('overview and the console files', async () => {
    // Two topics: browse, and the registry's _schemas (created by the schema test above).
    const o = await call('/api/v1/overview');
    expect(o.body).toMatchObject({ listeners: [{ name: 'PLAINTEXT' }], schemaRegistry: broker.schemaRegistryUrl, counts: { topics: 2 }, tier: { breaker: 'closed' } });
    const index = await call('/');
    expect([200, 503]).toContain(index.status);
    expect(String(index.body)).toMatch(/Strata console/);
    expect((await call('/../../etc/passwd')).body).not.toMatch(/root:/);
  });
});

describe('MetricsHistory', () => {
  it('turns histogram bucket deltas into a quantile and counters into rates', async () => {
    expect(quantileMs(new Map([[0.001, 0], [0.01, 0], [Infinity, 0]]), new Map([[0.001, 90], [0.01, 99], [Infinity, 100]]), 0.99)).toBe(10);
    expect(quantileMs(undefined, new Map([[0.001, 0], [Infinity, 0]]), 0.99)).toBeNull();
    let bytes = 0;
    const source = { sample: async () => [
      { name: 'strata_produced_bytes_total', type: 'counter', values: [{ labels: { topic: 't' }, value: bytes }] },
      { name: 'strata_data_dir_free_bytes', type: 'gauge', values: [{ labels: {}, value: 5 }] },
      { name: 'strata_data_dir_capacity_bytes', type: 'gauge', values: [{ labels: {}, value: 100 }] },
    ] };
    const h = new MetricsHistory(source, 5000);
    await h.tick(1000);
    bytes = 10_000;
    await h.tick(3000);
    expect(h.history()).toEqual([expect.objectContaining({ t: 3000, bytesInPerSec: 5000 })]);
    expect(h.alerts().map((a) => a.name)).toEqual(['StrataDiskPressure']);
  });
});
