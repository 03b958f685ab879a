// The admin HTTP server: health, readiness, metrics text, and the /api/v1 resources with
// JSON errors and fitting status codes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import type { RunningBroker } from '../../src/server/start.js';
import { testBroker } from '../helpers/broker.js';
import { ioMode } from '../../src/native/durable-append.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
let running: RunningBroker;
let dataDir: string;
let base: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'strata-admin-'));
  running = await testBroker(dataDir);
  base = `http://127.0.0.1:${running.adminPort}`;
});

afterAll(async () => {
  await running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(base + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
}

describe('admin server', () => {
  it('answers health and readiness', async () => {
    expect(await call('GET', '/health')).toEqual({ status: 200, json: { status: 'ok' } });
    expect(await call('GET', '/ready')).toEqual({ status: 200, json: { ready: true } });
  });

  it('manages topics', async () => {
    const created = await call('POST', '/api/v1/topics', { name: 'orders', partitions: 3, configs: { 'retention.ms': '3600000' } });
    expect(created.status).toBe(201);
    expect(created.json.partitions.length).toBe(3);
    expect(created.json.configs['retention.ms']).toBe('3600000');
    expect((await call('POST', '/api/v1/topics', { name: 'orders' })).status).toBe(409);
    expect((await call('POST', '/api/v1/topics', { name: 'bad name' })).json.error.code).toBe('INVALID_TOPIC_EXCEPTION');
    expect((await call('POST', '/api/v1/topics', { name: 'x', configs: { 'cleanup.policy': 'shred' } })).status).toBe(400);
    expect((await call('POST', '/api/v1/topics', '{not json')).json.error.code).toBe('INVALID_JSON');
    expect((await call('GET', '/api/v1/topics')).json).toEqual([{ name: 'orders', id: created.json.id, partitions: 3 }]);
    const patched = await call('PATCH', '/api/v1/topics/orders', { configs: { 'retention.ms': null, 'segment.bytes': '1048576' } });
    expect(patched.status).toBe(200);
    expect(patched.json.overrides).toEqual({ 'segment.bytes': '1048576' });
    expect((await call('PATCH', '/api/v1/topics/orders', { configs: { 'retention.ms': 'forever' } })).status).toBe(400);
    expect((await call('POST', '/api/v1/topics/orders/partitions', { count: 5 })).json.length).toBe(5);
    expect((await call('POST', '/api/v1/topics/orders/partitions', { count: 2 })).json.error.code).toBe('INVALID_PARTITIONS');
    expect((await call('GET', '/api/v1/topics/nope')).status).toBe(404);
    expect((await call('PUT', '/api/v1/topics/orders')).status).toBe(405);
    expect((await call('GET', '/api/v1/nothing')).status).toBe(404);
    expect((await call('DELETE', '/api/v1/topics/orders')).status).toBe(200);
    expect((await call('GET', '/api/v1/topics/orders')).status).toBe(404);
  });

  it('describes, resets and deletes consumer groups', async () => {
    await call('POST', '/api/v1/topics', { name: 'events', partitions: 2 });
    const kafka = new Kafka({ brokers: [running.address], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'events', messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `e${i}` })) });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: 'readers', topic: 'events', partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '5' }] });
    await admin.disconnect();
    const g = await call('GET', '/api/v1/groups/readers');
    expect(g.json.offsets).toEqual([
      { topic: 'events', partition: 0, committed: 2, highWatermark: 5, lag: 3, metadata: null },
      { topic: 'events', partition: 1, committed: 5, highWatermark: 5, lag: 0, metadata: null },
    ]);
    expect((await call('GET', '/api/v1/groups')).json).toContainEqual({ group: 'readers', state: 'Empty', protocolType: 'consumer', members: 0 });
    const reset = await call('POST', '/api/v1/groups/readers/reset-offsets', { topic: 'events', to: 'earliest' });
    expect(reset.json.offsets.map((o: { committed: number }) => o.committed)).toEqual([0, 0]);
    const latest = await call('POST', '/api/v1/groups/readers/reset-offsets', { topic: 'events', to: 'offset', value: 4, partitions: [1] });
    expect(latest.json.offsets.map((o: { committed: number }) => o.committed)).toEqual([0, 4]);
    expect((await call('POST', '/api/v1/groups/readers/reset-offsets', { topic: 'events', to: 'sideways' })).status).toBe(400);
    expect((await call('DELETE', '/api/v1/groups/readers')).status).toBe(200);
    expect((await call('GET', '/api/v1/groups/readers')).status).toBe(404);
    expect((await call('DELETE', '/api/v1/groups/readers')).status).toBe(404);
  });

  it('reports broker info and exports metrics in Prometheus text format', async () => {
    const info = await call('GET', '/api/v1/broker');
    expect(info.json).toMatchObject({ nodeId: 1, port: running.port, native: 'native', ioMode });
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE strata_requests_total counter$/m);
    expect(text).toMatch(/^strata_produced_records_total\{topic="events"\} 10$/m);
    expect(text).toMatch(/^strata_log_end_offset\{topic="events",partition="0"\} 5$/m);
    expect(text).toMatch(/^strata_request_duration_seconds_bucket\{.*api="Produce"/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^strata_native_addon\{mode="native"\} 1$/m);
  });
});
