// Record validation (Kafka's LogValidator walk): real clients' batches pass, broken
// records inside a batch with a correct CRC are refused with INVALID_RECORD naming the
// fault, decompression is bounded by max.message.bytes, and the native walker and its
// TypeScript twin agree on every input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/errors.js';
import { hot, native } from '../../../src/native/index.js';
import { validateRecordsJs } from '../../../src/native/fallback-records.js';
import { BATCH_HEADER_SIZE, BatchField, COMPRESSION_MASK, LOG_OVERHEAD, RecordsStatus } from '../../../src/protocol/records/batch-layout.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { Codec, compress, type CodecId } from '../../../src/protocol/records/compression.js';
import { validateBatchRecords } from '../../../src/protocol/records/validate-records.js';
import { capturedBatches } from '../../helpers/batches.js';
import { runWith } from '../../helpers/tools.js';

const implementations = [
  ['typescript', validateRecordsJs],
  ...(native === undefined ? [] : [['native', native.validateRecords.bind(native)] as const]),
] as const;

function sample(): Buffer {
  return buildRecordBatch([
    { key: Buffer.from('k1'), value: Buffer.from('v1'), headers: [{ key: 'h', value: Buffer.from('x') }, { key: 'n', value: null }] },
    { key: null, value: null },
    { value: Buffer.alloc(300, 7), timestamp: Date.now() + 5 },
  ]);
}

/** The batch with its records section replaced (and compressed by `codec`), framing and CRC made right again. */
function withRecords(batch: Buffer, records: Buffer, codec: CodecId = Codec.NONE): Buffer {
  const body = compress(codec, records);
  const out = Buffer.concat([batch.subarray(0, BATCH_HEADER_SIZE), body]);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BatchField.BATCH_LENGTH);
  out.writeInt16BE((out.readInt16BE(BatchField.ATTRIBUTES) & ~COMPRESSION_MASK) | codec, BatchField.ATTRIBUTES);
  out.writeUInt32BE(hot.crc32c(out.subarray(BatchField.ATTRIBUTES)), BatchField.CRC);
  return out;
}

function refusal(batch: Buffer, maxBytes = 1_048_588): string | undefined {
  try {
    validateBatchRecords(batch, maxBytes);
    return undefined;
  } catch (err) {
    return err instanceof KafkaError ? `${err.errorName}: ${err.message}` : String(err);
  }
}

describe.each(implementations)('validateRecords (%s)', (_name, validate) => {
  it('accepts well-formed records, keys, values and headers, null or not', () => {
    const b = sample();
    expect(validate(b.subarray(BATCH_HEADER_SIZE), 3)).toBe(RecordsStatus.OK);
  });

  it('names each fault', () => {
    const records = Buffer.from(sample().subarray(BATCH_HEADER_SIZE));
    expect(validate(records, 4)).toBe(RecordsStatus.TRUNCATED);
    expect(validate(records, 2)).toBe(RecordsStatus.TRAILING_BYTES);
    expect(validate(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 1)).toBe(RecordsStatus.BAD_VARINT);
    // length 4 (zigzag 8): attributes, timestamp delta 0, offset delta 1 (should be 0), key length 0
    expect(validate(Buffer.from([8, 0, 0, 2, 0]), 1)).toBe(RecordsStatus.BAD_OFFSET_DELTA);
    // key length -2 (zigzag 3)
    expect(validate(Buffer.from([10, 0, 0, 0, 3, 0]), 1)).toBe(RecordsStatus.BAD_FIELD_LENGTH);
    // null key, null value, header count -1 (zigzag 1)
    expect(validate(Buffer.from([12, 0, 0, 0, 1, 1, 1]), 1)).toBe(RecordsStatus.BAD_HEADERS);
    // one header whose key length is -1
    expect(validate(Buffer.from([14, 0, 0, 0, 1, 1, 2, 1]), 1)).toBe(RecordsStatus.BAD_HEADERS);
    // a record whose fields end before its declared length
    expect(validate(Buffer.from([14, 0, 0, 0, 1, 1, 0, 0]), 1)).toBe(RecordsStatus.BAD_SIZE);
    expect(validate(Buffer.from([0]), 1)).toBe(RecordsStatus.BAD_SIZE);
  });
});

describe('validateRecords: native and TypeScript agree', () => {
  it.runIf(runWith(native !== undefined))('on mutated, truncated and random record sections', () => {
    const base = Buffer.from(sample().subarray(BATCH_HEADER_SIZE));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(base.length),
        fc.integer({ min: -1, max: 5 }),
        fc.uint8Array({ maxLength: 64 }),
        (flips, cut, count, random) => {
          const mutated = Buffer.from(base);
          for (const [at, v] of flips) mutated[at] = v;
          for (const buf of [mutated, mutated.subarray(0, cut), Buffer.from(random)]) {
            expect(native!.validateRecords(buf, count)).toBe(validateRecordsJs(buf, count));
          }
        },
      ),
      { numRuns: Number(process.env.STRATA_VALIDATE_PROPERTY_RUNS ?? 2000) },
    );
  });
});

describe('validateBatchRecords', () => {
  it('passes every batch captured from a real client, compressed or not', () => {
    const batches = capturedBatches();
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) expect(refusal(Buffer.from(b.bytes)), b.name).toBeUndefined();
  });

  it('refuses broken records under a correct CRC with INVALID_RECORD, compressed too', () => {
    const b = sample();
    const records = Buffer.from(b.subarray(BATCH_HEADER_SIZE));
    records[records.length - 1] = 0xff; // the last byte now claims a continuation: overflows
    const broken = Buffer.concat([records, Buffer.from([0xff, 0xff])]);
    for (const codec of [Codec.NONE, Codec.GZIP, Codec.LZ4, Codec.ZSTD, Codec.SNAPPY] as const) {
      expect(refusal(withRecords(b, broken, codec))).toMatch(/^INVALID_RECORD: .*invalid record batch: /);
    }
  });

  it('refuses a decompression bomb past max.message.bytes with CORRUPT_MESSAGE', () => {
    const b = sample();
    const bomb = withRecords(b, Buffer.alloc(96 * 1024 * 1024), Codec.GZIP); // ~96 KiB compressed
    expect(bomb.length).toBeLessThan(1_048_588);
    expect(refusal(bomb)).toMatch(/^CORRUPT_MESSAGE: /);
    for (const codec of [Codec.ZSTD, Codec.LZ4, Codec.SNAPPY] as const) {
      expect(refusal(withRecords(b, Buffer.alloc(8 * 1024 * 1024), codec)), String(codec)).toMatch(/^CORRUPT_MESSAGE: /);
    }
  });
});
