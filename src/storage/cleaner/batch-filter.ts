// The records of one stored batch, walked for the log cleaner: each record's offset, key
// and whether it is a tombstone (null value), and the batch rebuilt from the records a
// predicate keeps. The header keeps every field (base offset, last offset delta, producer
// id, epoch and base sequence: offsets never change and idempotent producers keep their
// state); only the record count, the length and the CRC-32C are new. Compressed batches
// are decompressed and compressed again with the same codec.
import { hot } from '../../native/index.js';
import { BATCH_HEADER_SIZE, BatchField, COMPRESSION_MASK, LOG_OVERHEAD, readBatchHeader, type BatchHeader } from '../../protocol/records/batch-layout.js';
import { compress, decompress, type CodecId } from '../../protocol/records/compression.js';
import { readVarint } from '../../protocol/records/varint.js';
import { StrataError } from '../../errors.js';

export interface CleanerRecord {
  offset: number;
  /** The key bytes (a view into the batch or its decompressed records); null for a keyless record. */
  key: Buffer | null;
  tombstone: boolean;
  /** Where the whole record (length prefix included) lies in `records`. */
  start: number;
  end: number;
}

export interface WalkedBatch {
  header: BatchHeader;
  /** The records section, decompressed. */
  records: Buffer;
  list: CleanerRecord[];
}

function corrupt(what: string): never {
  throw new StrataError('STRATA_LOG_CORRUPT', `log cleaner: ${what}`);
}

/** Decodes the records of a stored batch far enough to know what to keep. */
export function walkBatchRecords(batch: Buffer, maxRecordsBytes: number): WalkedBatch {
  const header = readBatchHeader(batch);
  const codec = header.attributes & COMPRESSION_MASK;
  const section = batch.subarray(BATCH_HEADER_SIZE, header.size);
  const records = codec === 0 ? section : decompress(codec, section, maxRecordsBytes);
  const list: CleanerRecord[] = [];
  const end = records.length;
  let at = 0;
  for (let i = 0; i < header.recordCount; i++) {
    const len = readVarint(records, at, end) ?? corrupt(`record ${i} of batch ${header.baseOffset} has no length`);
    const start = at;
    const recordEnd = len.next + len.value;
    if (len.value <= 0 || recordEnd > end) corrupt(`record ${i} of batch ${header.baseOffset} runs past its batch`);
    const ts = readVarint(records, len.next + 1, recordEnd) ?? corrupt('bad timestamp delta');
    const delta = readVarint(records, ts.next, recordEnd) ?? corrupt('bad offset delta');
    const keyLen = readVarint(records, delta.next, recordEnd) ?? corrupt('bad key length');
    let pos = keyLen.next;
    let key: Buffer | null = null;
    if (keyLen.value >= 0) {
      key = records.subarray(pos, pos + keyLen.value);
      pos += keyLen.value;
    }
    const valueLen = readVarint(records, pos, recordEnd) ?? corrupt('bad value length');
    list.push({ offset: header.baseOffset + delta.value, key, tombstone: valueLen.value < 0, start, end: recordEnd });
    at = recordEnd;
  }
  return { header, records, list };
}

/**
 * The batch with only the `kept` records (a subset of `walked.list`, in order). Returns
 * the original bytes when every record is kept.
 */
export function rebuildBatch(batch: Buffer, walked: WalkedBatch, kept: readonly CleanerRecord[]): Buffer {
  if (kept.length === walked.list.length) return batch.subarray(0, walked.header.size);
  const codec = (walked.header.attributes & COMPRESSION_MASK) as CodecId;
  let raw: Buffer = Buffer.allocUnsafe(kept.reduce((n, r) => n + r.end - r.start, 0));
  let at = 0;
  for (const r of kept) at += walked.records.copy(raw, at, r.start, r.end);
  if (codec !== 0 && kept.length > 0) raw = compress(codec, raw);
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + (kept.length > 0 ? raw.length : 0));
  batch.copy(out, 0, 0, BATCH_HEADER_SIZE);
  if (kept.length > 0) raw.copy(out, BATCH_HEADER_SIZE);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BatchField.BATCH_LENGTH);
  out.writeInt32BE(kept.length, BatchField.RECORD_COUNT);
  // An emptied batch is kept only for its producer fields: it carries no codec.
  if (kept.length === 0) out.writeInt16BE(walked.header.attributes & ~COMPRESSION_MASK, BatchField.ATTRIBUTES);
  out.writeUInt32BE(hot.crc32c(out.subarray(BatchField.ATTRIBUTES)), BatchField.CRC);
  return out;
}

/** Any record without a key? (Compacted topics refuse those, as Kafka does.) */
export function hasKeylessRecord(batch: Buffer, maxRecordsBytes: number): boolean {
  return walkBatchRecords(batch, maxRecordsBytes).list.some((r) => r.key === null);
}
