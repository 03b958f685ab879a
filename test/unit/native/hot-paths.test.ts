// Native addon vs TypeScript fallback on the same inputs: known vectors, random data,
// batches captured from kafkajs, and every rejection path of the batch check.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fallback, native, nativeStatus, type HotPaths } from '../../../src/native/index.js';
import { BATCH_HEADER_SIZE, BatchField, BatchStatus, readBatchHeader, TIMESTAMP_TYPE_LOG_APPEND } from '../../../src/protocol/records/batch-layout.js';
import { batchFor, capturedBatches, randomBytes, rng } from '../../helpers/batches.js';

// In CI and by default the addon must be there: a silent fallback would hide a broken build.
const requireNative = process.env.STRATA_NATIVE !== '0';
const impls: Array<[string, HotPaths]> = [['fallback', fallback]];
if (native) impls.push(['native', native]);

describe('native addon', () => {
  it('is loaded unless STRATA_NATIVE=0', () => {
    if (requireNative) expect(nativeStatus).toMatchObject({ mode: 'native' });
    else expect(nativeStatus.mode).toBe('fallback');
  });

  it('uses the same batch layout constants as src/protocol/records/batch-layout.ts', () => {
    const rust = readFileSync(new URL('../../../native/src/batch.rs', import.meta.url), 'utf8');
    const constant = (name: string): number => Number(new RegExp(`const ${name}: \\w+ = (\\d+);`).exec(rust)?.[1]);
    expect(constant('MAGIC')).toBe(BatchField.MAGIC);
    expect(constant('CRC')).toBe(BatchField.CRC);
    expect(constant('ATTRIBUTES')).toBe(BatchField.ATTRIBUTES);
    expect(constant('LAST_OFFSET_DELTA')).toBe(BatchField.LAST_OFFSET_DELTA);
    expect(constant('MAX_TIMESTAMP')).toBe(BatchField.MAX_TIMESTAMP);
    expect(constant('RECORD_COUNT')).toBe(BatchField.RECORD_COUNT);
    expect(constant('HEADER_SIZE')).toBe(BATCH_HEADER_SIZE);
    for (const [name, code] of Object.entries(BatchStatus)) expect(constant(name)).toBe(code);
  });
});

describe.each(impls)('%s', (_name, impl) => {
  it('computes the standard CRC-32C check value', () => {
    expect(impl.crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(impl.crc32c(Buffer.alloc(0))).toBe(0);
    expect(impl.crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    expect(impl.crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43); // RFC 3720 B.4: 32 bytes of 0xff
  });

  it('continues a CRC across chunks', () => {
    const data = randomBytes(rng(7), 1000);
    const whole = impl.crc32c(data);
    expect(impl.crc32c(data.subarray(300), impl.crc32c(data.subarray(0, 300)))).toBe(whole);
  });

  it('computes known xxHash64 values', () => {
    expect(impl.xxhash64(Buffer.alloc(0))).toBe(0xef46db3751d8e999n);
    expect(impl.xxhash64(Buffer.from('abc'))).toBe(0x44bc2cf5ad770999n);
    expect(impl.xxhash64(Buffer.alloc(0), 1n)).toBe(0xd5afba1336a3be4bn);
  });

  it('accepts every batch captured from kafkajs', () => {
    for (const c of capturedBatches()) {
      expect({ name: c.name, status: impl.checkBatch(c.bytes, 1 << 30) }).toEqual({ name: c.name, status: BatchStatus.OK });
    }
  });

  it('rejects each kind of bad batch with its own status', () => {
    const good = batchFor(1, 3);
    const flip = (at: number): Buffer => {
      const b = Buffer.from(good);
      b[at]! ^= 0x01;
      return b;
    };
    expect(impl.checkBatch(good, 1 << 20)).toBe(BatchStatus.OK);
    expect(impl.checkBatch(good.subarray(0, 40), 1 << 20)).toBe(BatchStatus.TOO_SHORT);
    expect(impl.checkBatch(good.subarray(0, good.length - 1), 1 << 20)).toBe(BatchStatus.LENGTH_MISMATCH);
    expect(impl.checkBatch(Buffer.concat([good, Buffer.alloc(1)]), 1 << 20)).toBe(BatchStatus.LENGTH_MISMATCH);
    const negative = Buffer.from(good);
    negative.writeInt32BE(-5, BatchField.BATCH_LENGTH);
    expect(impl.checkBatch(negative, 1 << 20)).toBe(BatchStatus.LENGTH_MISMATCH);
    const absurd = Buffer.from(good);
    absurd.writeInt32BE(0x7fffffff, BatchField.BATCH_LENGTH);
    expect(impl.checkBatch(absurd, 1 << 20)).toBe(BatchStatus.LENGTH_MISMATCH);
    expect(impl.checkBatch(good, good.length - 1)).toBe(BatchStatus.TOO_LARGE);
    const magic = Buffer.from(good);
    magic[BatchField.MAGIC] = 1;
    expect(impl.checkBatch(magic, 1 << 20)).toBe(BatchStatus.BAD_MAGIC);
    expect(impl.checkBatch(flip(good.length - 3), 1 << 20)).toBe(BatchStatus.BAD_CRC);
    expect(impl.checkBatch(flip(BatchField.ATTRIBUTES), 1 << 20)).toBe(BatchStatus.BAD_CRC);
    // baseOffset and the leader epoch are outside the CRC: changing them is not corruption.
    expect(impl.checkBatch(flip(BatchField.BASE_OFFSET + 7), 1 << 20)).toBe(BatchStatus.OK);
    const count = Buffer.from(good);
    count.writeInt32BE(2, BatchField.RECORD_COUNT);
    count.writeUInt32BE(impl.crc32c(count.subarray(BatchField.ATTRIBUTES)), BatchField.CRC);
    expect(impl.checkBatch(count, 1 << 20)).toBe(BatchStatus.BAD_RECORD_COUNT);
  });

  it('patches baseOffset in place without touching the CRC', () => {
    const b = batchFor(2, 4);
    const crc = b.readUInt32BE(BatchField.CRC);
    impl.patchBatch(b, 123_456_789_012, -1);
    expect(readBatchHeader(b).baseOffset).toBe(123_456_789_012);
    expect(b.readUInt32BE(BatchField.CRC)).toBe(crc);
    expect(impl.checkBatch(b, 1 << 20)).toBe(BatchStatus.OK);
  });

  it('stamps LogAppendTime and recomputes the CRC', () => {
    const b = batchFor(3, 2);
    impl.patchBatch(b, 9, 1_800_000_000_000);
    const h = readBatchHeader(b);
    expect(h.maxTimestamp).toBe(1_800_000_000_000);
    expect(h.attributes & TIMESTAMP_TYPE_LOG_APPEND).toBe(TIMESTAMP_TYPE_LOG_APPEND);
    expect(impl.checkBatch(b, 1 << 20)).toBe(BatchStatus.OK);
  });

  it('refuses to patch a buffer shorter than a header', () => {
    expect(() => impl.patchBatch(Buffer.alloc(10), 1, -1)).toThrow();
  });
});

describe.runIf(native !== undefined)('native and fallback agree', () => {
  const n = native!;
  it('on random data of every length up to 4 KiB and some large ones', () => {
    const next = rng(42);
    const sizes = [...Array.from({ length: 600 }, (_, i) => i), 4095, 4096, 65_537, 1_000_003];
    for (const size of sizes) {
      const data = randomBytes(next, size);
      const seed = Math.floor(next() * 2 ** 32);
      expect(n.crc32c(data)).toBe(fallback.crc32c(data));
      expect(n.crc32c(data, seed)).toBe(fallback.crc32c(data, seed));
      if (size < 5000) expect(n.xxhash64(data, BigInt(seed))).toBe(fallback.xxhash64(data, BigInt(seed)));
    }
  });

  it('on unaligned views into larger buffers', () => {
    const big = randomBytes(rng(3), 10_000);
    for (let off = 0; off < 16; off++) {
      const view = big.subarray(off, off + 5000);
      expect(n.crc32c(view)).toBe(fallback.crc32c(view));
      expect(n.xxhash64(view)).toBe(fallback.xxhash64(view));
    }
  });

  it('on random mutations of real batches (status and patched bytes)', () => {
    const next = rng(99);
    const sources = [...capturedBatches().map((c) => c.bytes), batchFor(5, 7), batchFor(6, 1, 3000)];
    for (let i = 0; i < 3000; i++) {
      const src = sources[i % sources.length]!;
      const b = Buffer.from(src);
      const mutations = Math.floor(next() * 3);
      for (let m = 0; m < mutations; m++) b[Math.floor(next() * b.length)] = Math.floor(next() * 256);
      const cut = next() < 0.1 ? b.subarray(0, Math.floor(next() * b.length)) : b;
      const limit = next() < 0.1 ? Math.floor(next() * b.length) : 1 << 30;
      expect(n.checkBatch(cut, limit)).toBe(fallback.checkBatch(cut, limit));
      if (cut.length >= BATCH_HEADER_SIZE) {
        const a = Buffer.from(cut);
        const c = Buffer.from(cut);
        const ts = next() < 0.5 ? -1 : Math.floor(next() * 2 ** 41);
        n.patchBatch(a, i * 1000, ts);
        fallback.patchBatch(c, i * 1000, ts);
        expect(a.equals(c)).toBe(true);
      }
    }
  });

  it('writes through to the caller buffer, including views at an offset', () => {
    const backing = Buffer.alloc(batchFor(8).length + 100);
    const view = backing.subarray(50, 50 + batchFor(8).length);
    batchFor(8).copy(view);
    n.patchBatch(view, 77, -1);
    expect(backing.readBigInt64BE(50)).toBe(77n);
  });
});
