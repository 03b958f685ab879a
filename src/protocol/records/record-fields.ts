// Where each record's key and value sit in a batch, without decoding records into objects:
// a walk over the varints that hands out positions (schema validation on produce reads
// only the first bytes of each value, on the produce path, so it must not allocate per
// record). Compressed batches are inflated first (bounded by `maxBytes`).
import { KafkaError } from '../../errors.js';
import { BATCH_HEADER_SIZE, COMPRESSION_MASK, readBatchHeader } from './batch-layout.js';
import { decompress } from './compression.js';

/** Called per record: the buffer and the offsets of its key and value (length -1: null). */
export type RecordFieldsVisitor = (index: number, buf: Buffer, keyAt: number, keyLength: number, valueAt: number, valueLength: number) => void;

const corrupt = (): KafkaError => new KafkaError('CORRUPT_MESSAGE', 'a record runs past the end of its batch');

// The walk's position: one module-level cursor instead of an object per varint.
let cursor = 0;

function varint(buf: Buffer, end: number): number {
  let raw = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (cursor >= end) throw corrupt();
    const b = buf[cursor++]!;
    raw += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    scale *= 128;
  }
  throw corrupt();
}

/** Visits every record of the batch at offset 0 of `batch`. */
export function forEachRecordField(batch: Buffer, maxBytes: number, visit: RecordFieldsVisitor): void {
  const h = readBatchHeader(batch, 0);
  if (h.size > batch.length) throw corrupt();
  const codec = h.attributes & COMPRESSION_MASK;
  const buf = codec === 0 ? batch : decompress(codec, batch.subarray(BATCH_HEADER_SIZE, h.size), maxBytes);
  const end = codec === 0 ? h.size : buf.length;
  cursor = codec === 0 ? BATCH_HEADER_SIZE : 0;
  for (let i = 0; i < h.recordCount; i++) {
    const length = varint(buf, end);
    const recordEnd = cursor + length;
    if (length < 0 || recordEnd > end) throw corrupt();
    cursor++; // attributes
    varint(buf, recordEnd); // timestamp delta
    varint(buf, recordEnd); // offset delta
    const keyLength = varint(buf, recordEnd);
    const keyAt = cursor;
    if (keyLength > 0) cursor += keyLength;
    const valueLength = varint(buf, recordEnd);
    const valueAt = cursor;
    if (valueAt + Math.max(0, valueLength) > recordEnd || keyAt + Math.max(0, keyLength) > recordEnd) throw corrupt();
    visit(i, buf, keyAt, keyLength, valueAt, valueLength);
    cursor = recordEnd;
  }
}
