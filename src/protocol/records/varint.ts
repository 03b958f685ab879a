// Zig-zag varints as used inside Kafka records (protobuf encoding).
// Values here stay within 2^53, so plain numbers are enough.

export function varintSize(value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

/** Writes a zig-zag varint at `at`; returns the position after it. */
export function writeVarint(buf: Buffer, value: number, at: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  while (v >= 0x80) {
    buf[at++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[at++] = v;
  return at;
}

export interface VarintRead {
  value: number;
  next: number;
}

/** Reads a zig-zag varint; returns undefined when it runs past `end` or past 10 bytes. */
export function readVarint(buf: Buffer, at: number, end: number): VarintRead | undefined {
  let raw = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= end) return undefined;
    const b = buf[at++]!;
    raw += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      const value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      return { value, next: at };
    }
    scale *= 128;
  }
  return undefined;
}
