// One cleaning pass over a compacted partition's closed segments, reading them and
// writing the cleaned copies beside them (`<base>.<end>.cleaned`); it changes nothing the
// log serves. The owner of the log installs the result (cleaner-swap.ts) if the segments
// are still as they were. Pure file work, so it runs wherever there is CPU to spare: a
// CPU pool thread in threaded mode, the main thread in --inline mode, where it yields to
// the event loop after every SLICE_MS of work (a produce waits at most about that long).
//
// What a pass keeps (Kafka's LogCleaner): of every key whose latest record lies in the
// cleanable dirty part, only that record; tombstones until `deleteRetentionMs` after they
// were written; the last batch of each idempotent producer in a segment group, emptied
// if need be, so producer state survives. Offsets never change. Transactions: only
// segments below the last stable offset are cleaned; records of aborted transactions are
// removed and never count as a key's latest record; a transaction marker goes once no record
// of its transaction is left before it and it is older than delete.retention.ms (Kafka's
// rule), unless it is its producer's last batch.
import { closeSync, fsync, openSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CONTROL_FLAG, readBatchHeader, TRANSACTIONAL_FLAG, type BatchHeader } from '../../protocol/records/batch-layout.js';
import { walkBatches } from '../batch-walk.js';
import { writeAllAt } from '../file-io.js';
import { logFileName, segmentBaseName } from '../names.js';
import { crashPoint } from './cleaner-swap.js';
import { rebuildBatch, walkBatchRecords, type CleanerRecord } from './batch-filter.js';
import { OffsetMap } from './offset-map.js';
import { CleanedIndex } from './cleaned-index.js';

export interface CleanerSegment {
  baseOffset: number;
  size: number;
  maxTimestamp: number;
  /** The base offset of the segment after it (one always follows: the active segment). */
  nextBase: number;
}

export interface CleanPassInput {
  dir: string;
  /** The closed, flushed segments, oldest first. */
  segments: CleanerSegment[];
  /** Offsets below this were cleaned before (the cleaner checkpoint). */
  firstDirty: number;
  now: number;
  segmentBytes: number;
  deleteRetentionMs: number;
  minCompactionLagMs: number;
  /** How large a batch's records may decompress to (max.message.bytes). */
  maxRecordsBytes: number;
  maxKeys: number;
  /** Bytes read plus written per second; 0: unthrottled. */
  ioBytesPerSecond: number;
  /** index.interval.bytes of the log. */
  indexIntervalBytes: number;
  /** Aborted transactions in the segments (their records are removed). */
  aborted: ReadonlyArray<{ producerId: number; firstOffset: number; lastOffset: number }>;
}

/** A batch a pass must not treat as records: a marker (kept as is) or aborted data (dropped). */
function transactionalRole(h: BatchHeader, aborted: CleanPassInput['aborted']): 'marker' | 'aborted' | 'data' {
  if ((h.attributes & CONTROL_FLAG) !== 0) return 'marker';
  if ((h.attributes & TRANSACTIONAL_FLAG) === 0) return 'data';
  const pid = Number(h.producerId);
  return aborted.some((a) => a.producerId === pid && a.firstOffset <= h.baseOffset && h.baseOffset <= a.lastOffset) ? 'aborted' : 'data';
}

/** One run of consecutive old segments replaced by one cleaned file. */
export interface CleanedGroup {
  base: number;
  /** The offset after the group: the base of the segment that follows it. */
  end: number;
  /** The segments it replaces, with the sizes they had when read. */
  replaced: Array<{ baseOffset: number; size: number }>;
  /** The cleaned file's name in the partition directory. */
  file: string;
  size: number;
  /** Its indexes in Segment.indexSnapshot form, base64 (cleaned-index.ts). */
  index: string;
}

export interface CleanPlan {
  groups: CleanedGroup[];
  /** The new cleaner checkpoint: every key's latest record below it is known. */
  cleanedUpTo: number;
  bytesRead: number;
  bytesWritten: number;
  recordsRemoved: number;
  /** Bytes of the segments the pass rewrote (the log size it cleaned). */
  bytesCleaned: number;
}

const SLICE_MS = 2;
const MAX_RELATIVE_OFFSET = 2 ** 31 - 1;
const WRITE_BUFFER_BYTES = 1 << 20;

export function cleanedFileName(base: number, end: number): string {
  return `${segmentBaseName(base)}.${segmentBaseName(end)}.cleaned`;
}

/** Yields to the event loop every SLICE_MS of work and holds the pass to its I/O budget. */
class Pacer {
  private sliceStart = performance.now();
  private total = 0;
  private readonly started = performance.now();

  constructor(private readonly bytesPerSecond: number) {}

  async spent(bytes: number): Promise<void> {
    this.total += bytes;
    const now = performance.now();
    const due = this.bytesPerSecond > 0 ? (this.total / this.bytesPerSecond) * 1000 - (now - this.started) : 0;
    if (now - this.sliceStart < SLICE_MS && due <= 1) return;
    await new Promise((resolve) => (due > 1 ? setTimeout(resolve, due) : setImmediate(resolve)));
    this.sliceStart = performance.now();
  }
}

/** The dirty segments this pass may take: old enough (min.compaction.lag.ms), as many as the map holds. */
async function buildOffsetMap(input: CleanPassInput, pacer: Pacer, stats: { bytesRead: number }): Promise<{ map: OffsetMap; cleanEnd: number }> {
  const map = new OffsetMap();
  let cleanEnd = input.firstDirty;
  for (const seg of input.segments) {
    if (seg.nextBase <= input.firstDirty) continue;
    if (seg.maxTimestamp > input.now - input.minCompactionLagMs) break;
    if (map.size >= input.maxKeys && cleanEnd > input.firstDirty) break;
    const fd = openSync(join(input.dir, logFileName(seg.baseOffset)), 'r');
    try {
      for (const b of walkBatches(fd, 0, seg.size)) {
        if (!b.complete) break;
        if (transactionalRole(readBatchHeader(b.bytes), input.aborted) === 'data') {
          for (const r of walkBatchRecords(b.bytes, input.maxRecordsBytes).list) if (r.key !== null) map.put(r.key, r.offset);
        }
        stats.bytesRead += b.bytes.length;
        await pacer.spent(b.bytes.length);
      }
    } finally {
      closeSync(fd);
    }
    cleanEnd = seg.nextBase;
  }
  return { map, cleanEnd };
}

/** Consecutive segments whose sizes add up to at most segment.bytes (and whose offsets fit a segment). */
function groupBySize(segments: readonly CleanerSegment[], segmentBytes: number): CleanerSegment[][] {
  const groups: CleanerSegment[][] = [];
  let current: CleanerSegment[] = [];
  let bytes = 0;
  for (const seg of segments) {
    const first = current[0];
    if (first !== undefined && (bytes + seg.size > segmentBytes || seg.nextBase - first.baseOffset > MAX_RELATIVE_OFFSET)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(seg);
    bytes += seg.size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Buffered appends to the cleaned file. */
class CleanedWriter {
  private readonly fd: number;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private closed = false;
  size = 0;
  readonly index: CleanedIndex;

  constructor(readonly path: string, base: number, indexIntervalBytes: number) {
    this.fd = openSync(path, 'w');
    this.index = new CleanedIndex(base, indexIntervalBytes);
  }

  write(batch: Buffer): void {
    this.index.note(readBatchHeader(batch), this.size + this.bufferedBytes, batch.length);
    this.buffered.push(batch);
    this.bufferedBytes += batch.length;
    if (this.bufferedBytes >= WRITE_BUFFER_BYTES) this.flushBuffer();
  }

  private flushBuffer(): void {
    if (this.bufferedBytes === 0) return;
    writeAllAt(this.fd, Buffer.concat(this.buffered, this.bufferedBytes), this.size);
    this.size += this.bufferedBytes;
    this.buffered = [];
    this.bufferedBytes = 0;
  }

  /** Everything on disk and the file closed; the fsync runs off the event loop (it may take long on a big file). */
  async finish(): Promise<void> {
    try {
      this.flushBuffer();
      await new Promise<void>((resolve, reject) => fsync(this.fd, (err) => (err ? reject(err) : resolve())));
    } finally {
      this.close();
    }
  }

  /** Closes the descriptor once (a number closed twice could by then name another file). */
  private close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  abandon(): void {
    this.close();
    try {
      unlinkSync(this.path);
    } catch {
      // never created or already gone
    }
  }
}

/** The last batch (base offset) of each idempotent producer in a group of segments. */
async function lastBatchPerProducer(dir: string, group: readonly CleanerSegment[], pacer: Pacer, stats: { bytesRead: number }): Promise<Map<bigint, number>> {
  const last = new Map<bigint, number>();
  for (const seg of group) {
    const fd = openSync(join(dir, logFileName(seg.baseOffset)), 'r');
    try {
      for (const b of walkBatches(fd, 0, seg.size)) {
        if (!b.complete) break;
        const h = readBatchHeader(b.bytes);
        if (h.producerId >= 0n) last.set(h.producerId, h.baseOffset);
        stats.bytesRead += b.bytes.length;
        await pacer.spent(b.bytes.length);
      }
    } finally {
      closeSync(fd);
    }
  }
  return last;
}

/** Runs a pass; resolves with what to install (no groups: nothing worth rewriting). */
export async function runCleanPass(input: CleanPassInput): Promise<CleanPlan> {
  const pacer = new Pacer(input.ioBytesPerSecond);
  const stats = { bytesRead: 0, bytesWritten: 0, recordsRemoved: 0 };
  const { map, cleanEnd } = await buildOffsetMap(input, pacer, stats);
  const plan: CleanPlan = { groups: [], cleanedUpTo: cleanEnd, bytesRead: 0, bytesWritten: 0, recordsRemoved: 0, bytesCleaned: 0 };
  if (cleanEnd <= input.firstDirty) return { ...plan, cleanedUpTo: input.firstDirty, bytesRead: stats.bytesRead };
  const horizon = input.now - input.deleteRetentionMs;
  const range = input.segments.filter((s) => s.nextBase <= cleanEnd);
  plan.bytesCleaned = range.reduce((n, s) => n + s.size, 0);
  const writers: CleanedWriter[] = [];
  // Producers whose current transaction still has records in the cleaned log (walked in offset order).
  const transactionHasRecords = new Set<bigint>();
  try {
    for (const group of groupBySize(range, input.segmentBytes)) {
      const base = group[0]!.baseOffset;
      const end = group[group.length - 1]!.nextBase;
      const producers = await lastBatchPerProducer(input.dir, group, pacer, stats);
      const writer = new CleanedWriter(join(input.dir, cleanedFileName(base, end)), base, input.indexIntervalBytes);
      writers.push(writer);
      let changed = group.length > 1;
      for (const seg of group) {
        const fd = openSync(join(input.dir, logFileName(seg.baseOffset)), 'r');
        try {
          for (const b of walkBatches(fd, 0, seg.size)) {
            if (!b.complete) break;
            const header = readBatchHeader(b.bytes);
            const role = transactionalRole(header, input.aborted);
            if (role === 'marker') {
              const useless = !transactionHasRecords.has(header.producerId) && header.maxTimestamp < horizon && producers.get(header.producerId) !== header.baseOffset;
              transactionHasRecords.delete(header.producerId);
              stats.bytesRead += b.bytes.length;
              if (useless) {
                changed = true;
                stats.recordsRemoved += 1;
                await pacer.spent(b.bytes.length);
                continue;
              }
              writer.write(b.bytes);
              stats.bytesWritten += b.bytes.length;
              await pacer.spent(b.bytes.length * 2);
              continue;
            }
            const walked = walkBatchRecords(b.bytes, input.maxRecordsBytes);
            const expiredTombstones = walked.header.maxTimestamp < horizon;
            const kept: CleanerRecord[] = role === 'aborted' ? [] : walked.list.filter((r) => {
              if (r.key === null) return true; // written before the topic turned compacted: Kafka keeps them too
              if (map.get(r.key) > r.offset) return false; // a later record of the key exists
              return !(r.tombstone && expiredTombstones);
            });
            const removed = walked.list.length - kept.length;
            if (kept.length > 0 && (header.attributes & TRANSACTIONAL_FLAG) !== 0) transactionHasRecords.add(header.producerId);
            stats.bytesRead += b.bytes.length;
            if (removed > 0) {
              changed = true;
              stats.recordsRemoved += removed;
            }
            const keepEmpty = walked.header.producerId >= 0n && producers.get(walked.header.producerId) === walked.header.baseOffset;
            let written = 0;
            if (kept.length > 0 || keepEmpty) {
              const out = rebuildBatch(b.bytes, walked, kept);
              // A view into the walk's window is safe to hold: each window is a fresh buffer.
              writer.write(out);
              written = out.length;
              stats.bytesWritten += written;
            }
            await pacer.spent(b.bytes.length + written);
          }
        } finally {
          closeSync(fd);
        }
      }
      await writer.finish();
      if (!changed) {
        writer.abandon();
        writers.pop();
        continue;
      }
      crashPoint('cleaned-written');
      plan.groups.push({
        base, end, replaced: group.map((s) => ({ baseOffset: s.baseOffset, size: s.size })), file: cleanedFileName(base, end), size: writer.size,
        index: Buffer.from(writer.index.snapshot()).toString('base64'),
      });
    }
  } catch (err) {
    for (const w of writers) w.abandon();
    throw err;
  }
  return { ...plan, bytesRead: stats.bytesRead, bytesWritten: stats.bytesWritten, recordsRemoved: stats.recordsRemoved };
}
