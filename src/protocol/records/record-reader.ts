// Decodes the records of an uncompressed magic-2 batch: for the broker's own internal
// logs (committed offsets) and for tools; the produce/fetch path never calls this.
import { KafkaError } from '../../errors.js';
import { BATCH_HEADER_SIZE, COMPRESSION_MASK, readBatchHeader } from './batch-layout.js';
import { readVarint } from './varint.js';

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{ key: string; value: Buffer | null }>;
}

function need<T>(v: T | undefined): T {
  if (v === undefined) throw new KafkaError('CORRUPT_MESSAGE', 'record runs past the end of its batch');
  return v;
}

/** Yields every record of the batch at `at` in `buf`. Compressed batches are refused. */
export function* readRecords(buf: Buffer, at = 0): Generator<DecodedRecord> {
  const h = readBatchHeader(buf, at);
  if ((h.attributes & COMPRESSION_MASK) !== 0) {
    throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', 'compressed batches are not decoded here yet');
  }
  const end = at + h.size;
  let pos = at + BATCH_HEADER_SIZE;
  const bytesField = (): Buffer | null => {
    const len = need(readVarint(buf, pos, end));
    pos = len.next;
    if (len.value < 0) return null;
    if (pos + len.value > end) throw new KafkaError('CORRUPT_MESSAGE', 'record field runs past its batch');
    const b = buf.subarray(pos, pos + len.value);
    pos += len.value;
    return b;
  };
  for (let i = 0; i < h.recordCount; i++) {
    const len = need(readVarint(buf, pos, end));
    const recordEnd = len.next + len.value;
    pos = len.next + 1; // attributes
    const tsDelta = need(readVarint(buf, pos, end));
    pos = tsDelta.next;
    const offsetDelta = need(readVarint(buf, pos, end));
    pos = offsetDelta.next;
    const key = bytesField();
    const value = bytesField();
    const count = need(readVarint(buf, pos, end));
    pos = count.next;
    const headers: DecodedRecord['headers'] = [];
    for (let j = 0; j < count.value; j++) {
      const k = bytesField();
      headers.push({ key: k === null ? '' : k.toString('utf8'), value: bytesField() });
    }
    pos = recordEnd;
    yield { offset: h.baseOffset + offsetDelta.value, timestamp: h.baseTimestamp + tsDelta.value, key, value, headers };
  }
}

/** Every record of a run of whole batches (as a fetch or a log read returns them). */
export function* readAllRecords(chunks: readonly Buffer[]): Generator<DecodedRecord> {
  for (const c of chunks) {
    for (let at = 0; at < c.length; ) {
      const size = readBatchHeader(c, at).size;
      yield* readRecords(c, at);
      at += size;
    }
  }
}
