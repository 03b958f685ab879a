// Property-based checks (fast-check) of the sparse indexes and of log lookups at every
// boundary: each offset and each record timestamp, against a brute-force model.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { readBatchHeader } from '../../../src/protocol/records/batch-layout.js';
import { CLEAN_SHUTDOWN_FILE } from '../../../src/storage/names.js';
import { OffsetIndex } from '../../../src/storage/offset-index.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import { TimeIndex } from '../../../src/storage/time-index.js';
import { useTmpDirs } from '../../helpers/tmp.js';

const tmp = useTmpDirs();

const increasing = (max: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max }), { minLength: 0, maxLength: 60 }).map((xs) => xs.sort((a, b) => a - b));

describe('OffsetIndex', () => {
  it('lookup returns the last entry at or below the target, at every boundary', () => {
    fc.assert(
      fc.property(increasing(10_000), (rels) => {
        const index = new OffsetIndex();
        rels.forEach((r, i) => index.append(r, i * 100 + (i === 0 ? 0 : 1)));
        const targets = new Set<number>([0, 10_001]);
        for (const r of rels) [r - 1, r, r + 1].forEach((t) => t >= 0 && targets.add(t));
        for (const t of targets) {
          const k = rels.filter((r) => r <= t).length - 1;
          const expected = k < 0 ? { relOffset: 0, position: 0 } : { relOffset: rels[k]!, position: k * 100 + (k === 0 ? 0 : 1) };
          expect(index.lookup(t)).toEqual(expected);
        }
        const back = OffsetIndex.fromBuffer(index.toBuffer(), 1 << 30);
        if (rels.length > 0 && rels[0] !== undefined) expect(back?.last()).toEqual(index.last());
      }),
      { numRuns: 200 },
    );
  });

  it('refuses implausible index files', () => {
    const index = new OffsetIndex();
    index.append(0, 0);
    index.append(5, 4096);
    const buf = index.toBuffer();
    expect(OffsetIndex.fromBuffer(buf, 4000)).toBeUndefined(); // points past the segment
    expect(OffsetIndex.fromBuffer(buf.subarray(0, 12), 1 << 20)).toBeUndefined(); // torn entry
    const swapped = Buffer.concat([buf.subarray(8), buf.subarray(0, 8)]);
    expect(OffsetIndex.fromBuffer(swapped, 1 << 20)).toBeUndefined(); // out of order
  });
});

describe('TimeIndex', () => {
  it('lookup returns the last entry strictly older than the target', () => {
    fc.assert(
      fc.property(increasing(1_000_000), (stamps) => {
        const index = new TimeIndex();
        stamps.forEach((ts, i) => index.maybeAppend(ts, i * 3));
        for (const ts of stamps) {
          for (const t of [ts - 1, ts, ts + 1]) {
            const k = stamps.filter((s) => s < t).length - 1;
            expect(index.lookup(t)).toBe(k < 0 ? 0 : k * 3);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

interface ModelRecord {
  offset: number;
  timestamp: number;
}

const batchSpec = fc.record({
  records: fc.integer({ min: 1, max: 5 }),
  valueBytes: fc.integer({ min: 0, max: 600 }),
  tsStep: fc.integer({ min: -50, max: 400 }),
});

describe('PartitionLog lookups', () => {
  it('finds the batch holding every offset and the first record at or after every timestamp', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(batchSpec, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1024, max: 6000 }),
        fc.integer({ min: 0, max: 2000 }),
        async (specs, segmentBytes, indexIntervalBytes) => {
          const dir = join(tmp(), 'log');
          const config = { segmentBytes, indexIntervalBytes, syncPolicy: 'never' as const };
          let log = PartitionLog.open(dir, config);
          const model: ModelRecord[] = [];
          let ts = 1_000_000;
          for (const s of specs) {
            const records = Array.from({ length: s.records }, (_, i) => {
              ts += s.tsStep + i;
              return { value: Buffer.alloc(s.valueBytes, model.length % 251), timestamp: ts };
            });
            const base = model.length;
            await log.append(buildRecordBatch(records, { baseTimestamp: Math.min(...records.map((r) => r.timestamp)) }));
            records.forEach((r, i) => model.push({ offset: base + i, timestamp: r.timestamp }));
          }
          const check = (l: PartitionLog): void => {
            expect(l.logEndOffset).toBe(model.length);
            for (const { offset } of model) {
              const first = l.read(offset, 1).chunks[0]!;
              const h = readBatchHeader(first);
              expect(h.baseOffset).toBeLessThanOrEqual(offset);
              expect(h.baseOffset + h.lastOffsetDelta).toBeGreaterThanOrEqual(offset);
            }
            const targets = new Set<number>();
            for (const r of model) [r.timestamp - 1, r.timestamp, r.timestamp + 1].forEach((t) => targets.add(t));
            for (const t of targets) {
              const expected = model.find((r) => r.timestamp >= t)?.offset;
              expect(l.offsetForTimestamp(t)).toBe(expected);
            }
          };
          check(log);
          await log.close();
          log = PartitionLog.open(dir, config); // clean: indexes loaded from files
          check(log);
          await log.close();
          rmSync(join(dir, CLEAN_SHUTDOWN_FILE));
          log = PartitionLog.open(dir, config); // unclean: scanned and rebuilt
          check(log);
          await log.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});
