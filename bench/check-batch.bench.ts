// Record-batch header check (framing, magic, CRC over the batch, record count) as the
// log runs it on every produced batch: native vs TypeScript, 1 KiB and 16 KiB batches.
import { fallback, native } from '../src/native/index.js';
import { buildRecordBatch } from '../src/protocol/records/batch-builder.js';
import { ratio, runBench, type BenchTask } from './harness.js';

if (native === undefined) throw new Error('native addon not loaded: run npm run build:native');
const n = native;
const tasks: BenchTask[] = [];
for (const kib of [1, 16]) {
  const batch = buildRecordBatch(Array.from({ length: kib }, () => ({ value: Buffer.alloc(1000, 1) })));
  tasks.push({ name: `native ${kib} KiB`, fn: () => n.checkBatch(batch, 1 << 30), bytesPerCall: batch.length });
  tasks.push({ name: `typescript ${kib} KiB`, fn: () => fallback.checkBatch(batch, 1 << 30), bytesPerCall: batch.length });
  tasks.push({ name: `native patch ${kib} KiB`, fn: () => n.patchBatch(batch, 42, -1) });
  tasks.push({ name: `typescript patch ${kib} KiB`, fn: () => fallback.patchBatch(batch, 42, -1) });
}
const rows = await runBench('check-batch', tasks);
for (const kib of [1, 16]) console.log(`check native / typescript at ${kib} KiB: ${ratio(rows, `native ${kib} KiB`, `typescript ${kib} KiB`).toFixed(1)}x`);
