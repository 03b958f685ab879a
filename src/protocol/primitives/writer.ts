// Writer that grows a scratch buffer and keeps large byte fields (record batches) by
// reference instead of copying them: the result is a list of chunks for one writev.
// The frame length is patched into the first 4 bytes at the end (tansu's fix_length).

const ZERO_COPY_THRESHOLD = 4096;

export class Writer {
  private chunks: Buffer[] = [];
  private buf: Buffer;
  private pos = 0;
  private flushedBytes = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.flushedBytes + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  uint16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  int64(v: number): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt(v), this.pos);
    this.pos += 8;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }

  uuid(v: string): this {
    const b = Buffer.from(v, 'base64url');
    if (b.length !== 16) throw new RangeError(`not a Kafka uuid: ${v}`);
    return this.raw(b);
  }

  unsignedVarint(v: number): this {
    this.ensure(5);
    let x = v >>> 0;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.pos++] = x;
    return this;
  }

  /** Appends bytes: copied when small, kept by reference when large. */
  raw(b: Uint8Array): this {
    if (b.length >= ZERO_COPY_THRESHOLD) {
      this.chunks.push(this.buf.subarray(0, this.pos));
      this.flushedBytes += this.pos;
      this.buf = this.buf.subarray(this.pos);
      this.pos = 0;
      if (this.buf.length < 64) this.buf = Buffer.allocUnsafe(256);
      this.chunks.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      this.flushedBytes += b.length;
      return this;
    }
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  string(v: string): this {
    const b = Buffer.from(v, 'utf8');
    if (b.length > 0x7fff) throw new RangeError('string longer than 32767 bytes');
    return this.int16(b.length).raw(b);
  }

  nullableString(v: string | null): this {
    return v === null ? this.int16(-1) : this.string(v);
  }

  compactString(v: string): this {
    const b = Buffer.from(v, 'utf8');
    return this.unsignedVarint(b.length + 1).raw(b);
  }

  compactNullableString(v: string | null): this {
    return v === null ? this.unsignedVarint(0) : this.compactString(v);
  }

  bytes(v: Uint8Array): this {
    return this.int32(v.length).raw(v);
  }

  nullableBytes(v: Uint8Array | null): this {
    return v === null ? this.int32(-1) : this.bytes(v);
  }

  compactBytes(v: Uint8Array): this {
    return this.unsignedVarint(v.length + 1).raw(v);
  }

  compactNullableBytes(v: Uint8Array | null): this {
    return v === null ? this.unsignedVarint(0) : this.compactBytes(v);
  }

  arrayLength(compact: boolean, n: number | null): this {
    if (n === null) return compact ? this.unsignedVarint(0) : this.int32(-1);
    return compact ? this.unsignedVarint(n + 1) : this.int32(n);
  }

  array<T>(compact: boolean, items: readonly T[] | null, item: (w: Writer, v: T) => void): this {
    this.arrayLength(compact, items === null ? null : items.length);
    if (items !== null) for (const v of items) item(this, v);
    return this;
  }

  /** One tagged field: tag, size, then what `body` writes. */
  tagged(tag: number, body: (w: Writer) => void): this {
    const sub = new Writer(64);
    body(sub);
    const bytes = sub.toBuffer();
    return this.unsignedVarint(tag).unsignedVarint(bytes.length).raw(bytes);
  }

  /** All chunks in order. */
  toChunks(): Buffer[] {
    const out = [...this.chunks];
    if (this.pos > 0) out.push(this.buf.subarray(0, this.pos));
    return out;
  }

  toBuffer(): Buffer {
    const chunks = this.toChunks();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.length);
  }
}
