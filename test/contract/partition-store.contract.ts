// The PartitionStore contract (src/services/partition-store.ts), written against the
// interface and run against every implementation (partition-store.test.ts): memory,
// a log on this thread, a log writer thread, and a tiered partition whose older
// segments are read back from an object store.
import { describe, expect, it } from 'vitest';
import { readBatchHeader, TRANSACTIONAL_FLAG } from '../../src/protocol/records/batch-layout.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { readRecords } from '../../src/protocol/records/record-reader.js';
import { IsolationLevel, type PartitionStore, type ReadOutcome } from '../../src/services/partition-store.js';
import { errorName } from '../helpers/error-name.js';

export interface PartitionHarness {
  store: PartitionStore;
  /**
   * Moves data where it finally lives before the reads that check it: the tiered
   * implementation uploads its closed segments and deletes them locally, so the reads
   * that follow come from the object store. A no-op elsewhere.
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Each implementation rolls a segment after about this many bytes (4-5 of the batches below). */
export const SEGMENT_BYTES = 1024;

export interface PartitionOptions {
  /** retention.ms (-1: keep everything). */
  retentionMs: number;
  /** retention.bytes (-1, the default: no limit). */
  retentionBytes?: number;
}

const T0 = 1_700_000_000_000;

/** A batch of `count` records whose values name it, about 200 bytes. */
function batch(id: number, count = 3, timestamp = T0 + id * 10, producer?: { id: bigint; epoch: number; seq: number; transactional?: boolean }): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${id}`), value: Buffer.from(`${id}:${i}:`.padEnd(40, 'v')), timestamp: timestamp + i }));
  return buildRecordBatch(records, producer === undefined ? {} : {
    producerId: producer.id, producerEpoch: producer.epoch, baseSequence: producer.seq, attributes: producer.transactional === true ? TRANSACTIONAL_FLAG : 0,
  });
}

/** Where the last batch of a chunk starts. */
function lastBatchAt(chunk: Buffer): number {
  let at = 0;
  while (at + readBatchHeader(chunk, at).size < chunk.length) at += readBatchHeader(chunk, at).size;
  return at;
}

/** The base offsets of the batches a read returned. */
function baseOffsets(r: ReadOutcome): number[] {
  const out: number[] = [];
  for (const chunk of r.chunks) {
    for (let at = 0; at < chunk.length; at += readBatchHeader(chunk, at).size) out.push(readBatchHeader(chunk, at).baseOffset);
  }
  return out;
}

async function read(store: PartitionStore, offset: number, maxBytes = 1 << 20): Promise<ReadOutcome> {
  return store.read(offset, maxBytes, IsolationLevel.READ_UNCOMMITTED);
}

/** Reads from `offset` to the high watermark as a consumer does: a read may stop early (at a remote segment's end), never return nothing before the end. */
async function readToEnd(store: PartitionStore, offset: number): Promise<ReadOutcome> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for (let next = offset, rounds = 0; next < store.highWatermark; rounds++) {
    if (rounds > 1000) throw new Error('reading to the end does not progress');
    const r = await read(store, next);
    if (r.bytes === 0) throw new Error(`empty read at ${next}, below the high watermark ${store.highWatermark}`);
    chunks.push(...r.chunks);
    bytes += r.bytes;
    const all = Buffer.concat(r.chunks);
    let at = 0;
    while (at < all.length) {
      const h = readBatchHeader(all, at);
      next = h.baseOffset + h.lastOffsetDelta + 1;
      at += h.size;
    }
  }
  return { chunks, bytes };
}

/** Offset and value of every record in whole batches. */
function records(r: ReadOutcome): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  const all = Buffer.concat(r.chunks);
  for (let at = 0; at < all.length;) {
    const h = readBatchHeader(all, at);
    for (const rec of readRecords(all.subarray(at, at + h.size))) out.push([rec.offset, rec.value!.toString().split(':').slice(0, 2).join(':')]);
    at += h.size;
  }
  return out;
}


export interface ContractOptions {
  /**
   * The store keeps transactions (markers, the last stable offset, aborted transactions).
   * One without them (cluster mode today) must refuse transactional batches and markers
   * with INVALID_RECORD instead, which the contract checks in their place.
   */
  transactions?: boolean;
}

export function partitionStoreContract(name: string, open: (options: PartitionOptions) => Promise<PartitionHarness>, contract: ContractOptions = {}): void {
  const transactions = contract.transactions ?? true;
  describe(`PartitionStore contract: ${name}`, () => {
    it('starts empty: every offset 0, nothing to read', async () => {
      const h = await open({ retentionMs: -1 });
      const s = h.store;
      expect([s.logStartOffset, s.highWatermark, s.lastStableOffset, s.logEndOffset]).toEqual([0, 0, 0, 0]);
      expect([s.localLogStartOffset, s.highestTieredOffset]).toEqual([0, -1]);
      expect((await read(s, 0)).bytes).toBe(0);
      expect(await errorName(() => read(s, 1))).toBe('OFFSET_OUT_OF_RANGE');
      await h.close();
    });

    it('appends at consecutive offsets and reads every record back in order', async () => {
      const h = await open({ retentionMs: -1 });
      const s = h.store;
      const bases: number[] = [];
      for (let i = 0; i < 12; i++) bases.push((await s.append(batch(i))).baseOffset);
      expect(bases).toEqual(Array.from({ length: 12 }, (_, i) => i * 3));
      expect([s.highWatermark, s.lastStableOffset, s.logEndOffset]).toEqual([36, 36, 36]);
      await h.settle();
      const got = records(await readToEnd(s, 0));
      expect(got).toEqual(Array.from({ length: 36 }, (_, o) => [o, `${Math.floor(o / 3)}:${o % 3}`]));
      expect(s.logStartOffset).toBe(0);
      // Local data starts where the object store's ends (or at the log start when nothing is tiered).
      expect(s.localLogStartOffset).toBeGreaterThanOrEqual(s.logStartOffset);
      expect(s.highestTieredOffset).toBe(s.localLogStartOffset === s.logStartOffset ? s.highestTieredOffset : s.localLogStartOffset - 1);
      if (s.highestTieredOffset >= 0) expect(s.highestTieredOffset).toBeLessThan(s.highWatermark);
      else expect(s.localLogStartOffset).toBe(s.logStartOffset);
      await h.close();
    });

    it('reads from the batch holding an offset, whole batches within the budget but at least one', async () => {
      const h = await open({ retentionMs: -1 });
      const s = h.store;
      for (let i = 0; i < 12; i++) await s.append(batch(i));
      await h.settle();
      // Offset 7 is inside batch 2 (offsets 6-8): the read starts at that batch.
      expect(records(await read(s, 7))[0]).toEqual([6, '2:0']);
      const one = await read(s, 0, 1);
      expect(records(one).map(([o]) => o)).toEqual([0, 1, 2]);
      const some = await read(s, 0, 2 * one.bytes);
      expect(some.bytes).toBeLessThanOrEqual(2 * one.bytes);
      expect(records(some)).toHaveLength(6);
      expect((await read(s, 36)).bytes).toBe(0);
      expect(await errorName(() => read(s, 37))).toBe('OFFSET_OUT_OF_RANGE');
      await h.close();
    });

    it('answers an idempotent retry with the original offset and refuses a sequence gap', async () => {
      const h = await open({ retentionMs: -1 });
      const s = h.store;
      const producer = { id: 42n, epoch: 0, seq: 0 };
      const first = await s.append(batch(0, 3, T0, producer));
      const again = await s.append(batch(0, 3, T0, producer));
      expect(again).toMatchObject({ baseOffset: first.baseOffset, duplicate: true });
      expect(first.duplicate).toBe(false);
      expect(s.highWatermark).toBe(3);
      expect(await errorName(() => s.append(batch(1, 1, T0, { ...producer, seq: 10 })))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
      expect((await s.append(batch(1, 1, T0, { ...producer, seq: 3 }))).baseOffset).toBe(3);
      // DescribeProducers: the producer's epoch, last sequence and last timestamp.
      await s.append(batch(2, 2, T0 + 500, { id: 7n, epoch: 3, seq: 0 }));
      const active = (await s.activeProducers()).sort((a, b) => a.producerId - b.producerId);
      expect(active).toEqual([
        { producerId: 7, producerEpoch: 3, lastSequence: 1, lastTimestamp: T0 + 501, currentTxnStartOffset: -1 },
        { producerId: 42, producerEpoch: 0, lastSequence: 3, lastTimestamp: T0, currentTxnStartOffset: -1 },
      ]);
      await h.close();
    });

    // One of the two, by what the store keeps.
    if (!transactions) it('refuses transactional batches and markers (a store without transactions)', async () => {
      const h = await open({ retentionMs: -1 });
      const s = h.store;
      await s.append(batch(0));
      expect(await errorName(() => s.append(batch(1, 3, T0, { id: 100n, epoch: 1, seq: 0, transactional: true })))).toBe('INVALID_RECORD');
      expect(await errorName(() => s.writeMarker({ producerId: 100, producerEpoch: 1, commit: true, coordinatorEpoch: 0 }))).toBe('INVALID_RECORD');
      expect([s.highWatermark, s.lastStableOffset]).toEqual([3, 3]);
      expect(baseOffsets(await s.read(0, 1 << 20, IsolationLevel.READ_COMMITTED))).toEqual([0]);
      await h.close();
    });

    if (transactions) it('holds read_committed readers at the oldest open transaction and names the aborted ones', async () => {
      const h = await open({ retentionMs: -1 });
      const s = h.store;
      const a = { id: 100n, epoch: 1, seq: 0, transactional: true };
      const b = { id: 200n, epoch: 4, seq: 0, transactional: true };
      await s.append(batch(0)); // 0-2, plain
      // Without transactions the last stable offset is the high watermark, from the first append on.
      expect([s.highWatermark, s.lastStableOffset]).toEqual([3, 3]);
      await s.append(batch(1, 3, T0, a)); // 3-5, transaction A
      await s.append(batch(2, 3, T0, b)); // 6-8, transaction B
      await s.append(batch(3)); // 9-11, plain
      expect(s.highWatermark).toBe(12);
      expect(s.lastStableOffset).toBe(3);
      const held = await s.read(0, 1 << 20, IsolationLevel.READ_COMMITTED);
      expect(baseOffsets(held)).toEqual([0]);
      expect(held.abortedTransactions).toEqual([]);
      expect(baseOffsets(await read(s, 0))).toEqual([0, 3, 6, 9]);
      expect((await s.read(5, 1 << 20, IsolationLevel.READ_COMMITTED)).bytes).toBe(0);
      const producers = (await s.activeProducers()).sort((x, y) => x.producerId - y.producerId);
      expect(producers.map((p) => p.currentTxnStartOffset)).toEqual([3, 6]);
      // A commits: B's first offset holds the readers now.
      const commit = await s.writeMarker({ producerId: 100, producerEpoch: 1, commit: true, coordinatorEpoch: 0 });
      expect(commit.baseOffset).toBe(12);
      expect(s.lastStableOffset).toBe(6);
      // B aborts: everything is stable, and B's records are named as aborted.
      await s.writeMarker({ producerId: 200, producerEpoch: 4, commit: false, coordinatorEpoch: 0 });
      expect(s.highWatermark).toBe(14);
      expect(s.lastStableOffset).toBe(14);
      await s.append(batch(4)); // 14-16
      await h.settle();
      // As a consumer reads: fetch after fetch (a tiered read ends where the object store's data does).
      const seen: number[] = [];
      const aborted = new Map<string, unknown>();
      for (let next = 0, rounds = 0; next < 17 && rounds < 10; rounds++) {
        const r = await s.read(next, 1 << 20, IsolationLevel.READ_COMMITTED);
        seen.push(...baseOffsets(r));
        for (const x of r.abortedTransactions ?? []) aborted.set(JSON.stringify(x), x);
        const last = r.chunks.at(-1);
        if (last === undefined) continue;
        const lb = readBatchHeader(last, lastBatchAt(last));
        next = lb.baseOffset + lb.lastOffsetDelta + 1;
      }
      expect(seen).toEqual([0, 3, 6, 9, 12, 13, 14]);
      expect([...aborted.values()]).toEqual([{ producerId: 200, firstOffset: 6, lastOffset: 13 }]);
      expect((await s.read(14, 1 << 20, IsolationLevel.READ_COMMITTED)).abortedTransactions).toEqual([]);
      // The marker fenced epoch 3 of producer 200; a stale marker is refused too.
      expect(await errorName(() => s.append(batch(5, 1, T0, { id: 200n, epoch: 3, seq: 0, transactional: true })))).toBe('INVALID_PRODUCER_EPOCH');
      expect(await errorName(() => s.writeMarker({ producerId: 200, producerEpoch: 3, commit: true, coordinatorEpoch: 0 }))).toBe('INVALID_PRODUCER_EPOCH');
      expect((await s.activeProducers()).every((p) => p.currentTxnStartOffset === -1)).toBe(true);
      await h.close();
    });

    it('refuses a corrupt batch with CORRUPT_MESSAGE and stores nothing of it', async () => {
      const h = await open({ retentionMs: -1 });
      const s = h.store;
      await s.append(batch(0));
      const bad = Buffer.from(batch(1));
      bad.writeInt32BE(bad.readInt32BE(8) + 5, 8);
      expect(await errorName(() => s.append(bad))).toBe('CORRUPT_MESSAGE');
      expect(s.highWatermark).toBe(3);
      expect((await s.append(batch(2))).baseOffset).toBe(3);
      await h.close();
    });

    it('finds the first record at or after a timestamp, and the record with the largest one', async () => {
      const h = await open({ retentionMs: -1 });
      const s = h.store;
      for (let i = 0; i < 12; i++) await s.append(batch(i, 3, T0 + i * 10));
      await s.append(batch(12, 1, T0 + 5)); // an older timestamp after newer ones
      await h.settle();
      expect(await s.offsetForTimestamp(T0 + 41)).toEqual({ offset: 13, timestamp: T0 + 41 });
      expect(await s.offsetForTimestamp(T0)).toEqual({ offset: 0, timestamp: T0 });
      expect(await s.offsetForTimestamp(T0 + 10_000)).toBeUndefined();
      expect(await s.maxTimestampRecord()).toEqual({ offset: 35, timestamp: T0 + 112 });
      await h.close();
    });

    it('tells long polls about progress until they stop listening', async () => {
      const h = await open({ retentionMs: -1 });
      const s = h.store;
      let calls = 0;
      const stop = s.onProgress(() => calls++);
      await s.append(batch(0));
      await new Promise((r) => setTimeout(r, 20));
      expect(calls).toBeGreaterThanOrEqual(1);
      stop();
      const before = calls;
      await s.append(batch(1));
      await new Promise((r) => setTimeout(r, 20));
      expect(calls).toBe(before);
      await h.close();
    });

    it('deletes records below an offset (DeleteRecords): readers start there at once, whole segments go', async () => {
      const h = await open({ retentionMs: -1 });
      const s = h.store;
      for (let i = 0; i < 20; i++) await s.append(batch(i));
      await h.settle();
      expect(await s.deleteRecordsBelow(31)).toBe(31); // inside a batch of three records
      expect([s.logStartOffset, s.localLogStartOffset >= 31]).toEqual([31, true]);
      expect(await errorName(() => read(s, 30))).toBe('OFFSET_OUT_OF_RANGE');
      // The batch holding 31 is returned whole (as Kafka does); clients skip what lies below their offset.
      expect(records(await read(s, 31)).map(([o]) => o)).toContain(31);
      expect((await s.offsetForTimestamp(0))?.offset).toBe(31);
      expect(await s.deleteRecordsBelow(10)).toBe(31); // never backwards
      expect(await errorName(() => s.deleteRecordsBelow(61))).toBe('OFFSET_OUT_OF_RANGE');
      expect(await s.deleteRecordsBelow(-1)).toBe(60); // -1: the high watermark
      expect(s.logStartOffset).toBe(60);
      expect(await errorName(() => read(s, 59))).toBe('OFFSET_OUT_OF_RANGE');
      const after = await s.append(batch(99));
      expect([after.baseOffset, after.logStartOffset]).toEqual([60, 60]);
      expect(records(await read(s, 60))[0]![0]).toBe(60);
      await h.close();
    });

    it('truncates whole segments below an offset, never the active one', async () => {
      const h = await open({ retentionMs: -1 });
      const s = h.store;
      for (let i = 0; i < 20; i++) await s.append(batch(i));
      const removed = await s.truncateBelow(30);
      expect(removed).toBeGreaterThan(0);
      expect(s.logStartOffset).toBeGreaterThan(0);
      expect(s.logStartOffset).toBeLessThanOrEqual(30);
      expect(await errorName(() => read(s, s.logStartOffset - 1))).toBe('OFFSET_OUT_OF_RANGE');
      expect(records(await read(s, s.logStartOffset))[0]![0]).toBe(s.logStartOffset);
      expect(await s.truncateBelow(1_000)).toBeGreaterThanOrEqual(0);
      expect(s.highWatermark).toBe(60);
      expect((await read(s, 59)).bytes).toBeGreaterThan(0);
      await h.close();
    });

    it('applies time retention to whole closed segments', async () => {
      const h = await open({ retentionMs: 60_000 });
      const s = h.store;
      const now = Date.now();
      for (let i = 0; i < 10; i++) await s.append(batch(i, 3, now - 3_600_000));
      for (let i = 10; i < 20; i++) await s.append(batch(i, 3, now));
      expect(await s.applyRetention(now)).toBeGreaterThan(0);
      expect(s.logStartOffset).toBeGreaterThan(0);
      expect(s.logStartOffset).toBeLessThanOrEqual(30);
      expect(records(await read(s, 30)).map(([o]) => o)).toContain(30);
      await h.close();
    });

    it('applies size retention: the oldest data goes while what is newer still holds retention.bytes', async () => {
      const h = await open({ retentionMs: -1, retentionBytes: 1_500 });
      const s = h.store;
      const sizes: number[] = [];
      for (let i = 0; i < 20; i++) {
        const b = batch(i);
        sizes.push(b.length);
        await s.append(b);
      }
      expect(await s.applyRetention(Date.now())).toBeGreaterThan(0);
      // Every batch (3 records each) from the new start on is kept, and together they hold
      // at least retention.bytes: only whole units older than that went.
      const start = s.logStartOffset;
      expect(start).toBeGreaterThan(0);
      expect(start % 3).toBe(0);
      const kept = sizes.slice(start / 3).reduce((a, b) => a + b, 0);
      expect(kept).toBeGreaterThanOrEqual(1_500);
      expect(kept).toBeLessThan(1_500 + SEGMENT_BYTES + sizes[0]!);
      expect(records(await read(s, start))[0]![0]).toBe(start);
      expect(records(await read(s, 57)).map(([o]) => o)).toContain(59);
      // A second pass with nothing new removes nothing more than the rule allows.
      await s.applyRetention(Date.now());
      expect(sizes.slice(s.logStartOffset / 3).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1_500);
      await h.close();
    });
  });
}
