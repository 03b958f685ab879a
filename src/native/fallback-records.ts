// TypeScript twin of native/src/records.rs: the same walk, the same status codes.
import { RecordsStatus, type RecordsStatusCode } from '../protocol/records/batch-layout.js';

class Bad extends Error {
  constructor(readonly status: RecordsStatusCode) {
    super('bad records');
  }
}

/** A zigzag varint of at most maxBytes bytes ending before `end`: [value, next]. */
function varint(buf: Buffer, at: number, end: number, maxBytes: number): [number, number] {
  let raw = 0n;
  for (let i = 0; i < maxBytes; i++) {
    if (at >= end) throw new Bad(RecordsStatus.BAD_VARINT);
    const b = buf[at++]!;
    raw |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) return [Number((raw >> 1n) ^ -(raw & 1n)), at];
  }
  throw new Bad(RecordsStatus.BAD_VARINT);
}

/** int32 varints, the common case, without BigInt. */
function int32(buf: Buffer, at: number, end: number): [number, number] {
  let raw = 0;
  for (let i = 0; i < 5; i++) {
    if (at >= end) throw new Bad(RecordsStatus.BAD_VARINT);
    const b = buf[at++]!;
    raw += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (raw > 0xffffffff) throw new Bad(RecordsStatus.BAD_VARINT);
      return [raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2, at];
    }
  }
  throw new Bad(RecordsStatus.BAD_VARINT);
}

function skipField(buf: Buffer, at: number, end: number, min: number, bad: RecordsStatusCode): number {
  const [len, next] = int32(buf, at, end);
  if (len < min || len > end - next) throw new Bad(bad);
  return next + Math.max(len, 0);
}

export function validateRecordsJs(buf: Buffer, count: number): RecordsStatusCode {
  if (count < 0) return RecordsStatus.TRUNCATED;
  const end = buf.length;
  let at = 0;
  try {
    for (let i = 0; i < count; i++) {
      if (at >= end) return RecordsStatus.TRUNCATED;
      const [length, start] = int32(buf, at, end);
      if (length <= 0 || length > end - start) return RecordsStatus.BAD_SIZE;
      const recordEnd = start + length;
      let r = start + 1; // attributes
      r = varint(buf, r, recordEnd, 10)[1]; // timestamp delta
      const [offsetDelta, afterDelta] = int32(buf, r, recordEnd);
      if (offsetDelta !== i) return RecordsStatus.BAD_OFFSET_DELTA;
      r = skipField(buf, afterDelta, recordEnd, -1, RecordsStatus.BAD_FIELD_LENGTH); // key
      r = skipField(buf, r, recordEnd, -1, RecordsStatus.BAD_FIELD_LENGTH); // value
      const [headers, afterCount] = int32(buf, r, recordEnd);
      if (headers < 0) return RecordsStatus.BAD_HEADERS;
      r = afterCount;
      for (let h = 0; h < headers; h++) {
        r = skipField(buf, r, recordEnd, 0, RecordsStatus.BAD_HEADERS);
        r = skipField(buf, r, recordEnd, -1, RecordsStatus.BAD_HEADERS);
      }
      if (r !== recordEnd) return RecordsStatus.BAD_SIZE;
      at = recordEnd;
    }
  } catch (err) {
    if (err instanceof Bad) return err.status;
    throw err;
  }
  return at === end ? RecordsStatus.OK : RecordsStatus.TRAILING_BYTES;
}
