// Sans-io reader over one frame. Fixed-size reads rely on Buffer's own bounds checks
// (a short frame throws ERR_OUT_OF_RANGE); every length read from the wire is checked
// against the bytes left before anything is allocated, so a frame can never make the
// broker allocate more than its own size. Strings and bytes are views or decoded
// slices of the frame, never copies of it.
import { MalformedFrameError } from './malformed.js';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const EMPTY = Buffer.alloc(0);

export class Reader {
  pos: number;

  constructor(readonly buf: Buffer, pos = 0) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  int8(): number {
    const v = this.buf.readInt8(this.pos);
    this.pos += 1;
    return v;
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** int64 as a number: exact below 2^53, which offsets, timestamps and ids stay within. */
  int64(): number {
    const v = Number(this.buf.readBigInt64BE(this.pos));
    this.pos += 8;
    return v;
  }

  float64(): number {
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Kafka Uuid, as Kafka prints it: URL-safe base64 of the 16 bytes, no padding. */
  uuid(): string {
    const b = this.take(16);
    const s = b.toString('base64url');
    return s === ZERO_UUID ? ZERO_UUID : s;
  }

  unsignedVarint(): number {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new MalformedFrameError('varint runs past the end of the frame');
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
      shift += 7;
    }
    throw new MalformedFrameError('varint longer than 5 bytes');
  }

  /** A length or count that must fit in what is left of the frame. */
  private checkedLength(n: number, what: string, unit = 1): number {
    if (n < 0) throw new MalformedFrameError(`negative ${what} length ${n}`);
    if (n * unit > this.remaining) throw new MalformedFrameError(`${what} of ${n} exceeds the ${this.remaining} bytes left`);
    return n;
  }

  private take(n: number): Buffer {
    this.checkedLength(n, 'field');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  string(): string {
    const s = this.nullableString();
    if (s === null) throw new MalformedFrameError('null where a string is required');
    return s;
  }

  nullableString(): string | null {
    const n = this.int16();
    if (n === -1) return null;
    return this.take(this.checkedLength(n, 'string')).toString('utf8');
  }

  compactString(): string {
    const s = this.compactNullableString();
    if (s === null) throw new MalformedFrameError('null where a compact string is required');
    return s;
  }

  compactNullableString(): string | null {
    const n = this.unsignedVarint() - 1;
    if (n === -1) return null;
    return this.take(this.checkedLength(n, 'string')).toString('utf8');
  }

  bytes(): Buffer {
    const b = this.nullableBytes();
    if (b === null) throw new MalformedFrameError('null where bytes are required');
    return b;
  }

  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n === -1) return null;
    if (n === 0) return EMPTY;
    return this.take(this.checkedLength(n, 'bytes'));
  }

  compactBytes(): Buffer {
    const b = this.compactNullableBytes();
    if (b === null) throw new MalformedFrameError('null where compact bytes are required');
    return b;
  }

  compactNullableBytes(): Buffer | null {
    const n = this.unsignedVarint() - 1;
    if (n === -1) return null;
    if (n === 0) return EMPTY;
    return this.take(this.checkedLength(n, 'bytes'));
  }

  /** Array count (int32, or compact uvarint+1); -1 / 0 mean null. Every element takes at least one byte. */
  arrayLength(compact: boolean): number {
    const n = compact ? this.unsignedVarint() - 1 : this.int32();
    if (n === -1) return -1;
    return this.checkedLength(n, 'array');
  }

  array<T>(compact: boolean, item: (r: Reader) => T): T[] {
    const n = this.arrayLength(compact);
    if (n === -1) throw new MalformedFrameError('null where an array is required');
    return this.items(n, item);
  }

  nullableArray<T>(compact: boolean, item: (r: Reader) => T): T[] | null {
    const n = this.arrayLength(compact);
    return n === -1 ? null : this.items(n, item);
  }

  private items<T>(n: number, item: (r: Reader) => T): T[] {
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }

  /**
   * Tagged fields: a count, then (tag, size, data) each. `known` reads a tag it knows and
   * returns true; unknown tags are skipped by size, as the protocol requires.
   * Either way the position moves to the end of the field.
   */
  taggedFields(known?: (tag: number, r: Reader) => boolean): void {
    const count = this.checkedLength(this.unsignedVarint(), 'tagged field');
    for (let i = 0; i < count; i++) {
      const tag = this.unsignedVarint();
      const size = this.checkedLength(this.unsignedVarint(), 'tagged field');
      const end = this.pos + size;
      // The field's reader ends where its size says, so a bad tagged field cannot read on.
      known?.(tag, new Reader(this.buf.subarray(0, end), this.pos));
      this.pos = end;
    }
  }
}

export { ZERO_UUID, EMPTY as EMPTY_BYTES };
