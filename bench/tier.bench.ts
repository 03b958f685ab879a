// The S3 tier against s3rver (started here): upload MB/s of 1 MiB objects through the
// throttle at two configured PUT rates (the rate must cap it), and remote-read MB/s from an
// uploaded segment, cold (empty cache) and cached.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { silentLogger } from '../src/logger.js';
import { hot } from '../src/native/index.js';
import { buildRecordBatch } from '../src/protocol/records/batch-builder.js';
import { PartitionLog } from '../src/storage/partition-log.js';
import { RangeCache } from '../src/tier/range-cache.js';
import { RemotePartition } from '../src/tier/remote-partition.js';
import { S3ObjectStore } from '../src/tier/s3-object-store.js';
import { ThrottledObjectStore, DEFAULT_THROTTLE } from '../src/tier/throttled-object-store.js';
import { runBench, type BenchTask } from './harness.js';

const work = mkdtempSync(join(tmpdir(), 'strata-tier-bench-'));
const s3 = new S3rver({ port: 0, address: '127.0.0.1', directory: join(work, 's3'), silent: true, configureBuckets: [{ name: 'bench' }] });
const { port } = await s3.run();
const raw = new S3ObjectStore({ bucket: 'bench', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
const MiB = 1024 * 1024;
const object = Buffer.alloc(MiB, 0x5a);

const tasks: BenchTask[] = [];
for (const rate of [5, 50]) {
  let store: ThrottledObjectStore;
  let n = 0;
  tasks.push({
    name: `upload 1 MiB, PUT rate ${rate}/s`,
    bytesPerCall: MiB,
    setup: () => {
      store = new ThrottledObjectStore(raw, { ...DEFAULT_THROTTLE, rates: { ...DEFAULT_THROTTLE.rates, PUT: { rate, minRate: 1, maxRate: rate, burst: 1 } } });
    },
    fn: async () => {
      await store.put(`upload/${rate}/${n++}`, object);
    },
  });
}

// A real segment of 1 KiB records, rolled and uploaded.
const logDir = join(work, 'log');
const log = PartitionLog.open(logDir, { segmentBytes: 8 * MiB, syncPolicy: 'never' });
for (let i = 0; i < 7000; i++) await log.append(buildRecordBatch([{ value: Buffer.alloc(1000, i % 251) }]));
log.roll();
await log.flush();
const remote = new RemotePartition('bench', 'AAAAAAAAAAAAAAAAAAAAAA', 0, raw, new RangeCache(0), silentLogger);
await remote.uploadClosed(log, async (path) => hot.xxhash64(readFileSync(path)).toString(16).padStart(16, '0'));
const segmentEnd = remote.uploadedUpTo;
let cold = 0;
tasks.push({
  name: 'remote read 1 MiB, cold cache',
  bytesPerCall: MiB,
  fn: async () => {
    const fresh = new RemotePartition('bench', 'AAAAAAAAAAAAAAAAAAAAAA', 0, raw, new RangeCache(64 * MiB), silentLogger);
    fresh.manifest = remote.manifest;
    const b = await fresh.read((cold += 997) % (segmentEnd - 1100), MiB);
    if (b.length < MiB / 2) throw new Error(`short read ${b.length}`);
  },
});
const cached = new RemotePartition('bench', 'AAAAAAAAAAAAAAAAAAAAAA', 0, raw, new RangeCache(64 * MiB), silentLogger);
cached.manifest = remote.manifest;
tasks.push({
  name: 'remote read 1 MiB, cached',
  bytesPerCall: MiB,
  fn: async () => {
    const b = await cached.read(1000, MiB);
    if (b.length < MiB / 2) throw new Error(`short read ${b.length}`);
  },
});

const rows = await runBench('tier', tasks, { time: Number(process.env.STRATA_BENCH_TIME_MS ?? 3000), warmupTime: 200 });
for (const rate of [5, 50]) {
  const r = rows.find((x) => x.name === `upload 1 MiB, PUT rate ${rate}/s`)!;
  console.log(`PUT rate ${rate}/s: ${(r.mbPerSec! / 1.048576).toFixed(1)} MiB/s uploaded (cap ${rate} MiB/s)`);
}
await log.close();
raw.destroy();
await s3.close();
rmSync(work, { recursive: true, force: true });
