// Codecs and recompression: each codec round-trips; Xerial-framed and raw snappy both
// read; decompression is bounded; a recompressed batch keeps its records and header
// fields with a valid CRC; a corrupt batch is refused rather than re-signed.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/errors.js';
import { hot, nativeIo } from '../../../src/native/index.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { BatchField, BatchStatus, readBatchHeader } from '../../../src/protocol/records/batch-layout.js';
import { Codec, compress, decompress, type CodecId } from '../../../src/protocol/records/compression.js';
import { readRecords } from '../../../src/protocol/records/record-reader.js';
import { batchCodec, recompressBatch } from '../../../src/protocol/records/recompress.js';
import { randomBytes, rng } from '../../helpers/batches.js';
import { CpuPool } from '../../../src/pool/cpu-pool.js';

const codecs: Array<[string, CodecId]> = [['none', Codec.NONE], ['gzip', Codec.GZIP], ['lz4', Codec.LZ4]];
if (nativeIo !== undefined) codecs.push(['snappy', Codec.SNAPPY], ['zstd', Codec.ZSTD]);

function sample(): Buffer {
  const next = rng(7);
  // Compressible and not: repeated text and random bytes, over several snappy blocks.
  return Buffer.concat([Buffer.from('strata '.repeat(12_000)), randomBytes(next, 50_000)]);
}

describe('compression codecs', () => {
  it.each(codecs)('%s round-trips', (_name, codec) => {
    const data = sample();
    expect(decompress(codec, compress(codec, data), 1 << 20).equals(data)).toBe(true);
  });

  it.runIf(nativeIo !== undefined)('reads raw snappy blocks as well as the Xerial framing', () => {
    const data = sample().subarray(0, 20_000);
    const raw = nativeIo!.snappyCompressBlock(data);
    expect(decompress(Codec.SNAPPY, raw, 1 << 20).equals(data)).toBe(true);
    expect(compress(Codec.SNAPPY, data).subarray(0, 8).toString('latin1')).toBe('\x82SNAPPY\x00');
  });

  it('refuses data that inflates past the limit, and data that does not decode', () => {
    const bomb = gzipSync(Buffer.alloc(10 << 20));
    expect(() => decompress(Codec.GZIP, bomb, 1 << 20)).toThrow(KafkaError);
    expect(() => decompress(Codec.LZ4, Buffer.from('not lz4 at all'), 1 << 20)).toThrow(/CORRUPT_MESSAGE/);
    if (nativeIo !== undefined) {
      expect(() => decompress(Codec.ZSTD, compress(Codec.ZSTD, Buffer.alloc(2 << 20)), 1 << 20)).toThrow(/CORRUPT_MESSAGE/);
      expect(() => decompress(Codec.SNAPPY, compress(Codec.SNAPPY, Buffer.alloc(2 << 20)), 1 << 20)).toThrow(/CORRUPT_MESSAGE/);
    }
    expect(() => decompress(7, Buffer.alloc(10), 1 << 20)).toThrow(/UNSUPPORTED_COMPRESSION_TYPE/);
  });
});

describe('recompressing a batch', () => {
  const records = Array.from({ length: 50 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`value ${i} `.repeat(20)), headers: [{ key: 'h', value: Buffer.from(String(i)) }] }));

  it.each(codecs)('to %s keeps every record and header field, with a valid CRC', (_name, codec) => {
    const original = buildRecordBatch(records, { producerId: 42n, producerEpoch: 3, baseSequence: 100 });
    const out = recompressBatch(original, codec, 1 << 20);
    expect(batchCodec(out)).toBe(codec);
    expect(hot.checkBatch(out, 1 << 20)).toBe(BatchStatus.OK);
    const a = readBatchHeader(original);
    const b = readBatchHeader(out);
    expect({ ...b, size: 0, attributes: b.attributes & ~7 }).toEqual({ ...a, size: 0, attributes: a.attributes & ~7 });
    const back = recompressBatch(out, Codec.NONE, 1 << 20);
    expect([...readRecords(back)].map((r) => r.value?.toString())).toEqual(records.map((r) => r.value.toString()));
  });

  it('refuses a batch whose CRC is wrong instead of signing it anew', () => {
    const bad = buildRecordBatch(records);
    bad[bad.length - 1]! ^= 0xff;
    expect(() => recompressBatch(bad, Codec.GZIP, 1 << 20)).toThrow(/CORRUPT_MESSAGE/);
  });

  it('runs on a Piscina pool thread with the batch transferred, and inline alike', async () => {
    const batch = buildRecordBatch(records);
    const pool = new CpuPool(1);
    const inline = new CpuPool(0);
    try {
      const [a, b] = await Promise.all([pool.recompress(batch, Codec.LZ4, 1 << 20), inline.recompress(batch, Codec.LZ4, 1 << 20)]);
      expect(a.equals(b)).toBe(true);
      expect(batch.readInt16BE(BatchField.ATTRIBUTES) & 7).toBe(Codec.NONE); // the caller's bytes are untouched
      expect(pool.stats().completed).toBe(1);
    } finally {
      await pool.close();
    }
  });
});
