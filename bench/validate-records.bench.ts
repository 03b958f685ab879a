// Record validation as produce runs it on every batch (Kafka's LogValidator walk): the
// records section walked natively vs in TypeScript, next to the CRC check every batch
// already pays, for 16 and 1000 records of 1 KiB; and whole-batch validation of lz4 and
// zstd batches, where decompression is most of the cost.
import { fallback, native } from '../src/native/index.js';
import { BATCH_HEADER_SIZE, BatchField, COMPRESSION_MASK, LOG_OVERHEAD } from '../src/protocol/records/batch-layout.js';
import { buildRecordBatch } from '../src/protocol/records/batch-builder.js';
import { Codec, compress, type CodecId } from '../src/protocol/records/compression.js';
import { validateBatchRecords } from '../src/protocol/records/validate-records.js';
import { ratio, runBench, type BenchTask } from './harness.js';

if (native === undefined) throw new Error('native addon not loaded: run npm run build:native');
const n = native;

function value(i: number): Buffer {
  return Buffer.from(`{"order":${i},"user":${(i * 7919) % 100000},"status":"shipped","amount":${i % 997}}`.padEnd(1000, ' '));
}

function compressed(batch: Buffer, codec: CodecId): Buffer {
  const out = Buffer.concat([batch.subarray(0, BATCH_HEADER_SIZE), compress(codec, batch.subarray(BATCH_HEADER_SIZE))]);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BatchField.BATCH_LENGTH);
  out.writeInt16BE((out.readInt16BE(BatchField.ATTRIBUTES) & ~COMPRESSION_MASK) | codec, BatchField.ATTRIBUTES);
  return out;
}

const tasks: BenchTask[] = [];
for (const count of [16, 1000]) {
  const batch = buildRecordBatch(Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${i}`), value: value(i) })));
  const records = batch.subarray(BATCH_HEADER_SIZE);
  tasks.push({ name: `native walk ${count}`, fn: () => n.validateRecords(records, count), bytesPerCall: batch.length });
  tasks.push({ name: `typescript walk ${count}`, fn: () => fallback.validateRecords(records, count), bytesPerCall: batch.length });
  tasks.push({ name: `native crc check ${count}`, fn: () => n.checkBatch(batch, 1 << 30), bytesPerCall: batch.length });
  for (const [label, codec] of [['lz4', Codec.LZ4], ['zstd', Codec.ZSTD]] as const) {
    const c = compressed(batch, codec);
    tasks.push({ name: `${label} validate ${count}`, fn: () => validateBatchRecords(c, 2 << 20), bytesPerCall: batch.length });
  }
}
const rows = await runBench('validate-records', tasks);
for (const count of [16, 1000]) {
  console.log(`walk native / typescript at ${count} records: ${ratio(rows, `native walk ${count}`, `typescript walk ${count}`).toFixed(1)}x`);
  console.log(`walk / crc check at ${count} records (native): ${ratio(rows, `native crc check ${count}`, `native walk ${count}`).toFixed(2)}x the time`);
}
