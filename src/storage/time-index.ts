// Time index of one segment: (largest timestamp seen so far, relative offset of the
// batch that starts there). Every batch before that offset has timestamps <= the entry's.
// On disk: 12 bytes, timestamp i64 BE then relOffset u32 BE (Kafka's .timeindex layout).
import { GrowableF64, GrowableU32, lastAtOrBelow } from './growable.js';

export const TIME_INDEX_ENTRY_SIZE = 12;

export class TimeIndex {
  private readonly ts = new GrowableF64();
  private readonly rel = new GrowableU32();

  get entries(): number {
    return this.ts.length;
  }

  /** The largest timestamp recorded, or -1 when empty. */
  get lastTimestamp(): number {
    return this.ts.length === 0 ? -1 : this.ts.at(this.ts.length - 1);
  }

  /** Appends only when the timestamp grows: the index stays sorted on both columns. */
  maybeAppend(timestamp: number, relOffset: number): void {
    const n = this.ts.length;
    if (n > 0 && (timestamp <= this.ts.at(n - 1) || relOffset < this.rel.at(n - 1))) return;
    this.ts.push(timestamp);
    this.rel.push(relOffset);
  }

  /**
   * Where to start scanning for the first record with timestamp >= target: the relative
   * offset of the last entry whose timestamp is below target (all batches before it are
   * older), or 0.
   */
  lookup(target: number): number {
    const i = lastAtOrBelow(this.ts.length, (k) => this.ts.at(k), target - 1);
    return i < 0 ? 0 : this.rel.at(i);
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.ts.length * TIME_INDEX_ENTRY_SIZE);
    for (let i = 0; i < this.ts.length; i++) {
      buf.writeBigInt64BE(BigInt(this.ts.at(i)), i * TIME_INDEX_ENTRY_SIZE);
      buf.writeUInt32BE(this.rel.at(i), i * TIME_INDEX_ENTRY_SIZE + 8);
    }
    return buf;
  }

  /** Parses an index file; undefined when it is not plausible for relative offsets < relEnd. */
  static fromBuffer(buf: Buffer, relEnd: number): TimeIndex | undefined {
    if (buf.length % TIME_INDEX_ENTRY_SIZE !== 0) return undefined;
    const index = new TimeIndex();
    for (let at = 0; at < buf.length; at += TIME_INDEX_ENTRY_SIZE) {
      const ts = Number(buf.readBigInt64BE(at));
      const rel = buf.readUInt32BE(at + 8);
      if (rel >= relEnd && relEnd > 0) return undefined;
      const before = index.entries;
      index.maybeAppend(ts, rel);
      if (index.entries === before) return undefined; // not strictly increasing
    }
    return index;
  }
}
