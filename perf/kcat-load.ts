// End-to-end load: the broker in a child process, librdkafka (kcat) as the load
// generator for throughput, the project's own protocol client for produce latency.
// Usage: npm run perf -- (or node dist/perf/kcat-load.js) [--records N] [--size BYTES] [--partitions P]
//        [--sync interval|always|never] [--latency-requests N] [--concurrency C]
//        [--modes threaded,inline] [--log-writers N]
// --modes (default inline) runs the whole load once per mode, a fresh broker each:
// inline = `strata serve --inline` (the default broker), threaded = partition logs on
// --log-writers N writer threads; with both, the rows are divided threaded/inline (same
// run, same machine).
// Prints a markdown table and writes perf/results/kcat-load-<sync>.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RawClient } from '../src/client/raw-client.js';
import { ApiKey } from '../src/protocol/generated/api-keys.js';
import { defaultProduceRequest, writeProduceRequest } from '../src/protocol/generated/produce-request.js';
import { readProduceResponse } from '../src/protocol/generated/produce-response.js';
import { buildRecordBatch } from '../src/protocol/records/batch-builder.js';
import { procStat, repoRoot as root, startBrokerProcess } from './broker-process.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    size: { type: 'string', default: '1024' },
    partitions: { type: 'string', default: '4' },
    sync: { type: 'string', default: 'interval' },
    'latency-requests': { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '8' },
    modes: { type: 'string', default: 'inline' },
    'log-writers': { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  // The file's leading comment block is the help text.
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}
const records = Number(values.records);
const size = Number(values.size);
const partitions = Number(values.partitions);
const sync = values.sync!;

/** Runs kcat under bash so `times` reports its CPU; returns wall seconds and CPU seconds. */
function kcat(args: string, input?: string): { wall: number; cpu: number } {
  const started = performance.now();
  const r = spawnSync('bash', ['-c', `kcat ${args} ${input ? `< "${input}"` : '> /dev/null'} && times`], { encoding: 'utf8' });
  const wall = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`kcat ${args} failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  const children = lines[lines.length - 1]!.split(/\s+/).map((t) => { const m = /(\d+)m([\d.]+)s/.exec(t)!; return Number(m[1]) * 60 + Number(m[2]); });
  return { wall, cpu: children[0]! + children[1]! };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function latency(port: number, topic: string, acks: number, total = Number(values['latency-requests'])): Promise<{ p50: number; p99: number; p999: number; rps: number }> {
  const client = await RawClient.connect('127.0.0.1', port);
  const concurrency = Number(values.concurrency);
  const value = Buffer.alloc(size, 0x61);
  const samples: number[] = [];
  let sent = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (sent < total) {
      const i = sent++;
      const batch = buildRecordBatch([{ value }]);
      const req = { ...defaultProduceRequest(), acks, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: i % partitions, records: batch }] }] };
      const t0 = performance.now();
      const res = readProduceResponse(await client.request(ApiKey.Produce, 9, (w) => writeProduceRequest(w, 9, req)), 9);
      samples.push(performance.now() - t0);
      const code = res.responses[0]!.partitionResponses[0]!.errorCode;
      if (code !== 0) throw new Error(`produce error ${code}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  client.close();
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), p999: percentile(samples, 99.9), rps: total / seconds };
}

const work = mkdtempSync(join(tmpdir(), 'strata-perf-'));
const input = join(work, 'records.txt');
const line = 'x'.repeat(size - 1) + '\n';
writeFileSync(input, line.repeat(records));
const megabytes = (records * size) / 1e6;
const rows: Array<Record<string, string | number>> = [];
const modes = values.modes!.split(',');
for (const m of modes) {
  if (m !== 'threaded' && m !== 'inline') {
    console.error(`--modes: ${m} is not threaded or inline`);
    process.exit(2);
  }
}
for (const mode of modes) {
const modeArgs = mode === 'inline' ? ['--inline'] : ['--log-writers', values['log-writers']!];
rmSync(join(work, 'data'), { recursive: true, force: true });
const broker = await startBrokerProcess(join(work, 'data'), ['--sync-policy', sync, '--default-partitions', String(partitions), ...modeArgs]);
try {
  for (const acks of [1, -1]) {
    const topic = `perf-acks${acks === 1 ? '1' : 'all'}`;
    const cpu0 = procStat(broker.pid).cpu;
    const r = kcat(`-b 127.0.0.1:${broker.port} -P -t ${topic} -X acks=${acks === 1 ? 1 : 'all'} -X linger.ms=5 -X batch.num.messages=10000 -X queue.buffering.max.kbytes=1048576`, input);
    const brokerCpu = procStat(broker.pid).cpu - cpu0;
    rows.push({ mode, test: `produce ${size} B, acks=${acks === 1 ? '1' : 'all'}, sync=${sync}`, 'MB/s': megabytes / r.wall, 'records/s': records / r.wall, 'broker CPU %': (100 * brokerCpu) / r.wall, 'kcat CPU %': (100 * r.cpu) / r.wall, 'broker RSS MiB': procStat(broker.pid).rssMiB });
  }
  const cpu0 = procStat(broker.pid).cpu;
  const c = kcat(`-b 127.0.0.1:${broker.port} -C -t perf-acks1 -o beginning -e -q -f '%s\\n'`);
  const brokerCpu = procStat(broker.pid).cpu - cpu0;
  rows.push({ mode, test: `consume ${size} B records`, 'MB/s': megabytes / c.wall, 'records/s': records / c.wall, 'broker CPU %': (100 * brokerCpu) / c.wall, 'kcat CPU %': (100 * c.cpu) / c.wall, 'broker RSS MiB': procStat(broker.pid).rssMiB });
  await latency(broker.port, 'perf-latency-warmup', 1, 3000); // JIT warm-up, not reported
  for (const acks of [1, -1]) {
    const l = await latency(broker.port, `perf-latency-${acks}`, acks);
    rows.push({ mode, test: `produce latency, 1 record/request, ${values.concurrency} in flight, acks=${acks === 1 ? '1' : 'all'}`, 'requests/s': l.rps, 'p50 ms': l.p50, 'p99 ms': l.p99, 'p999 ms': l.p999 });
  }
} finally {
  await broker.stop();
}
}
rmSync(work, { recursive: true, force: true });
const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
const fmt = (v: unknown): string => (typeof v === 'number' ? (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3)) : String(v ?? ''));
console.log(`| ${keys.join(' | ')} |\n|${keys.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${keys.map((k) => fmt(r[k])).join(' | ')} |`);
if (modes.includes('threaded') && modes.includes('inline')) {
  console.log('\n| test | threaded/inline MB/s or requests/s |\n|---|---|');
  for (const t of rows.filter((r) => r.mode === 'threaded')) {
    const i = rows.find((r) => r.mode === 'inline' && r.test === t.test);
    const k = t['MB/s'] !== undefined ? 'MB/s' : 'requests/s';
    if (i !== undefined) console.log(`| ${String(t.test)} | ${(Number(t[k]) / Number(i[k])).toFixed(2)}x |`);
  }
}
const outDir = join(root, 'perf', 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `kcat-load-${sync}.json`), JSON.stringify({ at: new Date().toISOString(), records, size, partitions, sync, modes, rows }, null, 2));
