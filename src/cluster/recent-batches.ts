// The latest committed batches of a partition this broker leads, kept in memory so that
// consumers at the tail are served without an index query and a ranged GET per fetch. The
// batches held are always one run of committed offsets (a batch that does not follow the
// last one starts a new run; log compaction may leave gaps in it), bounded in bytes by
// dropping the oldest.
export class RecentBatches {
  private batches: Array<{ base: number; last: number; bytes: Buffer }> = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  /** A batch just committed at base..last. */
  remember(base: number, last: number, bytes: Buffer): void {
    const tail = this.batches[this.batches.length - 1];
    if (tail !== undefined && base !== tail.last + 1) this.clear();
    this.batches.push({ base, last, bytes });
    this.size += bytes.length;
    while (this.size > this.maxBytes && this.batches.length > 1) this.size -= this.batches.shift()!.bytes.length;
  }

  /**
   * Log compaction rewrote batches (new bytes, same offsets) or removed them (null): what is
   * held follows, so tail readers see the compacted log too. A removed batch leaves a gap in
   * offsets, as it does in the log; a read in it starts at the batch before.
   */
  rewrite(changes: ReadonlyMap<number, Buffer | null>): void {
    if (changes.size === 0) return;
    const kept: typeof this.batches = [];
    for (const b of this.batches) {
      const change = changes.get(b.base);
      if (change === undefined) kept.push(b);
      else if (change !== null) kept.push({ ...b, bytes: change });
    }
    this.batches = kept;
    this.size = kept.reduce((n, b) => n + b.bytes.length, 0);
  }

  clear(): void {
    this.batches = [];
    this.size = 0;
  }

  /**
   * Whole batches from the one holding `offset`, at most about `maxBytes` (at least one), if
   * the run covers `offset`; undefined when it does not (read the index instead).
   */
  read(offset: number, maxBytes: number): Buffer[] | undefined {
    const first = this.batches[0];
    if (first === undefined || offset < first.base || offset > this.batches[this.batches.length - 1]!.last) return undefined;
    let i = this.batches.length - 1;
    while (this.batches[i]!.base > offset) i--;
    const out: Buffer[] = [];
    let bytes = 0;
    for (; i < this.batches.length; i++) {
      const b = this.batches[i]!.bytes;
      if (out.length > 0 && bytes + b.length > maxBytes) break;
      out.push(b);
      bytes += b.length;
    }
    return out;
  }
}
