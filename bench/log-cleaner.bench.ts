// One log cleaner pass (src/storage/cleaner/clean-pass.ts) over the closed segments of a log
// of 2,000 keys each written 20 times (100-byte values, 16 records per batch), uncompressed
// and lz4. A pass maps the keys, rewrites every segment and fsyncs the cleaned files; the
// files are thrown away after each call, so every call cleans the same input. MB/s is
// of log read (the input size); the I/O cap is off.
import { mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRecordBatch } from '../src/protocol/records/batch-builder.js';
import { Codec } from '../src/protocol/records/compression.js';
import { recompressBatch } from '../src/protocol/records/recompress.js';
import { runCleanPass, type CleanPassInput } from '../src/storage/cleaner/clean-pass.js';
import { PartitionLog } from '../src/storage/partition-log.js';
import { runBench, type BenchTask } from './harness.js';

const KEYS = 2000;
const ROUNDS = 20;
const PER_BATCH = 16;
const T0 = 1_700_000_000_000;
const dirs: string[] = [];

async function fill(codec: number): Promise<{ input: CleanPassInput; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-cleaner-'));
  dirs.push(dir);
  const log = PartitionLog.open(dir, { cleanupPolicy: 'compact', segmentBytes: 1 << 20, syncPolicy: 'never' });
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < KEYS; k += PER_BATCH) {
      const plain = buildRecordBatch(Array.from({ length: PER_BATCH }, (_, i) => ({ key: Buffer.from(`key-${k + i}`), value: Buffer.from(`${round}:${k + i}:`.padEnd(100, 'v')), timestamp: T0 + round })));
      await log.append(codec === Codec.NONE ? plain : recompressBatch(plain, codec as 3, 1 << 20));
    }
  }
  log.roll();
  await log.flush();
  const closed = log.closedSegments();
  await log.close();
  const input: CleanPassInput = {
    dir, segments: closed.map((s) => ({ baseOffset: s.baseOffset, size: s.size, maxTimestamp: s.maxTimestamp, nextBase: s.nextBase })),
    firstDirty: 0, now: T0 + 1000, segmentBytes: 1 << 20, deleteRetentionMs: 86_400_000, minCompactionLagMs: 0, maxRecordsBytes: 1 << 22, maxKeys: 1_000_000, ioBytesPerSecond: 0, indexIntervalBytes: 4096, aborted: [],
  };
  return { input, bytes: closed.reduce((n, s) => n + s.size, 0) };
}

function dropCleaned(dir: string): void {
  for (const f of readdirSync(dir)) if (f.endsWith('.cleaned')) unlinkSync(join(dir, f));
}

const tasks: BenchTask[] = [];
for (const [name, codec] of [['uncompressed', Codec.NONE], ['lz4', Codec.LZ4]] as const) {
  const { input, bytes } = await fill(codec);
  tasks.push({
    name: `clean pass, ${name} (${(bytes / 1048576).toFixed(1)} MiB in)`,
    bytesPerCall: bytes,
    fn: async () => {
      await runCleanPass(input);
      dropCleaned(input.dir);
    },
  });
}
await runBench('log-cleaner', tasks, { time: Number(process.env.STRATA_BENCH_TIME_MS ?? 4000), warmupTime: 500 });
for (const d of dirs) rmSync(d, { recursive: true, force: true });
