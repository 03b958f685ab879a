// Compacted topics with real clients: kafkajs creates one (cleanup.policy=compact), writes
// many values per key and a tombstone; the broker's cleaner (every 200 ms here) leaves the
// latest value per key, which kafkajs and kcat read back from the beginning across the
// offset gaps; the tombstone is gone once delete.retention.ms has passed and the cleaner
// ran again. Keyless records are refused, tiered compacted topics too. The suite's
// threaded run (STRATA_TEST_LOG_WRITERS) covers the CPU pool and the writer-thread swap.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/server/start.js';
import { eventually, testBroker } from '../helpers/broker.js';
import { runKcat } from '../helpers/kcat.js';
import { hasTool, runWith } from '../helpers/tools.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const TOPIC = 'compacted';
const KEYS = 10;
const ROUNDS = 20;
const DELETE_RETENTION_MS = 3000;

describe('compacted topics', () => {
  let running: RunningBroker;
  let dir: string;
  const kafka = () => new Kafka({ brokers: [running.address], logLevel: logLevel.NOTHING, retry: { retries: 0 } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-compaction-'));
    running = await testBroker(join(dir, 'data'), { logCleanerBackoffMs: 200 });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function send(messages: Array<{ key: string; value: string | null }>): Promise<void> {
    const producer = kafka().producer();
    await producer.connect();
    try {
      for (let i = 0; i < messages.length; i += 10) await producer.send({ topic: TOPIC, messages: messages.slice(i, i + 10).map((m) => ({ ...m, partition: 0 })) });
    } finally {
      await producer.disconnect();
    }
  }

  /** Every record from the beginning as kafkajs sees it: key → values in order. */
  async function readWithKafkajs(expected: number): Promise<Map<string, Array<string | null>>> {
    const consumer = kafka().consumer({ groupId: `reader-${Math.random()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const seen = new Map<string, Array<string | null>>();
    let count = 0;
    await consumer.run({
      eachMessage: async ({ message }) => {
        const k = message.key!.toString();
        seen.set(k, [...(seen.get(k) ?? []), message.value === null ? null : message.value.toString()]);
        count++;
      },
    });
    await eventually(() => count >= expected, 20_000, `kafkajs reads ${expected} records`);
    await new Promise((r) => setTimeout(r, 300)); // nothing more arrives
    await consumer.disconnect();
    expect(count).toBe(expected);
    return seen;
  }

  async function readWithKcat(): Promise<string[]> {
    const out = await runKcat(['-C', '-b', running.address, '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-Z', '-f', '%o %k=%s\\n']);
    return out.trim().split('\n').filter((l) => l.length > 0);
  }

  const recordCount = async (): Promise<number> => {
    const r = await running.broker.topics.partition(TOPIC, 0)!.read(0, 1 << 24, 0);
    return r.chunks.reduce((n, c) => {
      let records = 0;
      for (let at = 0; at < c.length;) {
        records += c.readInt32BE(at + 57);
        at += c.readInt32BE(at + 8) + 12;
      }
      return n + records;
    }, 0);
  };

  /** The record count once the cleaner has stopped changing it (every closed segment cleaned). */
  async function settledCount(): Promise<number> {
    let last = -1;
    let since = Date.now();
    for (const end = Date.now() + 30_000; Date.now() < end;) {
      const n = await recordCount();
      if (n !== last) {
        last = n;
        since = Date.now();
      } else if (Date.now() - since > 1500) {
        return n;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the cleaner kept changing the log for 30 s');
  }

  it('refuses cleanup.policy=compact on a tiered topic, and keyless records on a compacted one', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const refused = await admin.createTopics({ topics: [{ topic: 'tiered-compact', configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'remote.storage.enable', value: 'true' }] }] })
        .then(() => undefined, (err: { errors?: Array<{ type: string; message: string }> }) => err.errors?.[0]);
      expect(refused?.type).toBe('INVALID_CONFIG');
      await admin.createTopics({
        topics: [{
          topic: TOPIC, numPartitions: 1, configEntries: [
            { name: 'cleanup.policy', value: 'compact' }, { name: 'segment.bytes', value: '2048' },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' }, { name: 'delete.retention.ms', value: String(DELETE_RETENTION_MS) },
          ],
        }],
      });
      const described = await admin.describeConfigs({ resources: [{ type: 2, name: TOPIC, configNames: ['cleanup.policy', 'delete.retention.ms'] }], includeSynonyms: false });
      expect(Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]))).toEqual({ 'cleanup.policy': 'compact', 'delete.retention.ms': String(DELETE_RETENTION_MS) });
    } finally {
      await admin.disconnect();
    }
    const producer = kafka().producer();
    await producer.connect();
    try {
      const err = await producer.send({ topic: TOPIC, messages: [{ value: 'no key' }] }).then(() => undefined, (e: { type?: string; cause?: { type?: string } }) => e);
      expect(err?.type ?? err?.cause?.type).toBe('INVALID_RECORD');
    } finally {
      await producer.disconnect();
    }
  });

  it('keeps the latest value per key, read back by kafkajs and kcat; the tombstone goes after delete.retention.ms', async () => {
    const values: Array<{ key: string; value: string | null }> = [];
    for (let round = 0; round < ROUNDS; round++) for (let k = 0; k < KEYS; k++) values.push({ key: `k${k}`, value: `${round}:k${k}:`.padEnd(80, '.') });
    values.push({ key: 'k0', value: null });
    // Unique keys after them: the last round and the tombstone end up in closed segments.
    for (let f = 0; f < 40; f++) values.push({ key: `f${f}`, value: `filler${f}`.padEnd(80, '.') });
    await send(values);
    const written = values.length;
    await eventually(async () => (await recordCount()) < written - 150, 20_000, 'the cleaner removed superseded values');

    const seen = await readWithKafkajs(await settledCount());
    for (let k = 1; k < KEYS; k++) expect(seen.get(`k${k}`)).toEqual([`${ROUNDS - 1}:k${k}:`.padEnd(80, '.')]);
    expect(seen.get('k0')).toEqual([null]); // the tombstone, still within delete.retention.ms
    for (let f = 0; f < 40; f++) expect(seen.get(`f${f}`)).toHaveLength(1);

    const lines = await readWithKcat();
    expect(lines).toHaveLength(seen.size);
    expect(lines.filter((l) => /^\d+ k0=NULL$/.test(l))).toHaveLength(1);
    expect(lines.find((l) => / k5=/.test(l))).toMatch(new RegExp(`^\\d+ k5=${ROUNDS - 1}:k5:`));
    // Offsets never changed: the last k5 was written at offset 9 of the last round.
    expect(lines.find((l) => / k5=/.test(l))!.split(' ')[0]).toBe(String((ROUNDS - 1) * KEYS + 5));

    await new Promise((r) => setTimeout(r, DELETE_RETENTION_MS + 200));
    // New writes make the log dirty again; that pass drops the expired tombstone.
    await send(Array.from({ length: 40 }, (_, g) => ({ key: `g${g}`, value: `later${g}`.padEnd(80, '.') })));
    await eventually(async () => !(await readWithKcat()).some((l) => / k0=/.test(l)), 20_000, 'the expired tombstone is removed');
    const after = await readWithKcat();
    for (let k = 1; k < KEYS; k++) expect(after.filter((l) => new RegExp(` k${k}=`).test(l))).toHaveLength(1);
    // The cleaner's metrics: passes installed, bytes, and the partition's dirty ratio.
    const text = await running.broker.metrics.text();
    expect(Number(/strata_log_cleaner_runs_total\{result="installed"\} (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    expect(Number(/strata_log_cleaner_written_bytes_total (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/strata_log_cleaner_dirty_ratio\{topic="compacted",partition="0"\} [\d.e-]+/);
  }, 90_000);

  it('alters cleanup.policy to compact,delete and back, as kafka-configs would', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const policy = async (): Promise<string | undefined> => (await admin.describeConfigs({ resources: [{ type: 2, name: TOPIC, configNames: ['cleanup.policy'] }], includeSynonyms: false }))
        .resources[0]!.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue;
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: TOPIC, configEntries: [{ name: 'cleanup.policy', value: 'compact,delete' }, { name: 'segment.bytes', value: '2048' }, { name: 'min.cleanable.dirty.ratio', value: '0.01' }] }] });
      expect(await policy()).toBe('compact,delete');
      const bad = await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: TOPIC, configEntries: [{ name: 'cleanup.policy', value: 'shred' }] }] }).then(() => undefined, (e: { type?: string }) => e.type);
      expect(bad).toBe('INVALID_CONFIG');
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: TOPIC, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'segment.bytes', value: '2048' }, { name: 'min.cleanable.dirty.ratio', value: '0.01' }] }] });
      expect(await policy()).toBe('compact');
    } finally {
      await admin.disconnect();
    }
  });

  it.runIf(runWith(hasTool('kcat', ['-V'])))('kcat produces keyed records into it and reads the latest back', async () => {
    await runKcat(['-P', '-b', running.address, '-t', TOPIC, '-p', '0', '-K', ':'], 'k1:from-kcat\n');
    const lines = await readWithKcat();
    expect(lines.filter((l) => / k1=/.test(l)).at(-1)).toMatch(/ k1=from-kcat$/);
  });
});
