// CRC-32C, native (SSE4.2) vs the TypeScript slicing-by-8 fallback, over the buffer
// sizes batches come in. Both are called exactly as the log calls them: on a Buffer view.
import { fallback, native } from '../src/native/index.js';
import { ratio, runBench, type BenchTask } from './harness.js';

if (native === undefined) throw new Error('native addon not loaded: run npm run build:native');
const n = native;
const sizes = [1024, 16 * 1024, 1024 * 1024];
const tasks: BenchTask[] = [];
for (const size of sizes) {
  const data = Buffer.alloc(size + 3, 0x5a).subarray(3); // unaligned, like a batch inside a request
  tasks.push({ name: `native ${size} B`, fn: () => n.crc32c(data), bytesPerCall: size });
  tasks.push({ name: `typescript ${size} B`, fn: () => fallback.crc32c(data), bytesPerCall: size });
}
const rows = await runBench('crc32c', tasks);
for (const size of sizes) {
  console.log(`native / typescript at ${size} B: ${ratio(rows, `native ${size} B`, `typescript ${size} B`, 'mbPerSec').toFixed(1)}x`);
}
