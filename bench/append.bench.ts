// Partition log appends per sync policy, batch size and concurrency, on real files in
// STRATA_BENCH_DIR (default ./.bench-data, on the same disk as the repo; never a tmpfs).
// One call = `concurrency` appends issued together and awaited, the way a log writer
// receives batches from many producers. With `always`, appends/fsync is the group-commit
// factor: how many acknowledged appends one fdatasync covered.
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildRecordBatch } from '../src/protocol/records/batch-builder.js';
import type { SyncPolicy } from '../src/config/log-config.js';
import { PartitionLog } from '../src/storage/partition-log.js';
import { runBench, type BenchTask } from './harness.js';

const base = resolve(process.env.STRATA_BENCH_DIR ?? '.bench-data');
const time = Number(process.env.STRATA_BENCH_TIME_MS ?? 1500);
const policies: SyncPolicy[] = ['always', 'interval', 'never'];
const sizes: Array<[string, number]> = [['1 KiB', 1024], ['16 KiB', 16 * 1024], ['1 MiB', 1024 * 1024 - 200]];
const concurrencies = [1, 16];

function batchOf(bytes: number): Buffer {
  return buildRecordBatch([{ value: Buffer.alloc(bytes - 80, 7) }]);
}

const tasks: BenchTask[] = [];
for (const policy of policies) {
  for (const [label, bytes] of sizes) {
    for (const concurrency of concurrencies) {
      const dir = join(base, `${policy}-${bytes}-${concurrency}`);
      // Fresh copies per slot: the log patches offsets into the caller's buffer, as it
      // does with a produce request's bytes; building them is outside the timing.
      const batches = Array.from({ length: concurrency }, () => batchOf(bytes));
      let log: PartitionLog | undefined;
      let appendsAtStart = 0;
      let flushesAtStart = 0;
      tasks.push({
        name: `${policy} ${label} x${concurrency}`,
        opsPerCall: concurrency,
        bytesPerCall: concurrency * batches[0]!.length,
        setup: () => {
          rmSync(dir, { recursive: true, force: true });
          mkdirSync(dir, { recursive: true });
          log = PartitionLog.open(dir, { syncPolicy: policy, segmentBytes: 512 * 1024 * 1024, maxBatchBytes: 2 * 1024 * 1024 });
        },
        fn: async () => {
          await Promise.all(batches.map((b) => log!.append(b)));
        },
        after: () => {
          const s = log!.stats;
          const appends = s.appends - appendsAtStart;
          const flushes = s.flushes - flushesAtStart;
          appendsAtStart = s.appends;
          flushesAtStart = s.flushes;
          const extra: Record<string, number> = {};
          if (policy === 'always') extra['appends/fsync'] = flushes === 0 ? 0 : appends / flushes;
          return extra;
        },
        teardown: async () => {
          await log!.close();
          rmSync(dir, { recursive: true, force: true });
        },
      });
    }
  }
}
await runBench('append', tasks, { time, warmupTime: 300 });
rmSync(base, { recursive: true, force: true });
