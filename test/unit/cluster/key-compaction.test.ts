// Log compaction of a shared partition, planned over index entries and their batches: the
// latest record of each key stays, with Kafka's exceptions (tombstones until
// delete.retention.ms, the compaction lag, the last batch, idempotent producers' batches).
import { describe, expect, it } from 'vitest';
import { compactionDue, dirtyState, planKeyCompaction, type KeyCompactionOptions, type KeyCompactionPlan } from '../../../src/cluster/key-compaction.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { readBatchHeader } from '../../../src/protocol/records/batch-layout.js';
import { readRecords } from '../../../src/protocol/records/record-reader.js';
import type { IndexEntry } from '../../../src/services/leases.js';

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

interface Stored { entry: IndexEntry; batch: Buffer }

/** A log of batches, each [key, value | null] pairs, at consecutive offsets. */
function log(batches: Array<{ records: Array<[string | null, string | null]>; age?: number; producerId?: number }>): Stored[] {
  let offset = 0;
  return batches.map(({ records, age = 2 * HOUR, producerId = -1 }) => {
    const ts = NOW - age;
    const batch = buildRecordBatch(records.map(([k, v]) => ({ key: k === null ? null : Buffer.from(k), value: v === null ? null : Buffer.from(v), timestamp: ts })),
      producerId < 0 ? {} : { producerId: BigInt(producerId), producerEpoch: 0, baseSequence: offset });
    batch.writeBigInt64BE(BigInt(offset), 0);
    const entry: IndexEntry = {
      topicId: 'T', partition: 0, baseOffset: offset, lastOffset: offset + records.length - 1, objectKey: 'obj', byteStart: 0, byteEnd: batch.length - 1,
      maxTimestamp: ts, leaderEpoch: 1, producerId, producerEpoch: producerId < 0 ? -1 : 0, baseSequence: producerId < 0 ? -1 : offset,
    };
    offset += records.length;
    return { entry, batch };
  });
}

const options: KeyCompactionOptions = { now: NOW, deleteRetentionMs: HOUR, minCompactionLagMs: 0, maxRecordsBytes: 1 << 20, maxKeys: 1000, maxRewriteBytes: 1 << 20 };

async function plan(stored: Stored[], o: Partial<KeyCompactionOptions> = {}): Promise<KeyCompactionPlan> {
  const byOffset = new Map(stored.map((s) => [s.entry.baseOffset, s.batch]));
  let reads = 0;
  const out = await planKeyCompaction(stored.map((s) => s.entry), async (page) => (reads++, page.map((e) => byOffset.get(e.baseOffset)!)), { ...options, ...o });
  expect(reads).toBeGreaterThan(0);
  if ('tooManyKeys' in out) throw new Error(`too many keys: ${out.tooManyKeys}`);
  return out;
}

/** What the log holds after the plan: every batch's [offset, key, value]. */
function after(stored: Stored[], p: KeyCompactionPlan): Array<[number, string | null, string | null]> {
  const rewritten = new Map(p.rewritten.map((r) => [r.entry.baseOffset, r.batch]));
  const dropped = new Set(p.dropped.map((e) => e.baseOffset));
  return stored.filter((s) => !dropped.has(s.entry.baseOffset)).flatMap((s) => {
    const batch = rewritten.get(s.entry.baseOffset) ?? s.batch;
    return [...readRecords(batch)].map((r): [number, string | null, string | null] => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null]);
  });
}

describe('planKeyCompaction', () => {
  it('keeps the latest record of each key at its offset; drops emptied batches; never rewrites the last batch', async () => {
    const stored = log([
      { records: [['a', 'a1'], ['b', 'b1']] },
      { records: [['a', 'a2']] },
      { records: [['c', 'c1'], ['b', 'b2']] },
      { records: [['a', 'a3'], ['c', 'c2']] }, // the last batch: as it is
    ]);
    const p = await plan(stored);
    expect(after(stored, p)).toEqual([[4, 'b', 'b2'], [5, 'a', 'a3'], [6, 'c', 'c2']]);
    expect(p.dropped.map((e) => e.baseOffset)).toEqual([0, 2]);
    expect(p.rewritten.map((r) => r.entry.baseOffset)).toEqual([3]);
    expect(p.recordsRemoved).toBe(4);
    expect(p.cleanTo).toBe(5); // everything but the last batch is clean now
    // A rewritten batch keeps its offsets (base and last) and has a valid header.
    const h = readBatchHeader(p.rewritten[0]!.batch);
    expect([h.baseOffset, h.baseOffset + h.lastOffsetDelta, h.recordCount]).toEqual([3, 4, 1]);
    // Nothing more to do the second time.
    const again = await plan(stored.filter((s) => !p.dropped.includes(s.entry)).map((s) => ({ ...s, batch: p.rewritten.find((r) => r.entry === s.entry)?.batch ?? s.batch })));
    expect(again.rewritten.length + again.dropped.length).toBe(0);
  });

  it('keeps a tombstone until delete.retention.ms has passed since its batch, then removes it', async () => {
    const stored = (age: number) => log([{ records: [['a', 'a1']] }, { records: [['a', null]], age }, { records: [['z', 'z1']] }]);
    expect(after(stored(HOUR / 2), await plan(stored(HOUR / 2)))).toEqual([[1, 'a', null], [2, 'z', 'z1']]);
    expect(after(stored(2 * HOUR), await plan(stored(2 * HOUR)))).toEqual([[2, 'z', 'z1']]);
  });

  it('leaves batches within min.compaction.lag.ms, and keyless records, as they are', async () => {
    const stored = log([
      { records: [['a', 'a1'], [null, 'legacy']] },
      { records: [['a', 'a2']], age: 10_000 },
      { records: [['a', 'a3']], age: 5_000 },
      { records: [['z', 'z1']], age: 1_000 },
    ]);
    // The lag (1 min) covers the second batch on: only the first is cleaned, against every later record.
    const lagged = await plan(stored, { minCompactionLagMs: 60_000 });
    expect(after(stored, lagged)).toEqual([[1, null, 'legacy'], [2, 'a', 'a2'], [3, 'a', 'a3'], [4, 'z', 'z1']]);
    expect(lagged.cleanTo).toBe(2); // the batches within the lag stay dirty
  });

  it('keeps an idempotent producer\'s batch when it is emptied (its state lives in the entry)', async () => {
    const stored = log([{ records: [['a', 'a1']], producerId: 7 }, { records: [['a', 'a2']] }, { records: [['z', 'z1']] }]);
    const p = await plan(stored);
    expect(p.dropped).toEqual([]);
    expect(readBatchHeader(p.rewritten[0]!.batch)).toMatchObject({ baseOffset: 0, recordCount: 0, producerId: 7n });
  });

  it('refuses a log with more keys than the map may hold, and stops at the byte budget', async () => {
    const stored = log(Array.from({ length: 10 }, (_, i) => ({ records: [[`k${i}`, 'v'], ['dup', `${i}`]] as Array<[string, string]> })));
    const outcome = await planKeyCompaction(stored.map((s) => s.entry), async (page) => page.map((e) => stored.find((s) => s.entry === e)!.batch), { ...options, maxKeys: 5 });
    expect(outcome).toEqual({ tooManyKeys: 11 }); // counted a page at a time
    const budget = await plan(stored, { maxRewriteBytes: 1 });
    expect(budget.rewritten).toHaveLength(1);
    expect(budget.cleanTo).toBeUndefined(); // stopped short: nothing may count as clean yet
  });
});

describe('when a pass is due (min.cleanable.dirty.ratio, max.compaction.lag.ms)', () => {
  const stored = log(Array.from({ length: 5 }, (_, i) => ({ records: [[`k${i}`, 'v']] as Array<[string, string]>, age: (5 - i) * HOUR })));
  const entries = stored.map((s) => s.entry);
  const due = (cleanTo: number, o: { ratio?: number; maxLagMs?: number } = {}) =>
    compactionDue(dirtyState(entries, cleanTo), { now: NOW, minCleanableDirtyRatio: o.ratio ?? 0.5, maxCompactionLagMs: o.maxLagMs ?? Number.MAX_SAFE_INTEGER });

  it('measures the dirty share over every batch but the last, as bytes', () => {
    // Four batches of equal size count (the fifth, the last, is never rewritten).
    expect(dirtyState(entries, 0)).toEqual({ ratio: 1, oldestDirtyTimestamp: NOW - 5 * HOUR });
    expect(dirtyState(entries, 2).ratio).toBe(0.5);
    expect(dirtyState(entries, 3).ratio).toBe(0.25);
    expect(dirtyState(entries, 4)).toEqual({ ratio: 0, oldestDirtyTimestamp: undefined });
  });

  it('runs once the dirty share reaches the ratio, or a dirty batch is older than the lag, and never with nothing dirty', () => {
    expect(due(0)).toBe(true); // a new leader: nothing known clean
    expect(due(2)).toBe(true); // half dirty, ratio 0.5
    expect(due(3)).toBe(false);
    expect(due(3, { ratio: 0.2 })).toBe(true);
    // The oldest dirty batch (offset 3) is 2 h old: due past a 1 h lag, not a 3 h one.
    expect(due(3, { maxLagMs: HOUR })).toBe(true);
    expect(due(3, { maxLagMs: 3 * HOUR })).toBe(false);
    expect(due(4, { ratio: 0, maxLagMs: 1 })).toBe(false);
  });
});
