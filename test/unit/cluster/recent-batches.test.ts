// The tail cache of a led partition: one contiguous run of committed batches, bounded in
// bytes, answering only reads it fully covers from their first batch.
import { describe, expect, it } from 'vitest';
import { RecentBatches } from '../../../src/cluster/recent-batches.js';

const b = (label: string, size = 10) => Buffer.alloc(size, label);

describe('RecentBatches', () => {
  it('serves reads inside its run, whole batches within the budget (at least one), and nothing outside', () => {
    const r = new RecentBatches(100);
    expect(r.read(0, 100)).toBeUndefined();
    r.remember(10, 12, b('a'));
    r.remember(13, 13, b('b'));
    r.remember(14, 19, b('c'));
    expect(r.read(9, 100)).toBeUndefined();
    expect(r.read(20, 100)).toBeUndefined();
    expect(r.read(11, 100)!.map((x) => x.toString()[0])).toEqual(['a', 'b', 'c']);
    expect(r.read(13, 100)!.map((x) => x.toString()[0])).toEqual(['b', 'c']);
    expect(r.read(15, 5)!.map((x) => x.toString()[0])).toEqual(['c']);
    expect(r.read(10, 15)!.map((x) => x.toString()[0])).toEqual(['a']);
  });

  it('drops the oldest past its size, and starts a new run when a batch does not follow', () => {
    const r = new RecentBatches(25);
    r.remember(0, 0, b('a'));
    r.remember(1, 1, b('b'));
    r.remember(2, 2, b('c'));
    expect(r.read(0, 100)).toBeUndefined();
    expect(r.read(1, 100)!.length).toBe(2);
    // Offsets 3-4 were committed elsewhere (not remembered): the run restarts at 5.
    r.remember(5, 5, b('d'));
    expect(r.read(2, 100)).toBeUndefined();
    expect(r.read(5, 100)!.map((x) => x.toString()[0])).toEqual(['d']);
  });

  it('follows log compaction: rewritten batches are served compacted, removed ones leave a gap', () => {
    const r = new RecentBatches(100);
    r.remember(0, 1, b('a'));
    r.remember(2, 2, b('b'));
    r.remember(3, 4, b('c'));
    r.rewrite(new Map<number, Buffer | null>([[0, Buffer.from('A')], [2, null]]));
    expect(r.read(0, 100)!.map((x) => x.toString())).toEqual(['A', 'c'.repeat(10)]);
    // An offset in the removed batch: from the batch before (its records below are skipped by clients).
    expect(r.read(2, 100)!.map((x) => x.toString()[0])).toEqual(['A', 'c']);
    r.remember(5, 5, b('d'));
    expect(r.read(5, 100)!.map((x) => x.toString()[0])).toEqual(['d']);
  });
});
