// Schema validation on produce (confluent.value.schema.validation): every record's value must
// start with magic byte 0 and a schema id registered under the subject. The shipped walk
// (positions only, one registry lookup per id per batch) against decoding each record into
// an object first (the first version), for 500 records of 100 bytes — the perf run's batch —
// and 16 records of 1 KiB; next to the CRC check every batch already pays.
import { native } from '../src/native/index.js';
import { buildRecordBatch } from '../src/protocol/records/batch-builder.js';
import { decodedRecords } from '../src/protocol/records/decoded-records.js';
import { schemaViolations } from '../src/handlers/schema-validation.js';
import { ratio, runBench, type BenchTask } from './harness.js';

const registered = { registeredUnder: (subject: string, id: number) => subject === 't-value' && id === 7 };
const configs = { 'confluent.value.schema.validation': 'true' };

function framed(bytes: number): Buffer {
  const v = Buffer.alloc(bytes, 0x62);
  v[0] = 0;
  v.writeInt32BE(7, 1);
  return v;
}

/** The first version: records decoded into objects, the registry asked per record. */
function objectWalk(batch: Buffer): number {
  let bad = 0;
  for (const r of decodedRecords(batch, 0, 1 << 26)) {
    const v = r.value;
    if (v === null) continue;
    if (v.length < 5 || v[0] !== 0 || !registered.registeredUnder('t-value', v.readInt32BE(1))) bad++;
  }
  return bad;
}

const tasks: BenchTask[] = [];
for (const [count, bytes] of [[500, 100], [16, 1024]] as const) {
  const batch = buildRecordBatch(Array.from({ length: count }, () => ({ value: framed(bytes) })));
  tasks.push({ name: `positions walk ${count}x${bytes}`, fn: () => schemaViolations(registered, 't', configs, batch, 1 << 26), bytesPerCall: batch.length });
  tasks.push({ name: `object walk ${count}x${bytes}`, fn: () => objectWalk(batch), bytesPerCall: batch.length });
  if (native !== undefined) tasks.push({ name: `crc check ${count}x${bytes}`, fn: () => native!.checkBatch(batch, 1 << 30), bytesPerCall: batch.length });
}
const rows = await runBench('schema-validation', tasks);
for (const [count, bytes] of [[500, 100], [16, 1024]] as const) {
  console.log(`positions / object walk at ${count}x${bytes}: ${ratio(rows, `positions walk ${count}x${bytes}`, `object walk ${count}x${bytes}`).toFixed(1)}x`);
  if (native !== undefined) console.log(`positions walk time / crc check time at ${count}x${bytes}: ${ratio(rows, `crc check ${count}x${bytes}`, `positions walk ${count}x${bytes}`).toFixed(2)}x`);
}
