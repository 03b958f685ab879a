// xxHash64 (segment fingerprints for the tier), native vs the BigInt TypeScript fallback.
import { fallback, native } from '../src/native/index.js';
import { ratio, runBench } from './harness.js';

if (native === undefined) throw new Error('native addon not loaded: run npm run build:native');
const n = native;
const data = Buffer.alloc(64 * 1024, 0x33);
const rows = await runBench('xxhash64', [
  { name: 'native 64 KiB', fn: () => n.xxhash64(data), bytesPerCall: data.length },
  { name: 'typescript 64 KiB', fn: () => fallback.xxhash64(data), bytesPerCall: data.length },
]);
console.log(`native / typescript: ${ratio(rows, 'native 64 KiB', 'typescript 64 KiB').toFixed(1)}x`);
