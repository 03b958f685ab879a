// The main thread's read-only view of a log another thread writes: it opens the files the
// writer reports, loads their index files, and has missing ones rebuilt on the CPU pool
// (a Piscina thread) instead of scanning segments on the main thread.
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuPool } from '../../../src/pool/cpu-pool.js';
import { LogView } from '../../../src/storage/log-view.js';
import { listSegmentBases } from '../../../src/storage/recovery.js';
import { logFileName, offsetIndexFileName, timeIndexFileName } from '../../../src/storage/names.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import { batchFor } from '../../helpers/batches.js';
import { useTmpDirs } from '../../helpers/tmp.js';

const tmp = useTmpDirs();

describe('log view', () => {
  it('rebuilds missing segment indexes on the CPU pool and reads what the writer wrote', async () => {
    const dir = join(tmp(), 't-0');
    const log = PartitionLog.open(dir, { segmentBytes: 4096, indexIntervalBytes: 256 });
    for (let i = 0; i < 60; i++) await log.append(batchFor(i, 2, 200));
    const expected = log.read(0, 1 << 20);
    const at = log.recordForTimestamp(1_700_000_000_030);
    const state = { highWatermark: log.highWatermark, logStartOffset: log.logStartOffset, flushedOffset: log.logEndOffset };
    await log.close();
    const bases = listSegmentBases(dir);
    expect(bases.length).toBeGreaterThan(4);
    for (const base of bases.slice(0, 3)) {
      rmSync(join(dir, offsetIndexFileName(base)));
      rmSync(join(dir, timeIndexFileName(base)));
    }
    const sizes = bases.map((baseOffset) => ({ baseOffset, size: statSync(join(dir, logFileName(baseOffset))).size }));
    const pool = new CpuPool(1);
    try {
      const view = await LogView.openWith(dir, sizes, 256, state, (d, b, s, i) => pool.rebuildIndexes(d, b, s, i));
      expect(pool.stats().completed).toBe(3);
      const got = view.read(0, 1 << 20);
      expect(Buffer.concat(got.chunks).equals(Buffer.concat(expected.chunks))).toBe(true);
      expect(view.read(57, 1 << 20).chunks.length).toBeGreaterThan(0);
      expect(view.recordForTimestamp(1_700_000_000_030)).toEqual(at);
      expect(view.logEndOffset).toBe(120);
      const inline = LogView.open(dir, sizes, 256, state);
      for (const offset of [0, 13, 64, 119]) expect(inline.read(offset, 500).chunks).toEqual(view.read(offset, 500).chunks);
      view.close();
      inline.close();
    } finally {
      await pool.close();
    }
  });
});
