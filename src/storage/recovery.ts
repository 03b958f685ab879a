// Opening a log directory: find the segments, trust what a clean shutdown or the
// recovery point vouches for, and scan the rest batch by batch. The log is cut at the
// first batch whose framing, CRC or offset is wrong; later segments go with it. Offsets
// are contiguous, except in a log the cleaner has rewritten (it has a cleaner checkpoint):
// there they only grow, but may skip (whole batches dropped), and a cleaned batch may
// hold fewer records than its offset span (or none).
import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { hot } from '../native/index.js';
import { BatchStatus, readBatchHeader } from '../protocol/records/batch-layout.js';
import type { Logger } from '../logger.js';
import { walkBatches } from './batch-walk.js';
import { CLEANER_CHECKPOINT_FILE, CLEAN_SHUTDOWN_FILE, RECOVERY_POINT_FILE, parseLogFileName } from './names.js';
import { Segment } from './segment.js';
import { fsyncDir } from './dir-sync.js';
import { completeInterruptedSwap } from './cleaner/cleaner-swap.js';

export interface RecoveryReport {
  /** True when the last shutdown was clean and nothing was scanned. */
  clean: boolean;
  segmentsScanned: number;
  batchesScanned: number;
  /** Bytes removed from the end of the log (torn tail, corruption and what followed). */
  truncatedBytes: number;
  /** Whole batches removed (framed batches after the cut; a torn tail counts as none). */
  truncatedBatches: number;
  /** Segments whose index files were missing or stale and were rebuilt. */
  indexesRebuilt: number;
  /** Why the log was cut, when it was. */
  cutReason?: string;
  durationMs: number;
}

const MAX_VALIDATED_BATCH = 2 ** 31 - 1;

export function readRecoveryPoint(dir: string): number {
  try {
    const n = Number(readFileSync(join(dir, RECOVERY_POINT_FILE), 'utf8').trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** Removes the clean-shutdown marker durably, so a crash from now on is seen as one. */
export function consumeCleanMarker(dir: string): boolean {
  const path = join(dir, CLEAN_SHUTDOWN_FILE);
  if (!existsSync(path)) return false;
  unlinkSync(path);
  fsyncDir(dir);
  return true;
}

export function listSegmentBases(dir: string): number[] {
  return readdirSync(dir)
    .map(parseLogFileName)
    .filter((b): b is number => b !== undefined)
    .sort((a, b) => a - b);
}

interface ScanResult {
  /** Position of the first bad batch, or undefined when the whole file is good. */
  cutAt?: number;
  reason?: string;
  batches: number;
  batchesAfterCut: number;
}

/**
 * The record count of a batch the cleaner rewrote: at most its offset span, possibly none.
 * checkBatch answers BAD_RECORD_COUNT only after the framing and the CRC passed.
 */
function isCleanedCount(h: { recordCount: number; lastOffsetDelta: number }): boolean {
  return h.recordCount >= 0 && h.recordCount <= h.lastOffsetDelta + 1;
}

/** Validates every batch of a segment (framing, CRC, offsets continuing from `expected`). */
function scanSegment(seg: Segment, fileSize: number, expected: number, cleaned: boolean): ScanResult {
  let batches = 0;
  let next = expected;
  for (const b of walkBatches(seg.fd, 0, fileSize)) {
    if (!b.complete) {
      return { cutAt: b.position, reason: `torn batch at position ${b.position}`, batches, batchesAfterCut: 0 };
    }
    const status = hot.checkBatch(b.bytes, MAX_VALIDATED_BATCH);
    const h = readBatchHeader(b.bytes);
    let reason: string | undefined;
    if (status !== BatchStatus.OK && !(cleaned && status === BatchStatus.BAD_RECORD_COUNT && isCleanedCount(h))) reason = `batch check failed (status ${status}) at position ${b.position}`;
    else if (cleaned ? h.baseOffset < next : h.baseOffset !== next) reason = `offset ${h.baseOffset} where ${cleaned ? 'at least ' : ''}${next} was expected at position ${b.position}`;
    if (reason !== undefined) {
      return { cutAt: b.position, reason, batches, batchesAfterCut: countFramed(seg, b.position + Math.max(h.size, 1), fileSize) };
    }
    batches++;
    next = h.baseOffset + h.lastOffsetDelta + 1;
  }
  return { batches, batchesAfterCut: 0 };
}

/** Best-effort count of framed batches in a region (for the report only). */
function countFramed(seg: Segment, from: number, end: number): number {
  let n = 0;
  if (from >= end) return 0;
  for (const b of walkBatches(seg.fd, from, end)) if (b.complete) n++;
  return n;
}

/** Index files are an optimisation: failing to write them (a full disk) is not fatal. */
function persistIndexes(seg: Segment, logger: Logger): void {
  try {
    seg.writeIndexes();
  } catch (err) {
    logger.warn({ err, segment: seg.logPath }, 'could not write rebuilt index files');
  }
}

export interface OpenedSegments {
  segments: Segment[];
  report: RecoveryReport;
}

/**
 * Opens every segment of `dir`. `clean` says the marker was found. Segments from the
 * recovery point on are scanned after an unclean shutdown; earlier ones load their
 * index files (rebuilt when missing or implausible).
 */
export function openSegments(dir: string, clean: boolean, indexIntervalBytes: number, logger: Logger): OpenedSegments {
  const started = performance.now();
  const recoveryPoint = clean ? Number.POSITIVE_INFINITY : readRecoveryPoint(dir);
  const report: RecoveryReport = {
    clean, segmentsScanned: 0, batchesScanned: 0, truncatedBytes: 0, truncatedBatches: 0, indexesRebuilt: 0, durationMs: 0,
  };
  completeInterruptedSwap(dir, logger);
  const cleaned = existsSync(join(dir, CLEANER_CHECKPOINT_FILE));
  const bases = listSegmentBases(dir);
  const segments: Segment[] = [];
  let cut = false;
  for (const base of bases) {
    const seg = Segment.open(dir, base, indexIntervalBytes);
    if (cut) {
      // Everything after a cut goes: offsets must stay contiguous.
      report.truncatedBytes += seg.size;
      report.truncatedBatches += countFramed(seg, 0, seg.size);
      seg.delete();
      continue;
    }
    const prev = segments[segments.length - 1];
    if (prev !== undefined && (cleaned ? prev.nextOffset > base : prev.nextOffset !== base)) {
      // Offsets must continue across segments (in a cleaned log, at least not go back).
      cut = true;
      report.cutReason = `segment ${base} does not continue at ${prev.nextOffset}`;
      report.truncatedBytes += seg.size;
      report.truncatedBatches += countFramed(seg, 0, seg.size);
      seg.delete();
      continue;
    }
    if (base < recoveryPoint) {
      if (!seg.loadIndexes()) {
        seg.rebuildFromFile();
        persistIndexes(seg, logger);
        report.indexesRebuilt++;
      }
      segments.push(seg);
      continue;
    }
    report.segmentsScanned++;
    const fileSize = seg.size;
    const result = scanSegment(seg, fileSize, cleaned ? base : prev?.nextOffset ?? base, cleaned);
    report.batchesScanned += result.batches;
    if (result.cutAt !== undefined) {
      cut = true;
      report.cutReason = `segment ${base}: ${result.reason}`;
      report.truncatedBytes += fileSize - result.cutAt;
      report.truncatedBatches += result.batchesAfterCut;
      seg.truncateAt(result.cutAt);
    } else {
      seg.rebuildFromFile();
    }
    persistIndexes(seg, logger);
    report.indexesRebuilt++;
    segments.push(seg);
  }
  report.durationMs = performance.now() - started;
  if (report.truncatedBytes > 0) {
    logger.warn({ dir, ...report }, 'log recovery cut the log');
  } else if (!clean && bases.length > 0) {
    logger.info({ dir, ...report }, 'log recovered after unclean shutdown');
  }
  return { segments, report };
}
