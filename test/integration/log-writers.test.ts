// Log writer threads under failure: a writer that crashes mid-write or hangs is replaced,
// its in-flight requests fail with a retriable Kafka error (never a hang), a half-written
// batch is cut by recovery before the partition serves again, and an idempotent producer
// that retries loses and duplicates nothing. Also the ring and writer metrics.
import { afterEach, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import type { RunningBroker } from '../../src/server/start.js';
import { KafkaClient } from '../../src/client/kafka-client.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { readAllRecords } from '../../src/protocol/records/record-reader.js';
import { eventually, testBroker } from '../helpers/broker.js';
import { useTmpDirs } from '../helpers/tmp.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const tmp = useTmpDirs();
const brokers: RunningBroker[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
});

async function metric(b: RunningBroker, name: string, labels = ''): Promise<number> {
  const text = await b.broker.metrics.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels === '' ? '' : `{${labels}`}`) && !l.startsWith('#'));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Reads every value of every partition from offset 0 with the project's client. */
async function readAll(address: string, topic: string, partitions: number): Promise<string[][]> {
  const c = await KafkaClient.connect(address);
  try {
    const out: string[][] = Array.from({ length: partitions }, () => []);
    const positions = new Map(Array.from({ length: partitions }, (_, p) => [p, 0]));
    for (let round = 0; round < 200; round++) {
      const parts = await c.fetch(topic, positions, 100);
      let any = false;
      for (const p of parts) {
        expect(p.errorCode).toBe(0);
        for (const r of readAllRecords([p.records ?? Buffer.alloc(0)])) {
          out[p.partitionIndex]!.push(r.value?.toString() ?? '');
          positions.set(p.partitionIndex, r.offset + 1);
          any = true;
        }
      }
      if (!any) break;
    }
    return out;
  } finally {
    c.close();
  }
}

describe('log writer threads', () => {
  it('replaces a writer that crashes mid-write; the idempotent producer loses and repeats nothing', async () => {
    const b = await testBroker(tmp(), { logWriters: 2 });
    brokers.push(b);
    const kafka = new Kafka({ clientId: 'crash', brokers: [b.address], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'w', numPartitions: 4 }] });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const perPartition = 150;
    const sending = (async () => {
      for (let i = 0; i < perPartition; i++) {
        await producer.sendBatch({ acks: -1, topicMessages: [{ topic: 'w', messages: [0, 1, 2, 3].map((p) => ({ partition: p, value: `${p}:${i}` })) }] });
      }
    })();
    const thread = b.broker.writers!.threads[0]!;
    await eventually(async () => (await metric(b, 'strata_log_high_watermark', 'topic="w",partition="0"')) >= 40, 20_000, 'some progress');
    // Slot of a partition the crashing writer owns, so a torn batch lands in a live segment.
    const slot = [...thread.clients.keys()][0]!;
    await thread.control(slot, { cmd: 'crash', tornBytes: 700 });
    await sending;
    await producer.disconnect();
    expect(thread.restarts).toBe(1);
    expect(await metric(b, 'strata_log_writer_restarts_total')).toBe(1);
    // The torn bytes sat past the writer's end of log; appends made before the crash took
    // effect may have overwritten their start. Recovery cut what was left.
    const cut = await metric(b, 'strata_log_recovery_truncated_bytes_total');
    expect(cut).toBeGreaterThan(0);
    expect(cut).toBeLessThanOrEqual(700);
    const values = await readAll(b.address, 'w', 4);
    for (let p = 0; p < 4; p++) expect(values[p]).toEqual(Array.from({ length: perPartition }, (_, i) => `${p}:${i}`));
  });

  it('fails in-flight requests of a hung writer with a retriable error, then serves again', async () => {
    const b = await testBroker(tmp(), { logWriters: 1, writerHangTimeoutMs: 1000 });
    brokers.push(b);
    const c = await KafkaClient.connect(b.address);
    try {
      await c.createTopic('h', 1, {});
      await c.produce('h', 0, buildRecordBatch([{ value: Buffer.from('before') }]), -1);
      const thread = b.broker.writers!.threads[0]!;
      await thread.control(0, { cmd: 'hang' });
      const started = Date.now();
      const err = (await c.produce('h', 0, buildRecordBatch([{ value: Buffer.from('during') }]), -1).then(() => undefined, (e: unknown) => e)) as Error | undefined;
      expect(err?.message).toMatch(/KAFKA_STORAGE_ERROR/);
      expect(Date.now() - started).toBeLessThan(10_000);
      await eventually(async () => {
        try {
          await c.produce('h', 0, buildRecordBatch([{ value: Buffer.from('after') }]), -1);
          return true;
        } catch {
          return false;
        }
      }, 20_000, 'the replacement writer');
      expect(thread.restarts).toBe(1);
      const values = (await readAll(b.address, 'h', 1))[0]!;
      // 'during' may or may not have been written before the hang: never half of it.
      expect(values[0]).toBe('before');
      expect(values[values.length - 1]).toBe('after');
      expect(values.filter((v) => v !== 'during')).toEqual(['before', 'after']);
    } finally {
      c.close();
    }
  });

  it('exports ring occupancy, queue depth, utilisation and partitions per writer', async () => {
    const b = await testBroker(tmp(), { logWriters: 2 });
    brokers.push(b);
    const c = await KafkaClient.connect(b.address);
    try {
      await c.createTopic('m', 4, {});
      for (let i = 0; i < 200; i++) await c.produce('m', i % 4, buildRecordBatch([{ value: Buffer.alloc(1000, 1) }]), -1);
    } finally {
      c.close();
    }
    expect(await metric(b, 'strata_log_writers')).toBe(2);
    expect(await metric(b, 'strata_ring_capacity_bytes', 'writer="0",ring="requests"')).toBe(8 * 1024 * 1024);
    expect(await metric(b, 'strata_ring_used_bytes', 'writer="0",ring="requests"')).toBe(0); // all answered
    expect(await metric(b, 'strata_log_writer_queue_depth', 'writer="1"')).toBe(0);
    expect(await metric(b, 'strata_log_writer_partitions', 'writer="0"')).toBe(2);
    expect(await metric(b, 'strata_log_writer_partitions', 'writer="1"')).toBe(2);
    expect(await metric(b, 'strata_log_writer_busy_seconds_total', 'writer="0"')).toBeGreaterThan(0);
    expect(await metric(b, 'strata_cpu_pool_threads')).toBeGreaterThanOrEqual(1);
    expect(await metric(b, 'strata_cpu_pool_queue_depth')).toBe(0);
    expect(await metric(b, 'strata_cpu_pool_utilization_ratio')).toBeGreaterThanOrEqual(0);
  });

  it('refuses a batch larger than half the writer ring with MESSAGE_TOO_LARGE instead of waiting forever', async () => {
    const b = await testBroker(tmp(), { logWriters: 1, writerRingBytes: 65536 });
    brokers.push(b);
    const c = await KafkaClient.connect(b.address);
    try {
      await c.createTopic('big', 1, {});
      const err = (await c.produce('big', 0, buildRecordBatch([{ value: Buffer.alloc(40_000, 1) }]), -1).then(() => undefined, (e: unknown) => e)) as Error | undefined;
      expect(err?.message).toMatch(/MESSAGE_TOO_LARGE/);
      await c.produce('big', 0, buildRecordBatch([{ value: Buffer.alloc(10_000, 1) }]), -1);
      // Many batches through a small ring: backpressure, not loss or reordering.
      for (let i = 0; i < 200; i++) await c.produce('big', 0, buildRecordBatch([{ value: Buffer.from(`n${i}`) }]), -1);
    } finally {
      c.close();
    }
    const values = (await readAll(b.address, 'big', 1))[0]!;
    expect(values.slice(1)).toEqual(Array.from({ length: 200 }, (_, i) => `n${i}`));
  });

  it('runs the same broker with everything on the main thread (--inline)', async () => {
    const b = await testBroker(tmp(), { logWriters: 0 });
    brokers.push(b);
    expect(b.broker.writers).toBeUndefined();
    const c = await KafkaClient.connect(b.address);
    try {
      await c.createTopic('i', 2, {});
      for (let i = 0; i < 20; i++) await c.produce('i', i % 2, buildRecordBatch([{ value: Buffer.from(`v${i}`) }]), -1);
    } finally {
      c.close();
    }
    expect(await metric(b, 'strata_log_writers')).toBe(0);
    expect(await metric(b, 'strata_cpu_pool_threads')).toBe(0); // recompression runs here too
    const values = await readAll(b.address, 'i', 2);
    expect(values[0]).toEqual(Array.from({ length: 10 }, (_, k) => `v${2 * k}`));
  });
});
