// The log cleaner on real partition logs: what a pass keeps (the latest record per key,
// tombstones until delete.retention.ms, each producer's last batch), that offsets and
// CRCs stay right, that a changed log refuses a stale pass, and that a cleaned log (with
// offset gaps and short batches) reopens and recovers.
import { mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hot } from '../../../src/native/index.js';
import { PartitionWriter } from '../../../src/broker/partition-writer.js';
import { BatchStatus, readBatchHeader, TRANSACTIONAL_FLAG } from '../../../src/protocol/records/batch-layout.js';
import { buildMarkerBatch } from '../../../src/protocol/records/control-batch.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { Codec } from '../../../src/protocol/records/compression.js';
import { recompressBatch } from '../../../src/protocol/records/recompress.js';
import { walkBatchRecords } from '../../../src/storage/cleaner/batch-filter.js';
import { runCleanPass, type CleanPassInput, type CleanPlan } from '../../../src/storage/cleaner/clean-pass.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import { CLEAN_SHUTDOWN_FILE, RECOVERY_POINT_FILE } from '../../../src/storage/names.js';
import { errorName } from '../../helpers/error-name.js';
import { Registry } from 'prom-client';
import { InlineBackend } from '../../../src/broker/partition.js';
import { LogCleaner } from '../../../src/broker/log-cleaner.js';
import { CleanerProbe } from '../../../src/metrics/cleaner-probe.js';
import { silentLogger } from '../../../src/logger.js';

const T0 = 1_700_000_000_000;
const DAY = 24 * 3600 * 1000;
const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'strata-cleaner-'));
  dirs.push(d);
  return d;
}

interface Rec { key: string | null; value: string | null }

function batch(records: Rec[], ts = T0, producer?: { id: bigint; epoch: number; seq: number }, codec: number = Codec.NONE): Buffer {
  const b = buildRecordBatch(
    records.map((r, i) => ({ key: r.key === null ? null : Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), timestamp: ts + i })),
    producer === undefined ? { baseTimestamp: ts } : { baseTimestamp: ts, producerId: producer.id, producerEpoch: producer.epoch, baseSequence: producer.seq },
  );
  return codec === Codec.NONE ? b : recompressBatch(b, codec as 0, 1 << 20);
}

/** A transactional batch of producer `id` (epoch 0), CRC recomputed after the attribute is set. */
function txn(records: Rec[], id: bigint, seq: number): Buffer {
  const b = batch(records, T0, { id, epoch: 0, seq });
  b.writeInt16BE(b.readInt16BE(21) | TRANSACTIONAL_FLAG, 21);
  b.writeUInt32BE(hot.crc32c(b.subarray(21)), 17);
  return b;
}

const compactConfig = { cleanupPolicy: 'compact' as const, segmentBytes: 1024, syncPolicy: 'never' as const, deleteRetentionMs: DAY };

/** Every (offset, key, tombstone) the log holds, every batch's CRC checked. */
function contents(log: PartitionLog): Array<{ offset: number; key: string | null; tombstone: boolean }> {
  const out: Array<{ offset: number; key: string | null; tombstone: boolean }> = [];
  const r = log.read(log.logStartOffset, 1 << 30);
  const all = Buffer.concat(r.chunks);
  let last = -1;
  for (let at = 0; at < all.length;) {
    const h = readBatchHeader(all, at);
    const bytes = all.subarray(at, at + h.size);
    const status = hot.checkBatch(bytes, 1 << 30);
    // A cleaned batch may hold fewer records than its offset span; the CRC must still hold.
    expect(status === BatchStatus.OK || (status === BatchStatus.BAD_RECORD_COUNT && h.recordCount <= h.lastOffsetDelta + 1)).toBe(true);
    expect(h.baseOffset).toBeGreaterThan(last);
    last = h.baseOffset + h.lastOffsetDelta;
    for (const rec of walkBatchRecords(bytes, 1 << 20).list) out.push({ offset: rec.offset, key: rec.key?.toString() ?? null, tombstone: rec.tombstone });
    at += h.size;
  }
  return out;
}

async function clean(log: PartitionLog, now = T0 + 1000, options: { firstDirty?: number; maxKeys?: number; minCompactionLagMs?: number; aborted?: CleanPassInput["aborted"] } = {}): Promise<CleanPlan> {
  await log.flush(); // the cleaner takes flushed segments only
  const closed = log.closedSegments();
  const plan = await runCleanPass({
    dir: log.dir, segments: closed.map((s) => ({ baseOffset: s.baseOffset, size: s.size, maxTimestamp: s.maxTimestamp, nextBase: s.nextBase })),
    firstDirty: options.firstDirty ?? closed[0]?.baseOffset ?? 0, now, segmentBytes: log.config.segmentBytes, deleteRetentionMs: log.config.deleteRetentionMs,
    minCompactionLagMs: options.minCompactionLagMs ?? 0, maxRecordsBytes: 1 << 20, maxKeys: options.maxKeys ?? 1000, ioBytesPerSecond: 0, indexIntervalBytes: log.config.indexIntervalBytes, aborted: options.aborted ?? [],
  });
  expect(await log.installCleaned(plan)).toBe(plan.groups.length > 0);
  return plan;
}

/** Four rounds over keys k0..k9: value `round:key`. */
async function fourRounds(log: PartitionLog, codec: number = Codec.NONE): Promise<void> {
  for (let round = 0; round < 4; round++) {
    for (let k = 0; k < 10; k += 2) {
      await log.append(batch([{ key: `k${k}`, value: `${round}:k${k}` }, { key: `k${k + 1}`, value: `${round}:k${k + 1}` }], T0 + round * 10, undefined, codec));
    }
  }
}

describe('log cleaner', () => {
  it('removes aborted transactions\' records (they never hide a committed record) and keeps the markers', async () => {
    const log = PartitionLog.open(freshDir(), compactConfig);
    const writer = new PartitionWriter(log);
    await writer.produce(batch([{ key: 'k1', value: 'plain-1' }])); // 0
    await writer.produce(txn([{ key: 'k1', value: 'aborted' }, { key: 'k3', value: 'aborted' }], 5n, 0)); // 1-2
    await writer.produce(txn([{ key: 'k2', value: 'committed' }], 6n, 0)); // 3
    await writer.produce(buildMarkerBatch({ producerId: 5, producerEpoch: 0, commit: false, coordinatorEpoch: 0, timestamp: T0 })); // 4
    await writer.produce(buildMarkerBatch({ producerId: 6, producerEpoch: 0, commit: true, coordinatorEpoch: 0, timestamp: T0 })); // 5
    await writer.produce(batch([{ key: 'k4', value: 'plain-4' }])); // 6
    log.roll();
    const plan = await clean(log, T0 + 1000, { aborted: writer.txns.abortedBetween(0, log.logEndOffset) });
    expect(plan.recordsRemoved).toBe(2);
    const kept = contents(log).map((r) => r.offset);
    expect(kept).toEqual([0, 3, 4, 5, 6]);
    // The markers survive as control batches; the aborted records are gone, so a restart has
    // nothing left to tell read_committed readers about, and no transaction is left open.
    const reopened = new PartitionWriter(log);
    expect(reopened.txns.abortedBetween(0, 10)).toEqual([]);
    expect(reopened.lastStableOffset()).toBe(log.highWatermark);
    await log.close();
  });

  it('drops a marker once nothing of its transaction is left and delete.retention.ms has passed', async () => {
    const log = PartitionLog.open(freshDir(), compactConfig);
    const writer = new PartitionWriter(log);
    const marker = (pid: number, commit: boolean) => buildMarkerBatch({ producerId: pid, producerEpoch: 0, commit, coordinatorEpoch: 0, timestamp: T0 });
    await writer.produce(txn([{ key: 'k1', value: 'aborted' }], 5n, 0)); // 0
    await writer.produce(marker(5, false)); // 1: its transaction's record goes, so it can go after the horizon
    await writer.produce(txn([{ key: 'k2', value: 'old' }], 6n, 0)); // 2: superseded below
    await writer.produce(marker(6, true)); // 3: nothing of its transaction left either
    await writer.produce(txn([{ key: 'k3', value: 'kept' }], 6n, 1)); // 4
    await writer.produce(marker(6, true)); // 5: its record stays, so it stays
    await writer.produce(batch([{ key: 'k2', value: 'new' }])); // 6
    await writer.produce(txn([{ key: 'k4', value: 'last' }], 5n, 1)); // 7
    await writer.produce(marker(5, true)); // 8: producer 5's last batch: kept
    log.roll();
    const aborted = writer.txns.abortedBetween(0, log.logEndOffset);
    // Within delete.retention.ms every marker stays.
    await clean(log, T0 + 1000, { aborted });
    expect(contents(log).map((r) => r.offset)).toEqual([1, 3, 4, 5, 6, 7, 8]);
    await clean(log, T0 + DAY + 1000, { aborted, firstDirty: 0 });
    expect(contents(log).map((r) => r.offset)).toEqual([4, 5, 6, 7, 8]);
    await log.close();
  });

  for (const [name, codec] of [['uncompressed', Codec.NONE], ['gzip', Codec.GZIP], ['zstd', Codec.ZSTD], ['lz4', Codec.LZ4]] as const) {
    it(`keeps the latest record of every key at its offset (${name} batches)`, async () => {
      const log = PartitionLog.open(freshDir(), compactConfig);
      await fourRounds(log, codec);
      log.roll();
      const before = contents(log);
      const end = log.logEndOffset;
      const plan = await clean(log);
      expect(plan.groups.length).toBeGreaterThan(0);
      expect(plan.recordsRemoved).toBe(30);
      const after = contents(log);
      // The last round's records, at the offsets they had.
      expect(after).toEqual(before.filter((r) => r.offset >= 30));
      expect(log.logEndOffset).toBe(end);
      // Consumers can start anywhere, gaps included.
      expect(log.read(5, 1 << 20).chunks.length).toBeGreaterThan(0);
      await log.close();
      const again = PartitionLog.open(log.dir, compactConfig);
      expect(contents(again)).toEqual(after);
      await again.close();
    });
  }

  it('merges small cleaned segments up to segment.bytes and recovers a cleaned log after a crash', async () => {
    const log = PartitionLog.open(freshDir(), compactConfig);
    await fourRounds(log);
    log.roll();
    const first = await clean(log);
    // Groups are formed from the sizes read (Kafka's rule): the second pass sees the small cleaned segments.
    const segmentsBefore = log.segmentCount;
    await clean(log, T0 + 1000, { firstDirty: 0 });
    expect(log.segmentCount).toBeLessThan(segmentsBefore);
    expect(first.cleanedUpTo).toBe(40);
    const after = contents(log);
    await log.flush();
    // A crash with no recovery point: every segment is scanned, and the gaps and short batches pass.
    for (const f of [CLEAN_SHUTDOWN_FILE, RECOVERY_POINT_FILE]) {
      try {
        unlinkSync(join(log.dir, f));
      } catch {
        // not there
      }
    }
    const reopened = PartitionLog.open(log.dir, compactConfig);
    expect(reopened.recovery.truncatedBytes).toBe(0);
    expect(contents(reopened)).toEqual(after);
    await reopened.close();
    await log.close().catch(() => undefined);
  });

  it('hands over indexes that find every offset as indexes rebuilt from the file do', async () => {
    const log = PartitionLog.open(freshDir(), { ...compactConfig, indexIntervalBytes: 64, segmentBytes: 4096 });
    await fourRounds(log);
    for (let i = 0; i < 20; i++) await log.append(batch([{ key: `u${i}`, value: `${i}` }], T0 + 100 + i));
    log.roll();
    await clean(log);
    const end = log.logEndOffset;
    const firstBaseFrom = (l: PartitionLog, offset: number): number => readBatchHeader(l.read(offset, 1).chunks[0]!).baseOffset;
    const installed = Array.from({ length: end }, (_, o) => firstBaseFrom(log, o));
    const byTime = [T0, T0 + 10, T0 + 30, T0 + 105].map((t) => log.recordForTimestamp(t)?.offset);
    await log.close();
    for (const f of readdirSync(log.dir)) if (f.endsWith('.index') || f.endsWith('.timeindex') || f === RECOVERY_POINT_FILE || f === CLEAN_SHUTDOWN_FILE) unlinkSync(join(log.dir, f));
    const rebuilt = PartitionLog.open(log.dir, { ...compactConfig, indexIntervalBytes: 64, segmentBytes: 4096 });
    expect(Array.from({ length: end }, (_, o) => firstBaseFrom(rebuilt, o))).toEqual(installed);
    expect([T0, T0 + 10, T0 + 30, T0 + 105].map((t) => rebuilt.recordForTimestamp(t)?.offset)).toEqual(byTime);
    await rebuilt.close();
  });

  it('keeps a tombstone for delete.retention.ms, then removes it', async () => {
    const log = PartitionLog.open(freshDir(), compactConfig);
    await log.append(batch([{ key: 'a', value: '1' }, { key: 'b', value: '1' }], T0));
    await log.append(batch([{ key: 'a', value: null }], T0 + 10));
    log.roll();
    await clean(log, T0 + 1000);
    expect(contents(log).map((r) => [r.key, r.tombstone])).toEqual([['b', false], ['a', true]]);
    await log.append(batch([{ key: 'c', value: '1' }], T0 + 20));
    log.roll();
    await clean(log, T0 + 10 + DAY + 1, { firstDirty: 0 });
    expect(contents(log).map((r) => [r.key, r.tombstone])).toEqual([['b', false], ['c', false]]);
    await log.close();
  });

  it('leaves records younger than min.compaction.lag.ms alone', async () => {
    const log = PartitionLog.open(freshDir(), compactConfig);
    await fourRounds(log);
    log.roll();
    const plan = await clean(log, T0 + 1000, { minCompactionLagMs: 10_000 });
    expect(plan.groups).toEqual([]);
    expect(contents(log)).toHaveLength(40);
    await log.close();
  });

  it("keeps each producer's last batch, emptied, so idempotence survives cleaning and a restart", async () => {
    const log = PartitionLog.open(freshDir(), compactConfig);
    const writer = new PartitionWriter(log);
    const producer = { id: 9n, epoch: 2, seq: 0 };
    await writer.produce(batch([{ key: 'x', value: '1' }], T0, producer));
    await writer.produce(batch([{ key: 'x', value: '2' }, { key: 'y', value: '1' }], T0 + 1, { ...producer, seq: 1 }));
    await writer.produce(batch([{ key: 'x', value: '3' }, { key: 'y', value: '2' }], T0 + 2)); // another, non-idempotent writer
    log.roll();
    await clean(log);
    const headers = log.read(0, 1 << 20).chunks.flatMap((c) => {
      const out = [];
      for (let at = 0; at < c.length;) {
        const h = readBatchHeader(c, at);
        out.push(h);
        at += h.size;
      }
      return out;
    });
    // The producer's last batch (offsets 1-2) survives with no records; its first batch is gone.
    expect(headers.map((h) => [h.baseOffset, h.recordCount, Number(h.producerId)])).toEqual([[1, 0, 9], [3, 2, -1]]);
    await log.close();
    const reopened = PartitionLog.open(log.dir, compactConfig);
    const restarted = new PartitionWriter(reopened);
    expect(restarted.producers.active()).toEqual([{ producerId: 9, producerEpoch: 2, lastSequence: 2, lastTimestamp: T0 + 2, currentTxnStartOffset: -1 }]);
    // A retry of the last batch is still recognised; the next sequence is accepted.
    expect((await restarted.produce(batch([{ key: 'x', value: '2' }, { key: 'y', value: '1' }], T0 + 1, { ...producer, seq: 1 }))).duplicate).toBe(true);
    expect(await errorName(() => restarted.produce(batch([{ key: 'x', value: '9' }], T0 + 5, { ...producer, seq: 7 })))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect((await restarted.produce(batch([{ key: 'x', value: '4' }], T0 + 5, { ...producer, seq: 3 }))).duplicate).toBe(false);
    await reopened.close();
  });

  it('refuses records without a key with INVALID_RECORD, as Kafka does', async () => {
    const log = PartitionLog.open(freshDir(), compactConfig);
    expect(await errorName(() => log.append(batch([{ key: 'a', value: '1' }, { key: null, value: '2' }])))).toBe('INVALID_RECORD');
    expect(log.logEndOffset).toBe(0);
    await log.close();
  });

  it('discards a pass whose segments changed meanwhile, and its files', async () => {
    const log = PartitionLog.open(freshDir(), { ...compactConfig, cleanupPolicy: 'compact,delete' as const });
    await fourRounds(log);
    log.roll();
    await log.flush();
    const closed = log.closedSegments();
    const plan = await runCleanPass({
      dir: log.dir, segments: closed.map((s) => ({ baseOffset: s.baseOffset, size: s.size, maxTimestamp: s.maxTimestamp, nextBase: s.nextBase })),
      firstDirty: 0, now: T0 + 1000, segmentBytes: 1024, deleteRetentionMs: DAY, minCompactionLagMs: 0, maxRecordsBytes: 1 << 20, maxKeys: 1000, ioBytesPerSecond: 0, indexIntervalBytes: 4096, aborted: [],
    });
    log.deleteSegmentsBelow(closed[1]!.baseOffset);
    expect(await log.installCleaned(plan)).toBe(false);
    expect(readdirSync(log.dir).filter((f) => f.endsWith('.cleaned'))).toEqual([]);
    await log.close();
  });

  it('cleans in several passes when the dirty part holds more keys than a pass may map', async () => {
    const log = PartitionLog.open(freshDir(), compactConfig);
    await fourRounds(log);
    log.roll();
    const first = await clean(log, T0 + 1000, { maxKeys: 2 });
    expect(first.cleanedUpTo).toBeLessThan(log.logEndOffset);
    let dirty = first.cleanedUpTo;
    for (let i = 0; i < 50 && dirty < log.closedSegments().at(-1)!.nextBase; i++) dirty = (await clean(log, T0 + 1000, { maxKeys: 2, firstDirty: dirty })).cleanedUpTo;
    await clean(log, T0 + 1000, { firstDirty: 0 });
    expect(contents(log).map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => 30 + i));
    await log.close();
  });

  it('chooses partitions by min.cleanable.dirty.ratio, and cleans one past max.compaction.lag.ms whatever its ratio', async () => {
    const now = T0 + 10 * DAY;
    const open = async (extra: object): Promise<InlineBackend> => {
      const log = PartitionLog.open(freshDir(), { ...compactConfig, minCleanableDirtyRatio: 0.99, ...extra });
      await fourRounds(log);
      log.roll();
      await log.flush();
      return new InlineBackend(log);
    };
    // Cleaned once, then a little new data: a dirty ratio far below 0.99.
    const lagging = await open({});
    const overdue = await open({ maxCompactionLagMs: DAY });
    for (const b of [lagging, overdue]) {
      await clean(b.log, now, { firstDirty: 0 });
      await b.log.append(batch([{ key: 'k1', value: 'late' }], T0 + 100));
      b.log.roll();
      await b.log.flush();
    }
    const registry = new Registry();
    const cleaner = new LogCleaner(() => [{ topic: 'lagging', index: 0, backend: lagging }, { topic: 'overdue', index: 0, backend: overdue }], { backoffMs: 60_000, ioBytesPerSecond: 0, maxKeys: 1000, runPass: runCleanPass, now: () => now }, new CleanerProbe(registry), silentLogger);
    expect(await cleaner.runOnce()).toBe(true);
    expect(contents(overdue.log).filter((r) => r.key === 'k1')).toHaveLength(1);
    expect(contents(lagging.log).filter((r) => r.key === 'k1')).toHaveLength(2);
    expect(await registry.getSingleMetricAsString('strata_log_cleaner_dirty_ratio')).toMatch(/topic="lagging",partition="0"} 0\.\d+/);
    await cleaner.close();
    await lagging.close();
    await overdue.close();
  });

  it('holds a pass to log.cleaner.io.max.bytes.per.second', async () => {
    const log = PartitionLog.open(freshDir(), { ...compactConfig, segmentBytes: 64 * 1024 });
    for (let round = 0; round < 40; round++) await log.append(batch(Array.from({ length: 50 }, (_, k) => ({ key: `k${k}`, value: `${round}`.padEnd(100, 'v') })), T0 + round));
    log.roll();
    await log.flush();
    const closed = log.closedSegments();
    const started = performance.now();
    const plan = await runCleanPass({
      dir: log.dir, segments: closed.map((s) => ({ baseOffset: s.baseOffset, size: s.size, maxTimestamp: s.maxTimestamp, nextBase: s.nextBase })),
      firstDirty: 0, now: T0 + 1000, segmentBytes: 64 * 1024, deleteRetentionMs: DAY, minCompactionLagMs: 0, maxRecordsBytes: 1 << 20, maxKeys: 1000,
      ioBytesPerSecond: 1_000_000, indexIntervalBytes: 4096, aborted: [],
    });
    const seconds = (performance.now() - started) / 1000;
    // Reads count against the cap: the pass cannot finish sooner than its reads allow (less the last slice).
    expect(seconds).toBeGreaterThanOrEqual((plan.bytesRead - 64 * 1024) / 1_000_000);
    expect(plan.bytesRead).toBeGreaterThan(500_000);
    await log.close();
  });
});
