// TypeScript twin of native/src/batch.rs: same checks, same order, same status codes.
import {
  BATCH_HEADER_SIZE, BatchField, BatchStatus, CURRENT_MAGIC, LOG_OVERHEAD,
  TIMESTAMP_TYPE_LOG_APPEND, type BatchStatusCode,
} from '../protocol/records/batch-layout.js';
import { crc32cJs } from './fallback-crc32c.js';

export function checkBatchJs(buf: Buffer, maxBytes: number): BatchStatusCode {
  if (buf.length < BATCH_HEADER_SIZE) return BatchStatus.TOO_SHORT;
  const batchLength = buf.readInt32BE(BatchField.BATCH_LENGTH);
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD || batchLength + LOG_OVERHEAD !== buf.length) {
    return BatchStatus.LENGTH_MISMATCH;
  }
  if (buf.length > maxBytes) return BatchStatus.TOO_LARGE;
  if (buf[BatchField.MAGIC] !== CURRENT_MAGIC) return BatchStatus.BAD_MAGIC;
  if (crc32cJs(buf.subarray(BatchField.ATTRIBUTES)) !== buf.readUInt32BE(BatchField.CRC)) {
    return BatchStatus.BAD_CRC;
  }
  const count = buf.readInt32BE(BatchField.RECORD_COUNT);
  if (count < 1 || buf.readInt32BE(BatchField.LAST_OFFSET_DELTA) !== count - 1) {
    return BatchStatus.BAD_RECORD_COUNT;
  }
  return BatchStatus.OK;
}

export function patchBatchJs(buf: Buffer, baseOffset: number, logAppendTimeMs: number): void {
  if (buf.length < BATCH_HEADER_SIZE) throw new RangeError('buffer shorter than a batch header');
  buf.writeBigInt64BE(BigInt(baseOffset), BatchField.BASE_OFFSET);
  if (logAppendTimeMs >= 0) {
    buf[BatchField.ATTRIBUTES + 1]! |= TIMESTAMP_TYPE_LOG_APPEND;
    buf.writeBigInt64BE(BigInt(logAppendTimeMs), BatchField.MAX_TIMESTAMP);
    buf.writeUInt32BE(crc32cJs(buf.subarray(BatchField.ATTRIBUTES)), BatchField.CRC);
  }
}
