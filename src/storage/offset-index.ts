// Sparse offset index of one segment: (offset relative to the segment base, byte
// position of the batch that starts at that offset). Entry layout on disk: 8 bytes,
// relOffset u32 BE then position u32 BE (Kafka's .index layout).
import { GrowableU32, lastAtOrBelow } from './growable.js';

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export interface OffsetPosition {
  relOffset: number;
  position: number;
}

export class OffsetIndex {
  private readonly rel = new GrowableU32();
  private readonly pos = new GrowableU32();

  get entries(): number {
    return this.rel.length;
  }

  /** Entries must grow strictly in both offset and position. */
  append(relOffset: number, position: number): void {
    const n = this.rel.length;
    if (n > 0 && (relOffset <= this.rel.at(n - 1) || position <= this.pos.at(n - 1))) {
      throw new RangeError(`offset index entry out of order: ${relOffset}@${position}`);
    }
    this.rel.push(relOffset);
    this.pos.push(position);
  }

  /** The last indexed batch starting at or before relTarget; {0, 0} when none is. */
  lookup(relTarget: number): OffsetPosition {
    const i = lastAtOrBelow(this.rel.length, (k) => this.rel.at(k), relTarget);
    return i < 0 ? { relOffset: 0, position: 0 } : { relOffset: this.rel.at(i), position: this.pos.at(i) };
  }

  last(): OffsetPosition | undefined {
    const n = this.rel.length;
    return n === 0 ? undefined : { relOffset: this.rel.at(n - 1), position: this.pos.at(n - 1) };
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.rel.length * OFFSET_INDEX_ENTRY_SIZE);
    for (let i = 0; i < this.rel.length; i++) {
      buf.writeUInt32BE(this.rel.at(i), i * OFFSET_INDEX_ENTRY_SIZE);
      buf.writeUInt32BE(this.pos.at(i), i * OFFSET_INDEX_ENTRY_SIZE + 4);
    }
    return buf;
  }

  /**
   * Parses an index file; undefined when it is not a plausible index for a segment of
   * `segmentSize` bytes (then the caller rebuilds it from the segment).
   */
  static fromBuffer(buf: Buffer, segmentSize: number): OffsetIndex | undefined {
    if (buf.length % OFFSET_INDEX_ENTRY_SIZE !== 0) return undefined;
    const index = new OffsetIndex();
    for (let at = 0; at < buf.length; at += OFFSET_INDEX_ENTRY_SIZE) {
      const rel = buf.readUInt32BE(at);
      const position = buf.readUInt32BE(at + 4);
      const last = index.last();
      if (position >= segmentSize) return undefined;
      if (last !== undefined && (rel <= last.relOffset || position <= last.position)) return undefined;
      if (last === undefined && position !== 0) return undefined;
      index.append(rel, position);
    }
    return index;
  }
}
