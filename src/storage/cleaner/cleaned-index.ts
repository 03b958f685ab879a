// The offset and time indexes of a cleaned file, built while the pass writes it (the same
// sparse entries Segment.indexBatch makes, and the final time entry of Segment.writeIndexes),
// and handed over in Segment.indexSnapshot's form: installing a pass then reads no file.
import { OffsetIndex } from '../offset-index.js';
import { TimeIndex } from '../time-index.js';

export class CleanedIndex {
  private readonly offsets = new OffsetIndex();
  private readonly times = new TimeIndex();
  private bytesSinceEntry = 0;
  private maxTimestamp = -1;
  private nextOffset: number;
  private lastRel = -1;

  constructor(private readonly baseOffset: number, private readonly intervalBytes: number) {
    this.nextOffset = baseOffset;
  }

  /** A batch written at `position`. */
  note(h: { baseOffset: number; lastOffsetDelta: number; maxTimestamp: number }, position: number, size: number): void {
    const rel = h.baseOffset - this.baseOffset;
    if (h.maxTimestamp > this.maxTimestamp) this.maxTimestamp = h.maxTimestamp;
    if (position === 0 || this.bytesSinceEntry >= this.intervalBytes) {
      this.offsets.append(rel, position);
      this.times.maybeAppend(this.maxTimestamp, rel);
      this.bytesSinceEntry = 0;
    }
    this.bytesSinceEntry += size;
    this.nextOffset = h.baseOffset + h.lastOffsetDelta + 1;
    this.lastRel = rel;
  }

  /** Segment.indexSnapshot's layout: [nextOffset, maxTimestamp, bytesSinceIndexEntry, offset-index bytes] as float64, the offset index, the time index. */
  snapshot(): Uint8Array {
    if (this.lastRel >= 0) this.times.maybeAppend(this.maxTimestamp, this.lastRel);
    const offsets = this.offsets.toBuffer();
    const times = this.times.toBuffer();
    const out = new Uint8Array(32 + offsets.length + times.length);
    const head = new DataView(out.buffer);
    head.setFloat64(0, this.nextOffset);
    head.setFloat64(8, this.maxTimestamp);
    head.setFloat64(16, this.bytesSinceEntry);
    head.setFloat64(24, offsets.length);
    out.set(offsets, 32);
    out.set(times, 32 + offsets.length);
    return out;
  }
}
