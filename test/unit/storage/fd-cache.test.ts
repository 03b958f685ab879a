// The segment descriptor cache: with a budget of a few files, many partition logs with
// many segments each append, roll, read every segment back, fsync (always), close and
// reopen correctly, and this thread never holds more segment files than the budget
// (plus the files pinned by an fdatasync in flight).
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FdCache, fdCache } from '../../../src/storage/fd-cache.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import { batchFor } from '../../helpers/batches.js';
import { useTmpDirs } from '../../helpers/tmp.js';

const tmp = useTmpDirs();
const saved = fdCache.budget;

afterEach(() => {
  fdCache.budget = saved;
});

const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('FdCache', () => {
  it('closes the least recently used unpinned files past its budget, and shrinks when the process runs out', () => {
    const cache = new FdCache(3);
    const closed: string[] = [];
    const file = (name: string, pinned = false) => ({ name, pinned, evictFd: () => closed.push(name) });
    const [a, b, c, d] = [file('a'), file('b', true), file('c'), file('d')];
    for (const f of [a, b, c]) cache.opened(f);
    cache.touch(a); // now b, c, a
    cache.opened(d); // over budget: b is pinned, c goes
    expect(closed).toEqual(['c']);
    expect(cache.openCount).toBe(3);
    cache.exhausted(); // budget 16 at least: nothing to close
    expect(cache.budget).toBe(16);
    expect(cache.exhaustions).toBe(1);
  });

  it('keeps 20 logs of many segments readable, appendable and durable within a budget of 8 files', async () => {
    fdCache.budget = 8;
    const before = openFds();
    const logs = Array.from({ length: 20 }, () => PartitionLog.open(tmp(), { segmentBytes: 1024, syncPolicy: 'always' }));
    const sent = logs.map(() => [] as Buffer[]);
    for (let round = 0; round < 60; round++) {
      await Promise.all(logs.map(async (log, i) => {
        const b = batchFor(round * 100 + i, 3);
        sent[i]!.push(Buffer.from(b));
        await log.append(b);
      }));
      expect(fdCache.openCount).toBeLessThanOrEqual(8 + 20); // + at most one pinned per log mid-fsync
    }
    expect(openFds() - before).toBeLessThanOrEqual(8 + 20);
    for (const [i, log] of logs.entries()) {
      expect(log.segmentCount).toBeGreaterThan(5);
      const read = log.read(0, 1 << 20);
      expect(read.bytes).toBe(sent[i]!.reduce((n, b) => n + b.length, 0));
      // Same records in the same order (the log patched base offsets in place).
      const got = Buffer.concat(read.chunks);
      expect(got.subarray(61, 80).equals(sent[i]![0]!.subarray(61, 80))).toBe(true);
    }
    expect(fdCache.evictions).toBeGreaterThan(0);
    await Promise.all(logs.map((l) => l.close()));
    const reopened = logs.map((l) => PartitionLog.open(l.dir, { segmentBytes: 1024 }));
    for (const log of reopened) expect(log.logEndOffset).toBe(180);
    await Promise.all(reopened.map((l) => l.close()));
  });
});
