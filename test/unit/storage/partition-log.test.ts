import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isKafkaError, KafkaError, StrataError } from '../../../src/errors.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { BatchField, readBatchHeader, TIMESTAMP_TYPE_LOG_APPEND } from '../../../src/protocol/records/batch-layout.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import { CLEAN_SHUTDOWN_FILE } from '../../../src/storage/names.js';
import { batchFor } from '../../helpers/batches.js';
import { useTmpDirs } from '../../helpers/tmp.js';

const tmp = useTmpDirs();

function splitBatches(chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const c of chunks) {
    for (let at = 0; at < c.length; ) {
      const size = c.readInt32BE(at + BatchField.BATCH_LENGTH) + 12;
      out.push(c.subarray(at, at + size));
      at += size;
    }
  }
  return out;
}

async function expectKafkaError(p: Promise<unknown>, name: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(KafkaError);
  expect((err as KafkaError).errorName).toBe(name);
}

describe('PartitionLog', () => {
  it('assigns contiguous offsets and reads back exactly what was appended', async () => {
    const log = PartitionLog.open(tmp());
    const sent: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const b = batchFor(i, (i % 4) + 1);
      const r = await log.append(b);
      sent.push(b);
      expect(r.baseOffset).toBe(sent.slice(0, -1).reduce((n, x) => n + readBatchHeader(x).recordCount, 0));
    }
    expect(log.logEndOffset).toBe(50);
    const read = log.read(0, 1 << 20);
    const got = splitBatches(read.chunks);
    expect(got.length).toBe(20);
    got.forEach((b, i) => expect(b.equals(sent[i]!)).toBe(true));
    await log.close();
  });

  it('starts a read with the batch that holds the offset, whole batches only, at least one', async () => {
    const log = PartitionLog.open(tmp());
    for (let i = 0; i < 10; i++) await log.append(batchFor(i, 5, 100)); // offsets 5i..5i+4
    const mid = splitBatches(log.read(12, 1 << 20).chunks);
    expect(readBatchHeader(mid[0]!).baseOffset).toBe(10);
    const one = log.read(12, 1); // smaller than a batch: still one whole batch
    expect(splitBatches(one.chunks).length).toBe(1);
    const size = mid[0]!.length;
    expect(splitBatches(log.read(10, size * 2).chunks).length).toBe(2);
    expect(splitBatches(log.read(10, size * 2 - 1).chunks).length).toBe(1);
    expect(log.read(50, 100).bytes).toBe(0);
    expect(() => log.read(51, 100)).toThrowError(/OFFSET_OUT_OF_RANGE/);
    expect(() => log.read(-1, 100)).toThrowError(/OFFSET_OUT_OF_RANGE/);
    await log.close();
  });

  it('rolls by size and reads across segments', async () => {
    const dir = tmp();
    const log = PartitionLog.open(dir, { segmentBytes: 2048 });
    for (let i = 0; i < 40; i++) await log.append(batchFor(i, 2, 200));
    expect(log.segmentCount).toBeGreaterThan(5);
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.log'))) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(2048);
    const all = splitBatches(log.read(0, 1 << 20).chunks);
    expect(all.map((b) => readBatchHeader(b).baseOffset)).toEqual(Array.from({ length: 40 }, (_, i) => i * 2));
    await log.close();
  });

  it('rolls by age', async () => {
    let now = 1_000_000;
    const log = PartitionLog.open(tmp(), { segmentMs: 1000 }, { now: () => now });
    await log.append(batchFor(1));
    await log.append(batchFor(2));
    expect(log.segmentCount).toBe(1);
    now += 1000; // the segment is now segment.ms old
    await log.append(batchFor(3));
    expect(log.segmentCount).toBe(2);
    await log.close();
  });

  it('finds offsets by timestamp, to the record', async () => {
    const log = PartitionLog.open(tmp(), { segmentBytes: 1500, indexIntervalBytes: 300 });
    // batch i holds 3 records with timestamps 1000*i + {0, 10, 20}
    for (let i = 0; i < 30; i++) {
      await log.append(buildRecordBatch([0, 10, 20].map((d) => ({ value: Buffer.alloc(80, i), timestamp: 1000 * i + d }))));
    }
    expect(log.offsetForTimestamp(0)).toBe(0);
    expect(log.offsetForTimestamp(5005)).toBe(16); // batch 5, second record
    expect(log.offsetForTimestamp(5010)).toBe(16);
    expect(log.offsetForTimestamp(5011)).toBe(17);
    expect(log.offsetForTimestamp(5021)).toBe(18); // next batch
    expect(log.offsetForTimestamp(29_020)).toBe(89);
    expect(log.offsetForTimestamp(29_021)).toBeUndefined();
    await log.close();
  });

  it('stamps LogAppendTime when configured', async () => {
    const log = PartitionLog.open(tmp(), { timestampType: 'LogAppendTime' }, { now: () => 1_234_567 });
    const r = await log.append(batchFor(1, 3));
    expect(r.logAppendTime).toBe(1_234_567);
    const [b] = splitBatches(log.read(0, 1000).chunks);
    const h = readBatchHeader(b!);
    expect(h.maxTimestamp).toBe(1_234_567);
    expect(h.attributes & TIMESTAMP_TYPE_LOG_APPEND).not.toBe(0);
    await log.close();
  });

  it('deletes old segments by retention.ms and retention.bytes, never the active one', async () => {
    const log = PartitionLog.open(tmp(), { segmentBytes: 1024, retentionMs: 10_000, syncPolicy: 'never' });
    for (let i = 0; i < 30; i++) await log.append(batchFor(i, 1, 200, 1_000 * i));
    await log.flush();
    const segments = log.segmentCount;
    expect(log.applyRetention(5_000)).toBe(0); // nothing older than 10 s yet
    const removed = log.applyRetention(25_500); // batches with timestamps < 15_500 expire
    expect(removed).toBeGreaterThan(0);
    expect(log.segmentCount).toBeLessThan(segments);
    expect(log.logStartOffset).toBeGreaterThan(0);
    expect(log.logStartOffset).toBeLessThanOrEqual(16);
    expect(() => log.read(0, 100)).toThrowError(/OFFSET_OUT_OF_RANGE/);
    expect(readBatchHeader(log.read(log.logStartOffset, 100).chunks[0]!).baseOffset).toBe(log.logStartOffset);
    expect(log.applyRetention(10 ** 12)).toBeGreaterThan(0);
    expect(log.segmentCount).toBe(1); // the active segment stays
    await log.close();

    const bySize = PartitionLog.open(tmp(), { segmentBytes: 1024, retentionBytes: 3000, retentionMs: -1, syncPolicy: 'never' });
    for (let i = 0; i < 30; i++) await bySize.append(batchFor(i, 1, 200));
    await bySize.flush();
    bySize.applyRetention();
    expect(bySize.sizeBytes).toBeLessThanOrEqual(3000 + 1024);
    expect(bySize.sizeBytes).toBeGreaterThanOrEqual(3000 - 1024);
    await bySize.close();
  });

  it('deletes a whole log', async () => {
    const dir = tmp();
    const log = PartitionLog.open(dir);
    await log.append(batchFor(1));
    await log.delete();
    expect(existsSync(dir)).toBe(false);
    await expect(log.append(batchFor(2))).rejects.toBeInstanceOf(StrataError);
  });

  it('rejects bad batches with the Kafka error code and writes nothing', async () => {
    const log = PartitionLog.open(tmp(), { maxBatchBytes: 2000 });
    await log.append(batchFor(0));
    const before = log.sizeBytes;
    const good = batchFor(1, 2);
    const crc = Buffer.from(good);
    crc[crc.length - 1]! ^= 0xff;
    const magic = Buffer.from(good);
    magic[BatchField.MAGIC] = 0;
    const absurd = Buffer.from(good);
    absurd.writeInt32BE(2 ** 31 - 1, BatchField.BATCH_LENGTH);
    await expectKafkaError(log.append(crc), 'CORRUPT_MESSAGE');
    await expectKafkaError(log.append(good.subarray(0, good.length - 4)), 'CORRUPT_MESSAGE');
    await expectKafkaError(log.append(good.subarray(0, 30)), 'CORRUPT_MESSAGE');
    await expectKafkaError(log.append(absurd), 'CORRUPT_MESSAGE');
    await expectKafkaError(log.append(magic), 'INVALID_RECORD');
    await expectKafkaError(log.append(batchFor(2, 1, 3000)), 'MESSAGE_TOO_LARGE');
    expect(log.sizeBytes).toBe(before);
    expect(log.logEndOffset).toBe(1);
    expect((await log.append(good)).baseOffset).toBe(1);
    await log.close();
  });

  it('validates its configuration and names the bad setting', () => {
    expect(() => PartitionLog.open(tmp(), { syncPolicy: 'sometimes' as never })).toThrowError(/syncPolicy/);
    expect(() => PartitionLog.open(tmp(), { segmentBytes: 3 })).toThrowError(/segmentBytes/);
    expect(() => PartitionLog.open(tmp(), { retentionMs: -7 })).toThrowError(/retentionMs/);
  });

  it('reopens after a clean close without scanning, and after a crash by scanning', async () => {
    const dir = tmp();
    const log = PartitionLog.open(dir, { segmentBytes: 4096 });
    for (let i = 0; i < 50; i++) await log.append(batchFor(i, 2, 100));
    await log.close();
    expect(existsSync(join(dir, CLEAN_SHUTDOWN_FILE))).toBe(true);
    const again = PartitionLog.open(dir, { segmentBytes: 4096 });
    expect(existsSync(join(dir, CLEAN_SHUTDOWN_FILE))).toBe(false);
    expect(again.recovery).toMatchObject({ clean: true, segmentsScanned: 0, indexesRebuilt: 0 });
    expect(again.logEndOffset).toBe(100);
    expect(again.offsetForTimestamp(1_700_000_000_000 + 30)).toBe(59); // batch 29's second record
    expect(again.offsetForTimestamp(1_700_000_000_000 + 31)).toBe(61);
    await again.append(batchFor(50));
    // No close: the next open must treat it as a crash and scan from the recovery point.
    const crashed = PartitionLog.open(dir, { segmentBytes: 4096 });
    expect(crashed.recovery.clean).toBe(false);
    expect(crashed.recovery.segmentsScanned).toBeGreaterThan(0);
    expect(crashed.recovery.segmentsScanned).toBeLessThan(crashed.segmentCount);
    expect(crashed.recovery.truncatedBytes).toBe(0);
    expect(crashed.logEndOffset).toBe(101);
    await crashed.close();
  });
});

describe('sync policies', () => {
  it('always: resolves only after fdatasync and shares fsyncs between concurrent appends', async () => {
    const log = PartitionLog.open(tmp(), { syncPolicy: 'always' });
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => log.append(batchFor(i))));
    expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(log.highWatermark).toBe(64);
    await log.flush();
    expect(log.stats.flushes).toBeGreaterThanOrEqual(1);
    expect(log.stats.flushes).toBeLessThan(64 / 4); // group commit, not one fsync per append
    await log.close();
  });

  it('always: readers do not see a batch before its fsync', async () => {
    const log = PartitionLog.open(tmp(), { syncPolicy: 'always' });
    const pending = log.append(batchFor(1));
    expect(log.highWatermark).toBe(0);
    expect(log.read(0, 1000).bytes).toBe(0);
    await pending;
    expect(log.highWatermark).toBe(1);
    await log.close();
  });

  it('interval: resolves at once and fsyncs within the interval', async () => {
    const log = PartitionLog.open(tmp(), { syncPolicy: 'interval', flushIntervalMs: 20 });
    await log.append(batchFor(1));
    expect(log.highWatermark).toBe(1);
    const deadline = Date.now() + 2000;
    while (log.stats.flushes === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(log.stats.flushes).toBeGreaterThan(0);
    await log.close();
  });

  it('never: no fsync while appending', async () => {
    const log = PartitionLog.open(tmp(), { syncPolicy: 'never' });
    for (let i = 0; i < 10; i++) await log.append(batchFor(i));
    await new Promise((r) => setTimeout(r, 50));
    expect(log.stats.flushes).toBe(0);
    await log.close();
  });
});

describe('KafkaError', () => {
  it('carries the generated code and retriable flag', () => {
    const e = new KafkaError('KAFKA_STORAGE_ERROR', 'x');
    expect(e.errorCode).toBe(56);
    expect(e.retriable).toBe(true);
    expect(isKafkaError(e, 'KAFKA_STORAGE_ERROR')).toBe(true);
  });
});
