// Walks the records of an uncompressed batch far enough to read each record's
// timestamp and offset; keys, values and headers are skipped, never copied.
import { BATCH_HEADER_SIZE, COMPRESSION_MASK, TIMESTAMP_TYPE_LOG_APPEND, readBatchHeader } from './batch-layout.js';
import { readVarint } from './varint.js';

/**
 * The offset of the first record in `batch` whose timestamp is >= target, or undefined.
 * Compressed batches are answered at batch granularity (the base offset) until the
 * decompression pool exists; LogAppendTime batches carry one timestamp for all records.
 */
export function firstOffsetAtOrAfter(batch: Buffer, target: number): number | undefined {
  return firstRecordAtOrAfter(batch, target)?.offset;
}

export interface OffsetAndTimestamp {
  offset: number;
  timestamp: number;
}

/** As firstOffsetAtOrAfter, with the record's timestamp (ListOffsets returns both). */
export function firstRecordAtOrAfter(batch: Buffer, target: number): OffsetAndTimestamp | undefined {
  const h = readBatchHeader(batch);
  if (h.maxTimestamp < target) return undefined;
  if ((h.attributes & COMPRESSION_MASK) !== 0 || (h.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0) {
    return { offset: h.baseOffset, timestamp: h.maxTimestamp };
  }
  const end = batch.length;
  let at = BATCH_HEADER_SIZE;
  for (let i = 0; i < h.recordCount; i++) {
    const len = readVarint(batch, at, end);
    if (len === undefined) break;
    const recordStart = len.next;
    const tsDelta = readVarint(batch, recordStart + 1, end);
    if (tsDelta === undefined) break;
    const offsetDelta = readVarint(batch, tsDelta.next, end);
    if (offsetDelta === undefined) break;
    if (h.baseTimestamp + tsDelta.value >= target) return { offset: h.baseOffset + offsetDelta.value, timestamp: h.baseTimestamp + tsDelta.value };
    at = recordStart + len.value;
  }
  return { offset: h.baseOffset, timestamp: h.maxTimestamp };
}
