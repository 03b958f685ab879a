// Durable appends (write + fdatasync) to 1 and 16 files (growing, or preallocated with
// fallocate), 16 KiB each: io_uring with
// all writes and fdatasyncs in flight together, against the serial pwrite + fdatasync loop
// (native), and against Node's fs doing the same serially. One call appends one batch to
// every file; ops/s counts durable appends. Files live in STRATA_BENCH_DIR (default
// ./.bench-data: a real disk; on tmpfs fdatasync costs nothing and the numbers mean nothing).
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { durableAppend, type IoMode } from '../src/native/durable-append.js';
import { nativeIo } from '../src/native/index.js';
import { ratio, runBench, type BenchTask } from './harness.js';

const base = resolve(process.env.STRATA_BENCH_DIR ?? '.bench-data', 'durable-append');
const size = 16 * 1024;
const modes: IoMode[] = ['fs', ...(nativeIo ? (['pwrite'] as const) : []), ...(nativeIo?.ioUringAvailable() ? (['uring'] as const) : [])];
const tasks: BenchTask[] = [];
const layouts = nativeIo ? (['growing', 'preallocated'] as const) : (['growing'] as const);
for (const layout of layouts) for (const files of [1, 16]) {
  for (const mode of modes) {
    let fds: number[] = [];
    let offsets: number[] = [];
    const bufs = Array.from({ length: files }, () => Buffer.alloc(size, 0x61));
    const dir = join(base, `${layout}-${mode}-${files}`);
    tasks.push({
      name: `${layout} ${mode} x${files}`,
      opsPerCall: files,
      bytesPerCall: files * size,
      setup: () => {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        fds = Array.from({ length: files }, (_, i) => openSync(join(dir, `segment-${i}.log`), 'w+'));
        if (layout === 'preallocated') for (const fd of fds) nativeIo!.preallocate(fd, 256 * 1024 * 1024);
        offsets = fds.map(() => 0);
      },
      fn: async () => {
        await durableAppend(fds, bufs, offsets, mode);
        for (let i = 0; i < offsets.length; i++) offsets[i]! += size;
      },
      teardown: () => {
        fds.forEach((fd) => closeSync(fd));
        rmSync(dir, { recursive: true, force: true });
      },
    });
  }
}
const rows = await runBench('durable-append', tasks, { time: Number(process.env.STRATA_BENCH_TIME_MS ?? 2000), warmupTime: 300 });
if (modes.includes('uring')) {
  for (const layout of layouts) {
    console.log(`${layout}, 16 files: io_uring / serial pwrite+fdatasync = ${ratio(rows, `${layout} uring x16`, `${layout} pwrite x16`).toFixed(2)}x; io_uring / fs = ${ratio(rows, `${layout} uring x16`, `${layout} fs x16`).toFixed(2)}x`);
  }
  console.log(`io_uring x16, preallocated / growing = ${ratio(rows, 'preallocated uring x16', 'growing uring x16').toFixed(2)}x`);
}
rmSync(base, { recursive: true, force: true });
