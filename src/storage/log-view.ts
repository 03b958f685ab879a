// The main thread's read-only view of a partition log that a log writer thread owns
// (threaded mode). It opens the same segment files for reading and learns of every
// acknowledged append from the writer's completion (segment, position, size), so fetches
// read committed data straight from the files without asking the writer. It never sees
// a batch before the writer has made it visible, so a half-written or unacknowledged
// batch can never be read through it.
import { KafkaError } from '../errors.js';
import type { OffsetAndTimestamp } from '../protocol/records/record-scan.js';
import { closedSegmentsOf, maxTimestampRecordIn, readBatches, recordForTimestampIn, totalSize, type ReadResult } from './log-reads.js';
import type { ClosedSegment, Placement } from './partition-log.js';
import { Segment } from './segment.js';

/** What fetch, ListOffsets, metrics, the admin API and the tier read from a partition log. */
export interface ReadableLog {
  /** The partition's directory. */
  readonly dir: string;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly highWatermark: number;
  readonly sizeBytes: number;
  readonly segmentCount: number;
  /** Whole batches from `offset` below the high watermark (and below `limit`, the last stable offset for read_committed). */
  read(offset: number, maxBytes: number, limit?: number): ReadResult;
  recordForTimestamp(timestamp: number): OffsetAndTimestamp | undefined;
  maxTimestampRecord(): OffsetAndTimestamp | undefined;
  closedSegments(): ClosedSegment[];
}

/** The writer's visible state, sent with completions and after seals and retention. */
export interface WriterLogState {
  highWatermark: number;
  logStartOffset: number;
  /** Every offset below this is fdatasynced. */
  flushedOffset: number;
  /** The last stable offset (transactions); the partition keeps it, the view ignores it. */
  lastStableOffset?: number;
}

/** Runs `step`; on failure closes every segment opened so far and rethrows. */
function closingOnError(segments: Segment[], step: () => void): void {
  try {
    step();
  } catch (err) {
    for (const seg of segments) seg.close();
    throw err;
  }
}

/** Opens each reported segment read-only and loads its index files; `stale` lists those whose files were missing or implausible. */
function openReadOnly(dir: string, sizes: ReadonlyArray<{ baseOffset: number; size: number }>, indexIntervalBytes: number): { segments: Segment[]; stale: Segment[] } {
  const segments: Segment[] = [];
  const stale: Segment[] = [];
  closingOnError(segments, () => {
    for (const { baseOffset, size } of sizes) {
      const seg = Segment.openReadOnly(dir, baseOffset, size, indexIntervalBytes);
      segments.push(seg);
      if (!seg.loadIndexes()) stale.push(seg);
    }
  });
  return { segments, stale };
}

export class LogView implements ReadableLog {
  private hw: number;
  private flushed: number;
  /** Set while the owning writer is being replaced: reads fail with a retriable error. */
  offline = false;

  private constructor(readonly dir: string, private segments: Segment[], private readonly indexIntervalBytes: number, state: WriterLogState) {
    this.hw = state.highWatermark;
    this.flushed = state.flushedOffset;
  }

  /** Opens the segments the writer reported (bases and sizes), loading or rebuilding their indexes. */
  static open(dir: string, sizes: ReadonlyArray<{ baseOffset: number; size: number }>, indexIntervalBytes: number, state: WriterLogState): LogView {
    const { segments, stale } = openReadOnly(dir, sizes, indexIntervalBytes);
    closingOnError(segments, () => {
      for (const seg of stale) seg.rebuildFromFile(seg.size);
    });
    return new LogView(dir, segments, indexIntervalBytes, state);
  }

  /**
   * The same, with segments whose index files are missing or stale rebuilt by `rebuild`
   * (the CPU pool: a scan of the whole segment that must not block the main thread).
   */
  static async openWith(
    dir: string,
    sizes: ReadonlyArray<{ baseOffset: number; size: number }>,
    indexIntervalBytes: number,
    state: WriterLogState,
    rebuild: (dir: string, baseOffset: number, size: number, indexIntervalBytes: number) => Promise<Uint8Array>,
  ): Promise<LogView> {
    const { segments, stale } = openReadOnly(dir, sizes, indexIntervalBytes);
    try {
      for (const seg of stale) seg.adoptIndexSnapshot(await rebuild(dir, seg.baseOffset, seg.size, indexIntervalBytes));
    } catch (err) {
      for (const seg of segments) seg.close();
      throw err;
    }
    return new LogView(dir, segments, indexIntervalBytes, state);
  }

  get logStartOffset(): number {
    return this.segments[0]!.baseOffset;
  }

  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  get highWatermark(): number {
    return this.hw;
  }

  get sizeBytes(): number {
    return totalSize(this.segments);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Indexes a batch the writer appended and made visible. */
  applyAppend(p: Placement, baseOffset: number, lastOffset: number, state: WriterLogState): void {
    let seg = this.active;
    if (p.segmentBase > seg.baseOffset) {
      // The writer rolled: the new segment's file exists before its first batch is acknowledged.
      seg = Segment.openReadOnly(this.dir, p.segmentBase, 0, this.indexIntervalBytes);
      this.segments.push(seg);
    }
    if (p.segmentBase === seg.baseOffset && p.position === seg.size) {
      seg.noteAppended({ baseOffset, lastOffset, maxTimestamp: p.maxTimestamp }, p.position, p.size);
    } else if (p.segmentBase === seg.baseOffset && p.position + p.size > seg.size) {
      // Completions arrive in offset order, so this should not happen; if it does, the
      // file itself says where the batches are.
      seg.rebuildFromFile(p.position + p.size);
    }
    this.applyState(state);
  }

  /** Moves the high watermark and log start; drops segments the writer deleted. */
  applyState(state: WriterLogState): void {
    this.hw = Math.max(this.hw, state.highWatermark);
    this.flushed = state.flushedOffset;
    while (this.segments.length > 1 && this.segments[1]!.baseOffset <= state.logStartOffset) {
      // The file may already be unlinked; a read in progress still had its descriptor.
      this.segments.shift()!.close();
    }
  }

  /**
   * Keeps the given segments' descriptors open (reopening any the cache closed) until
   * replaceSegments: while the writer swaps cleaned files in under the same names, a read
   * through this view must still see the old files, never the new ones at old positions.
   */
  holdOpen(bases: readonly number[]): void {
    for (const seg of this.segments) {
      if (!bases.includes(seg.baseOffset)) continue;
      void seg.fd;
      seg.pin();
    }
  }

  /**
   * The writer installed cleaned segments: each group's old segments give way to the new
   * file (never the active segment, so appends indexed meanwhile are unaffected).
   */
  replaceSegments(groups: ReadonlyArray<{ base: number; replaced: readonly number[]; size: number; index: string }>): void {
    for (const g of groups) {
      const at = this.segments.findIndex((s) => s.baseOffset === g.base);
      if (at < 0) continue;
      const fresh = Segment.openReadOnly(this.dir, g.base, g.size, this.indexIntervalBytes);
      fresh.adoptIndexSnapshot(Buffer.from(g.index, 'base64'));
      const old = this.segments.splice(at, g.replaced.length, fresh);
      for (const s of old) {
        s.unpin();
        s.close();
      }
    }
  }

  /** Undoes holdOpen when the writer did not install. */
  release(bases: readonly number[]): void {
    for (const seg of this.segments) if (bases.includes(seg.baseOffset) && seg.pinned) seg.unpin();
  }

  private checkOnline(): void {
    if (this.offline) throw new KafkaError('KAFKA_STORAGE_ERROR', `${this.dir} is being recovered after its log writer stopped; retry`);
  }

  read(offset: number, maxBytes: number, limit?: number): ReadResult {
    this.checkOnline();
    return readBatches(this.segments, offset, maxBytes, this.hw, limit);
  }

  recordForTimestamp(timestamp: number): OffsetAndTimestamp | undefined {
    this.checkOnline();
    return recordForTimestampIn(this.segments, timestamp, this.hw);
  }

  maxTimestampRecord(): OffsetAndTimestamp | undefined {
    this.checkOnline();
    return maxTimestampRecordIn(this.segments, this.hw);
  }

  closedSegments(): ClosedSegment[] {
    return closedSegmentsOf(this.segments, (s) => s.nextOffset <= this.flushed);
  }

  close(): void {
    this.offline = true;
    for (const s of this.segments) s.close();
  }
}
