// xxHash64 in TypeScript (BigInt arithmetic, modulo 2^64), following the reference
// algorithm (github.com/Cyan4973/xxHash, doc/xxhash_spec.md). Slow; only used when the
// native addon cannot load.
const MASK = 0xffffffffffffffffn;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK;
const round = (acc: bigint, lane: bigint): bigint => (rotl((acc + lane * P2) & MASK, 31n) * P1) & MASK;
const merge = (acc: bigint, val: bigint): bigint => (((acc ^ round(0n, val)) * P1 + P4) & MASK);

export function xxhash64Js(input: Uint8Array, seed = 0n): bigint {
  const data = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const len = data.length;
  let i = 0;
  let acc: bigint;
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & MASK;
    let v2 = (seed + P2) & MASK;
    let v3 = seed & MASK;
    let v4 = (seed - P1) & MASK;
    for (; i + 32 <= len; i += 32) {
      v1 = round(v1, data.readBigUInt64LE(i));
      v2 = round(v2, data.readBigUInt64LE(i + 8));
      v3 = round(v3, data.readBigUInt64LE(i + 16));
      v4 = round(v4, data.readBigUInt64LE(i + 24));
    }
    acc = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    acc = merge(merge(merge(merge(acc, v1), v2), v3), v4);
  } else {
    acc = (seed + P5) & MASK;
  }
  acc = (acc + BigInt(len)) & MASK;
  for (; i + 8 <= len; i += 8) {
    acc ^= round(0n, data.readBigUInt64LE(i));
    acc = (rotl(acc, 27n) * P1 + P4) & MASK;
  }
  if (i + 4 <= len) {
    acc ^= (BigInt(data.readUInt32LE(i)) * P1) & MASK;
    acc = (rotl(acc, 23n) * P2 + P3) & MASK;
    i += 4;
  }
  for (; i < len; i++) {
    acc ^= (BigInt(data[i]!) * P5) & MASK;
    acc = (rotl(acc, 11n) * P1) & MASK;
  }
  acc ^= acc >> 33n;
  acc = (acc * P2) & MASK;
  acc ^= acc >> 29n;
  acc = (acc * P3) & MASK;
  acc ^= acc >> 32n;
  return acc;
}
