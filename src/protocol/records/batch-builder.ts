// Builds an uncompressed magic-2 record batch, the way a producer client does.
// Used by the project's own client and load tools and by tests.
import { hot } from '../../native/index.js';
import { BATCH_HEADER_SIZE, BatchField, CURRENT_MAGIC, LOG_OVERHEAD } from './batch-layout.js';
import { varintSize, writeVarint } from './varint.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface RecordInput {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** Milliseconds since the epoch; defaults to the batch's base timestamp. */
  timestamp?: number;
}

export interface BatchOptions {
  baseTimestamp?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  partitionLeaderEpoch?: number;
  /** Batch attributes (transactional, control); the compression bits stay 0: the batch is uncompressed. */
  attributes?: number;
}

function bytesFieldSize(b: Buffer | null | undefined): number {
  return b == null ? varintSize(-1) : varintSize(b.length) + b.length;
}

function writeBytesField(buf: Buffer, b: Buffer | null | undefined, at: number): number {
  if (b == null) return writeVarint(buf, -1, at);
  at = writeVarint(buf, b.length, at);
  return at + b.copy(buf, at);
}

export function buildRecordBatch(records: RecordInput[], options: BatchOptions = {}): Buffer {
  if (records.length === 0) throw new RangeError('a batch holds at least one record');
  const baseTimestamp = options.baseTimestamp ?? records[0]!.timestamp ?? Date.now();
  let maxTimestamp = baseTimestamp;
  // Size everything first so the batch is written into one exact allocation.
  const bodies = records.map((r, i) => {
    const ts = r.timestamp ?? baseTimestamp;
    if (ts > maxTimestamp) maxTimestamp = ts;
    const headerKeys = (r.headers ?? []).map((h) => Buffer.from(h.key, 'utf8'));
    let size = 1 + varintSize(ts - baseTimestamp) + varintSize(i);
    size += bytesFieldSize(r.key) + bytesFieldSize(r.value);
    size += varintSize(headerKeys.length);
    (r.headers ?? []).forEach((h, j) => {
      size += bytesFieldSize(headerKeys[j]) + bytesFieldSize(h.value);
    });
    return { r, ts, size, headerKeys };
  });
  const total = BATCH_HEADER_SIZE + bodies.reduce((n, b) => n + varintSize(b.size) + b.size, 0);
  const buf = Buffer.alloc(total);
  buf.writeBigInt64BE(0n, BatchField.BASE_OFFSET);
  buf.writeInt32BE(total - LOG_OVERHEAD, BatchField.BATCH_LENGTH);
  buf.writeInt32BE(options.partitionLeaderEpoch ?? -1, BatchField.PARTITION_LEADER_EPOCH);
  buf.writeInt8(CURRENT_MAGIC, BatchField.MAGIC);
  buf.writeInt16BE((options.attributes ?? 0) & ~0x07, BatchField.ATTRIBUTES);
  buf.writeInt32BE(records.length - 1, BatchField.LAST_OFFSET_DELTA);
  buf.writeBigInt64BE(BigInt(baseTimestamp), BatchField.BASE_TIMESTAMP);
  buf.writeBigInt64BE(BigInt(maxTimestamp), BatchField.MAX_TIMESTAMP);
  buf.writeBigInt64BE(options.producerId ?? -1n, BatchField.PRODUCER_ID);
  buf.writeInt16BE(options.producerEpoch ?? -1, BatchField.PRODUCER_EPOCH);
  buf.writeInt32BE(options.baseSequence ?? -1, BatchField.BASE_SEQUENCE);
  buf.writeInt32BE(records.length, BatchField.RECORD_COUNT);
  let at = BATCH_HEADER_SIZE;
  bodies.forEach(({ r, ts, size, headerKeys }, i) => {
    at = writeVarint(buf, size, at);
    buf[at++] = 0; // record attributes: unused
    at = writeVarint(buf, ts - baseTimestamp, at);
    at = writeVarint(buf, i, at);
    at = writeBytesField(buf, r.key, at);
    at = writeBytesField(buf, r.value, at);
    at = writeVarint(buf, headerKeys.length, at);
    (r.headers ?? []).forEach((h, j) => {
      at = writeBytesField(buf, headerKeys[j], at);
      at = writeBytesField(buf, h.value, at);
    });
  });
  buf.writeUInt32BE(hot.crc32c(buf.subarray(BatchField.ATTRIBUTES)), BatchField.CRC);
  return buf;
}
