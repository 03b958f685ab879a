// The records of a batch whatever its codec: compressed batches are inflated (bounded by
// `maxBytes`) into an uncompressed copy (recompressBatch to NONE) and decoded by readRecords. For features that need
// record keys and values (schema validation on produce, the schema registry reading its
// topic); the produce and fetch paths keep batches in wire form.
import { KafkaError } from '../../errors.js';
import { COMPRESSION_MASK, CONTROL_FLAG, LOG_OVERHEAD, readBatchHeader } from './batch-layout.js';
import { Codec } from './compression.js';
import { recompressBatch } from './recompress.js';
import { readRecords, type DecodedRecord } from './record-reader.js';

/** The records of the batch at `at`; control batches (transaction markers) have none a reader sees. */
export function* decodedRecords(buf: Buffer, at: number, maxBytes: number): Generator<DecodedRecord> {
  const h = readBatchHeader(buf, at);
  if ((h.attributes & CONTROL_FLAG) !== 0) return;
  if ((h.attributes & COMPRESSION_MASK) === 0) return yield* readRecords(buf, at);
  if (at + h.size > buf.length) throw new KafkaError('CORRUPT_MESSAGE', 'record batch runs past its buffer');
  // The uncompressed form of the batch (the same rewrite a topic's compression.type does).
  yield* readRecords(recompressBatch(buf.subarray(at, at + h.size), Codec.NONE, maxBytes), 0);
}

/** Every record of a run of whole batches (a log read), compressed or not. */
export function* decodedRecordsOf(chunks: readonly Buffer[], maxBytes: number): Generator<DecodedRecord> {
  for (const c of chunks) {
    for (let at = 0; at + LOG_OVERHEAD <= c.length; ) {
      const size = readBatchHeader(c, at).size;
      yield* decodedRecords(c, at, maxBytes);
      at += size;
    }
  }
}
