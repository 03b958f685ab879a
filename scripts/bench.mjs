#!/usr/bin/env node
// Runs the compiled benchmarks (dist/bench/*.bench.js) one process each, so one
// benchmark's garbage and JIT state do not bleed into the next.
// Usage: npm run bench [-- name ...]   e.g. npm run bench -- crc32c append
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'dist', 'bench');
const wanted = process.argv.slice(2);
if (wanted.includes('--help')) {
  console.log('usage: npm run bench [-- NAME ...]\n  NAME: ' + readdirSync(dir).filter((f) => f.endsWith('.bench.js')).map((f) => f.slice(0, -9)).join(', '));
  console.log('  env: STRATA_BENCH_DIR (where append benchmarks write), STRATA_BENCH_TIME_MS (per task),\n       STRATA_BENCH_FILTER (regular expression on task names)');
  process.exit(0);
}
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.js')).filter((f) => wanted.length === 0 || wanted.includes(f.slice(0, -9)));
if (files.length === 0) {
  console.error(`no benchmark matches ${wanted.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const f of files) {
  const r = spawnSync(process.execPath, [join(dir, f)], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
