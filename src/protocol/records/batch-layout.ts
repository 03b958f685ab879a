// Record batch (magic 2) header layout, as in Kafka's DefaultRecordBatch. One place for
// every offset so the native addon, its fallback, the log and the tests agree.
// The Rust side (native/src/batch.rs) mirrors these numbers; a test checks both agree.

export const BatchField = {
  BASE_OFFSET: 0,
  BATCH_LENGTH: 8,
  PARTITION_LEADER_EPOCH: 12,
  MAGIC: 16,
  CRC: 17,
  ATTRIBUTES: 21,
  LAST_OFFSET_DELTA: 23,
  BASE_TIMESTAMP: 27,
  MAX_TIMESTAMP: 35,
  PRODUCER_ID: 43,
  PRODUCER_EPOCH: 51,
  BASE_SEQUENCE: 53,
  RECORD_COUNT: 57,
} as const;

/** Size of the fixed header; records start here. */
export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD = 12;
export const CURRENT_MAGIC = 2;

/** Attribute bits. */
export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_LOG_APPEND = 0x08;
export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;

/** Kafka's max.message.bytes default (1 MiB + log overhead). */
export const DEFAULT_MAX_BATCH_BYTES = 1_048_588;

/** Status codes returned by checkBatch (native and fallback alike). */
export const BatchStatus = {
  OK: 0,
  TOO_SHORT: 1,
  LENGTH_MISMATCH: 2,
  BAD_MAGIC: 3,
  BAD_CRC: 4,
  TOO_LARGE: 5,
  BAD_RECORD_COUNT: 6,
} as const;
export type BatchStatusCode = (typeof BatchStatus)[keyof typeof BatchStatus];

/** Status codes of validateRecords (native and fallback alike): what is wrong inside a batch. */
export const RecordsStatus = {
  OK: 0,
  /** The bytes end before recordCount records were read. */
  TRUNCATED: 7,
  /** A varint runs past 5 bytes (varlong: 10) or past its record. */
  BAD_VARINT: 8,
  /** A record's length is not positive, runs past the batch, or disagrees with its fields. */
  BAD_SIZE: 9,
  /** A record's offset delta is not its position in the batch. */
  BAD_OFFSET_DELTA: 10,
  /** A negative header count or header key length, or a header past its record. */
  BAD_HEADERS: 11,
  /** Bytes remain after the last record the header counts. */
  TRAILING_BYTES: 12,
  /** A key or value length below -1 or past its record. */
  BAD_FIELD_LENGTH: 13,
  /** Compressed records that do not decompress, or not within the byte limit. */
  DECOMPRESS_FAILED: 14,
} as const;
export type RecordsStatusCode = (typeof RecordsStatus)[keyof typeof RecordsStatus];

/** Header fields the log needs, read without touching the records. */
export interface BatchHeader {
  baseOffset: number;
  /** Whole batch size in bytes, LOG_OVERHEAD included. */
  size: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  attributes: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export function readBatchHeader(buf: Buffer, at = 0): BatchHeader {
  return {
    baseOffset: Number(buf.readBigInt64BE(at + BatchField.BASE_OFFSET)),
    size: buf.readInt32BE(at + BatchField.BATCH_LENGTH) + LOG_OVERHEAD,
    lastOffsetDelta: buf.readInt32BE(at + BatchField.LAST_OFFSET_DELTA),
    baseTimestamp: Number(buf.readBigInt64BE(at + BatchField.BASE_TIMESTAMP)),
    maxTimestamp: Number(buf.readBigInt64BE(at + BatchField.MAX_TIMESTAMP)),
    attributes: buf.readInt16BE(at + BatchField.ATTRIBUTES),
    producerId: buf.readBigInt64BE(at + BatchField.PRODUCER_ID),
    producerEpoch: buf.readInt16BE(at + BatchField.PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(at + BatchField.BASE_SEQUENCE),
    recordCount: buf.readInt32BE(at + BatchField.RECORD_COUNT),
  };
}
