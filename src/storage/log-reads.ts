// Reads over a list of segments, shared by the writer's PartitionLog and the main
// thread's read-only LogView (threaded mode): whole batches below a high watermark,
// and timestamp lookups. Nothing here writes.
import { readFile } from 'node:fs/promises';
import { KafkaError } from '../errors.js';
import { BatchField, LOG_OVERHEAD } from '../protocol/records/batch-layout.js';
import { firstRecordAtOrAfter, type OffsetAndTimestamp } from '../protocol/records/record-scan.js';
import { walkBatches } from './batch-walk.js';
import type { Segment } from './segment.js';

/** A rolled segment: what the tier uploads and retention deletes. */
export interface ClosedSegment {
  baseOffset: number;
  nextOffset: number;
  size: number;
  maxTimestamp: number;
  logPath: string;
  offsetIndexPath: string;
  timeIndexPath: string;
  /** fdatasynced since its last write: safe to upload. */
  flushed: boolean;
  /** The base offset of the segment after it (above nextOffset when the cleaner dropped the last batches). */
  nextBase: number;
}

export interface ReadResult {
  /** Whole batches, in order, as stored. */
  chunks: Buffer[];
  bytes: number;
  highWatermark: number;
  logStartOffset: number;
  /** The offset after the last batch read (the requested offset when none was). */
  nextOffset: number;
}

const EMPTY = Buffer.alloc(0);

export function segmentIndexFor(segments: readonly Segment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segments[mid]!.baseOffset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Whole batches from the one holding `offset`, up to `maxBytes` (but always at least
 * one batch, as Kafka does, so a large batch cannot stall a consumer).
 */
export function readBatches(segments: readonly Segment[], offset: number, maxBytes: number, hw: number, limit = hw): ReadResult {
  const start = segments[0]!.baseOffset;
  if (offset < start || offset > hw) {
    throw new KafkaError('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside [${start}, ${hw}]`);
  }
  // Batches from `limit` on stay unread (read_committed stops at the last stable offset).
  hw = Math.min(hw, limit);
  const chunks: Buffer[] = [];
  let bytes = 0;
  let next = offset;
  let i = segmentIndexFor(segments, offset);
  while (next < hw && i < segments.length) {
    const seg = segments[i]!;
    const position = seg.findBatchPosition(next);
    if (position >= 0) {
      const budget = Math.max(maxBytes - bytes, 0);
      const chunk = readWholeBatches(seg, position, budget, chunks.length === 0, hw);
      if (chunk.buf.length > 0) {
        chunks.push(chunk.buf);
        bytes += chunk.buf.length;
        next = chunk.nextOffset;
      }
      if (chunk.stopped) break;
    }
    i++;
  }
  return { chunks, bytes, highWatermark: hw, logStartOffset: start, nextOffset: next };
}

/**
 * Reads whole batches of one segment from `position` within `budget` bytes (the first
 * batch regardless when `mustTakeOne`). `stopped` says the read must not go on to the
 * next segment: the budget is spent or the high watermark reached.
 */
function readWholeBatches(seg: Segment, position: number, budget: number, mustTakeOne: boolean, hw: number): { buf: Buffer; nextOffset: number; stopped: boolean } {
  const head = seg.read(position, LOG_OVERHEAD);
  if (head.length < LOG_OVERHEAD) return { buf: EMPTY, nextOffset: -1, stopped: false };
  const firstSize = head.readInt32BE(BatchField.BATCH_LENGTH) + LOG_OVERHEAD;
  if (firstSize > budget && !mustTakeOne) return { buf: EMPTY, nextOffset: -1, stopped: true };
  const raw = seg.read(position, Math.max(budget, firstSize));
  let end = 0;
  let nextOffset = -1;
  while (end + LOG_OVERHEAD <= raw.length) {
    const size = raw.readInt32BE(end + BatchField.BATCH_LENGTH) + LOG_OVERHEAD;
    const base = Number(raw.readBigInt64BE(end + BatchField.BASE_OFFSET));
    if (base >= hw || end + size > raw.length) return { buf: raw.subarray(0, end), nextOffset, stopped: true };
    nextOffset = base + raw.readInt32BE(end + BatchField.LAST_OFFSET_DELTA) + 1;
    end += size;
  }
  return { buf: raw.subarray(0, end), nextOffset, stopped: position + end < seg.size };
}

/** The first record with timestamp >= `timestamp`, with its timestamp (below `hw`). */
export function recordForTimestampIn(segments: readonly Segment[], timestamp: number, hw: number): OffsetAndTimestamp | undefined {
  for (const seg of segments) {
    if (seg.maxTimestamp < timestamp) continue;
    const rel = seg.timeIndex.lookup(timestamp);
    const from = seg.offsetIndex.lookup(rel).position;
    for (const b of walkBatches(seg.fd, from, seg.size)) {
      if (!b.complete) break;
      const base = Number(b.bytes.readBigInt64BE(BatchField.BASE_OFFSET));
      if (base >= hw) return undefined;
      const found = firstRecordAtOrAfter(b.bytes, timestamp);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Bytes of batches stored in `segments`. */
export function totalSize(segments: readonly Segment[]): number {
  return segments.reduce((n, s) => n + s.size, 0);
}

/** Every segment but the active one, oldest first; `flushed` says which are on disk. */
export function closedSegmentsOf(segments: readonly Segment[], flushed: (s: Segment) => boolean): ClosedSegment[] {
  return segments.slice(0, -1).map((s, i) => ({
    baseOffset: s.baseOffset, nextOffset: s.nextOffset, size: s.size, maxTimestamp: s.maxTimestamp,
    logPath: s.logPath, offsetIndexPath: s.offsetIndexPath, timeIndexPath: s.timeIndexPath,
    flushed: flushed(s), nextBase: segments[i + 1]!.baseOffset,
  }));
}

/** The record with the largest timestamp (ListOffsets MAX_TIMESTAMP), the first if tied. */
export function maxTimestampRecordIn(segments: readonly Segment[], hw: number): OffsetAndTimestamp | undefined {
  let best = -1;
  for (const seg of segments) best = Math.max(best, seg.maxTimestamp);
  return best < 0 ? undefined : recordForTimestampIn(segments, best, hw);
}

/** A closed segment's files as they are on disk (what the tier uploads); a missing index reads as empty. */
export async function readClosedSegment(seg: ClosedSegment): Promise<{ log: Buffer; offsetIndex: Buffer; timeIndex: Buffer }> {
  const log = await readFile(seg.logPath);
  if (log.length !== seg.size) throw new Error(`segment ${seg.logPath} changed while being read (${log.length} of ${seg.size} bytes)`);
  const [offsetIndex, timeIndex] = await Promise.all([seg.offsetIndexPath, seg.timeIndexPath].map((p) => readFile(p).catch(() => Buffer.alloc(0))));
  return { log, offsetIndex: offsetIndex!, timeIndex: timeIndex! };
}
