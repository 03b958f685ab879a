// Record validation on produce, as Kafka's LogValidator: a batch whose header and CRC are
// right may still carry records no consumer can decode (a producer bug, or bytes crafted
// to pass the CRC), and once stored it is a poison pill for every consumer of the
// partition. So every record is walked, compressed batches after decompression bounded
// by max.message.bytes, before anything is appended.
import { KafkaError } from '../../errors.js';
import { hot, nativeIo } from '../../native/index.js';
import { BATCH_HEADER_SIZE, BatchField, COMPRESSION_MASK, RecordsStatus, type RecordsStatusCode } from './batch-layout.js';
import { Codec, decompress } from './compression.js';

const WHAT: Record<RecordsStatusCode, string> = {
  [RecordsStatus.OK]: 'ok',
  [RecordsStatus.TRUNCATED]: 'the records end before the number the batch header declares',
  [RecordsStatus.BAD_VARINT]: 'a varint is longer than its type allows or runs past its record',
  [RecordsStatus.BAD_SIZE]: "a record's length is not positive, runs past the batch or disagrees with its fields",
  [RecordsStatus.BAD_OFFSET_DELTA]: "a record's offset delta is not its position in the batch",
  [RecordsStatus.BAD_HEADERS]: 'a record header count or header key length is negative or runs past its record',
  [RecordsStatus.TRAILING_BYTES]: 'bytes remain after the last record the batch header declares',
  [RecordsStatus.BAD_FIELD_LENGTH]: 'a key or value length is below -1 or runs past its record',
  [RecordsStatus.DECOMPRESS_FAILED]: 'the records do not decompress',
};

/**
 * Throws INVALID_RECORD naming what is wrong with the records of `batch` (a whole batch
 * whose header and CRC were checked), or CORRUPT_MESSAGE when its compressed records do
 * not decompress within `maxBytes`.
 */
export function validateBatchRecords(batch: Buffer, maxBytes: number): void {
  const count = batch.readInt32BE(BatchField.RECORD_COUNT);
  const codec = batch.readInt16BE(BatchField.ATTRIBUTES) & COMPRESSION_MASK;
  const section = batch.subarray(BATCH_HEADER_SIZE);
  let status: RecordsStatusCode;
  if ((codec === Codec.ZSTD || codec === Codec.LZ4) && nativeIo !== undefined) {
    // The common compressed cases stay in the addon: decompressed into a reused native
    // buffer, walked there, no decompressed Buffer for the GC.
    status = codec === Codec.ZSTD ? nativeIo.validateZstdRecords(section, count, maxBytes) : nativeIo.validateLz4Records(section, count, maxBytes);
    if (status === RecordsStatus.DECOMPRESS_FAILED) {
      throw new KafkaError('CORRUPT_MESSAGE', `${codec === Codec.ZSTD ? 'zstd' : 'lz4'} records do not decompress within max.message.bytes=${maxBytes}`);
    }
  } else {
    status = hot.validateRecords(codec === Codec.NONE ? section : decompress(codec, section, maxBytes), count);
  }
  if (status !== RecordsStatus.OK) throw new KafkaError('INVALID_RECORD', `invalid record batch: ${WHAT[status] ?? `status ${status}`}`);
}
