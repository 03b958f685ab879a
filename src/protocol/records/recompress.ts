// Rewrites a record batch with another compression codec (a topic's compression.type
// differs from what the producer sent): the records section is decompressed and
// compressed again; the header keeps every field but the codec bits, the length and the
// CRC-32C. CPU work for the pool (src/pool), never the main thread in threaded mode.
import { KafkaError } from '../../errors.js';
import { hot } from '../../native/index.js';
import { BATCH_HEADER_SIZE, BatchField, BatchStatus, COMPRESSION_MASK, LOG_OVERHEAD } from './batch-layout.js';
import { batchStatusError } from './batch-status-error.js';
import { compress, decompress, type CodecId } from './compression.js';

/** The codec a batch's attributes name. */
export function batchCodec(batch: Buffer): number {
  return batch.readInt16BE(BatchField.ATTRIBUTES) & COMPRESSION_MASK;
}

/**
 * The batch with its records compressed by `target`, or the same buffer when it already
 * is. `maxRecordsBytes` bounds the decompressed records (memory stays bounded).
 */
export function recompressBatch(batch: Buffer, target: CodecId, maxRecordsBytes: number): Buffer {
  if (batch.length < BATCH_HEADER_SIZE) throw new KafkaError('CORRUPT_MESSAGE', 'record batch shorter than its header');
  const current = batchCodec(batch);
  if (current === target) return batch;
  // The new CRC would vouch for whatever came in: check the producer's first.
  const status = hot.checkBatch(batch, 0x7fffffff);
  if (status !== BatchStatus.OK) throw batchStatusError(status, batch.length, 0x7fffffff);
  const raw = decompress(current, batch.subarray(BATCH_HEADER_SIZE), maxRecordsBytes);
  const records = compress(target, raw);
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + records.length);
  batch.copy(out, 0, 0, BATCH_HEADER_SIZE);
  records.copy(out, BATCH_HEADER_SIZE);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BatchField.BATCH_LENGTH);
  out.writeInt16BE((batch.readInt16BE(BatchField.ATTRIBUTES) & ~COMPRESSION_MASK) | target, BatchField.ATTRIBUTES);
  out.writeUInt32BE(hot.crc32c(out.subarray(BatchField.ATTRIBUTES)), BatchField.CRC);
  return out;
}
