// Throughput/latency sweep: for every combination of the knobs below, a fresh broker in a
// child process and a load from the project's own client (pipelined produce requests over
// N connections, in this process). Prints a markdown table, writes JSON, markdown and an
// SVG chart of throughput against p99 latency to perf/results/.
//
// Usage: npm run perf:sweep -- [knobs]        (each knob takes a comma-separated list)
//   --record-sizes 1024        bytes per record value
//   --batch-records 1,64       records per produce request (one batch)
//   --partitions 1,16          partitions of the topic (requests spread round-robin)
//   --acks all                 1 or all
//   --sync interval,always     the broker's sync policy
//   --connections 1,4          client connections, each with --in-flight requests pipelined
//   --in-flight 8              requests in flight per connection
//   --duration-ms 3000         measuring time per point (after a 500 ms warm-up)
//   --modes threaded,inline    threaded: `strata serve --log-writers N`, partition logs on
//                              writer threads; inline: `--inline`, all on the main thread
//                              (the default broker)
//   --log-writers 1            writer threads in threaded mode
//   --topic-configs ''         topic configs for every point, e.g. compression.type=zstd
//                              (the client sends uncompressed batches: the broker recompresses)
// After the table, each threaded point is divided by the inline point with the same knobs,
// and each sync=always point by the raw native durable-append ceiling measured in the same
// run (perf/ceiling.ts: one write + fdatasync per partition file per round, all in flight).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KafkaClient } from '../src/client/kafka-client.js';
import { buildRecordBatch } from '../src/protocol/records/batch-builder.js';
import { procStat, repoRoot as root, startBrokerProcess } from './broker-process.js';
import { durableAppendCeiling, type Ceiling } from './ceiling.js';

const { values } = parseArgs({
  options: {
    'record-sizes': { type: 'string', default: '1024' },
    'batch-records': { type: 'string', default: '1,64' },
    partitions: { type: 'string', default: '1,16' },
    acks: { type: 'string', default: 'all' },
    sync: { type: 'string', default: 'interval,always' },
    connections: { type: 'string', default: '1,4' },
    'in-flight': { type: 'string', default: '8' },
    'duration-ms': { type: 'string', default: '3000' },
    modes: { type: 'string', default: 'threaded,inline' },
    'log-writers': { type: 'string', default: '1' },
    'topic-configs': { type: 'string', default: '' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  // The file's leading comment block is the help text.
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  const head = lines.slice(0, lines.findIndex((l) => !l.startsWith('//')));
  process.stdout.write(head.map((l) => l.slice(3)).join('\n') + '\n');
  process.exit(0);
}
const topicConfigs: Record<string, string> = Object.fromEntries(String(values['topic-configs']).split(',').filter(Boolean).map((kv) => {
  const at = kv.indexOf('=');
  if (at <= 0) {
    console.error(`--topic-configs: ${kv} is not name=value`);
    process.exit(2);
  }
  return [kv.slice(0, at), kv.slice(at + 1)];
}));
const list = (k: string): string[] => String(values[k as keyof typeof values]).split(',').filter(Boolean);
const nums = (k: string): number[] => list(k).map((x) => {
  const n = Number(x);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`--${k}: ${x} is not a positive integer`);
    process.exit(2);
  }
  return n;
});

interface Point {
  mode: string;
  recordBytes: number; batchRecords: number; partitions: number; acks: string; sync: string; connections: number;
  mbPerSec: number; recordsPerSec: number; p50ms: number; p99ms: number; p999ms: number; brokerCpuPct: number; loadCpuPct: number; brokerRssMiB: number;
}

const pct = (s: number[], p: number): number => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;

async function runPoint(mode: string, recordBytes: number, batchRecords: number, partitions: number, acks: string, sync: string, connections: number): Promise<Point> {
  const work = mkdtempSync(join(tmpdir(), 'strata-sweep-'));
  const modeArgs = mode === 'inline' ? ['--inline'] : ['--log-writers', String(values['log-writers'])];
  const broker = await startBrokerProcess(join(work, 'data'), ['--sync-policy', sync, ...modeArgs]);
  try {
    const bootstrap = `127.0.0.1:${broker.port}`;
    const admin = await KafkaClient.connect(bootstrap);
    await admin.createTopic('sweep', partitions, topicConfigs);
    admin.close();
    const clients = await Promise.all(Array.from({ length: connections }, () => KafkaClient.connect(bootstrap, 'strata-sweep')));
    // Base64 of random bytes: compresses about as well as typical text payloads (to ~75%),
    // so a recompressing topic costs what it would in real use.
    const value = Buffer.from(randomBytes(recordBytes).toString('base64').slice(0, recordBytes));
    const inFlight = Number(values['in-flight']);
    const duration = Number(values['duration-ms']);
    const acksNum = acks === 'all' ? -1 : Number(acks);
    let measuring = false;
    let stop = false;
    let records = 0;
    const latencies: number[] = [];
    let next = 0;
    const worker = async (c: KafkaClient): Promise<void> => {
      while (!stop) {
        const batch = buildRecordBatch(Array.from({ length: batchRecords }, () => ({ value })));
        const t0 = performance.now();
        await c.produce('sweep', next++ % partitions, batch, acksNum);
        if (measuring) {
          latencies.push(performance.now() - t0);
          records += batchRecords;
        }
      }
    };
    const running = clients.flatMap((c) => Array.from({ length: inFlight }, () => worker(c)));
    await new Promise((r) => setTimeout(r, 500));
    const b0 = procStat(broker.pid);
    const l0 = process.cpuUsage();
    const t0 = performance.now();
    measuring = true;
    await new Promise((r) => setTimeout(r, duration));
    measuring = false;
    const seconds = (performance.now() - t0) / 1000;
    const b1 = procStat(broker.pid);
    const l1 = process.cpuUsage(l0);
    stop = true;
    await Promise.all(running);
    clients.forEach((c) => c.close());
    latencies.sort((a, b) => a - b);
    return {
      mode, recordBytes, batchRecords, partitions, acks, sync, connections,
      mbPerSec: (records * recordBytes) / 1e6 / seconds, recordsPerSec: records / seconds,
      p50ms: pct(latencies, 50), p99ms: pct(latencies, 99), p999ms: pct(latencies, 99.9),
      brokerCpuPct: (100 * (b1.cpu - b0.cpu)) / seconds, loadCpuPct: (100 * ((l1.user + l1.system) / 1e6)) / seconds, brokerRssMiB: b1.rssMiB,
    };
  } finally {
    await broker.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function svg(points: Point[]): string {
  const w = 760;
  const h = 440;
  const pad = 60;
  const maxX = Math.max(...points.map((p) => p.mbPerSec), 1) * 1.1;
  const maxY = Math.max(...points.map((p) => p.p99ms), 1) * 1.1;
  const x = (v: number): number => pad + (v / maxX) * (w - 2 * pad);
  const y = (v: number): number => h - pad - (v / maxY) * (h - 2 * pad);
  const colors: Record<string, string> = { interval: '#1f77b4', always: '#d62728', never: '#2ca02c' };
  // Threaded points are filled, inline points are rings of the same colour.
  const dots = points.map((p) => `<circle cx="${x(p.mbPerSec).toFixed(1)}" cy="${y(p.p99ms).toFixed(1)}" r="${3 + Math.log2(p.connections) * 2}" ${p.mode === 'inline' ? `fill="none" stroke="${colors[p.sync] ?? '#555'}" stroke-width="2"` : `fill="${colors[p.sync] ?? '#555'}" fill-opacity="0.75"`}><title>${p.mode}: ${p.recordBytes} B x${p.batchRecords}, ${p.partitions} partitions, acks=${p.acks}, sync=${p.sync}, ${p.connections} conn: ${p.mbPerSec.toFixed(1)} MB/s, p99 ${p.p99ms.toFixed(2)} ms</title></circle>`);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${x(maxX * f)}" y="${h - pad + 18}" font-size="11" text-anchor="middle">${(maxX * f).toFixed(0)}</text><text x="${pad - 8}" y="${y(maxY * f) + 4}" font-size="11" text-anchor="end">${(maxY * f).toFixed(1)}</text>`);
  const legend = Object.entries(colors).map(([k, c], i) => `<circle cx="${w - 150}" cy="${pad + i * 18}" r="5" fill="${c}"/><text x="${w - 140}" y="${pad + 4 + i * 18}" font-size="12">sync=${k}</text>`);
  legend.push(`<circle cx="${w - 150}" cy="${pad + 60}" r="5" fill="#555"/><text x="${w - 140}" y="${pad + 64}" font-size="12">threaded</text>`);
  legend.push(`<circle cx="${w - 150}" cy="${pad + 78}" r="5" fill="none" stroke="#555" stroke-width="2"/><text x="${w - 140}" y="${pad + 82}" font-size="12">--inline</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${w / 2}" y="24" font-size="15" text-anchor="middle">Strata produce: throughput vs p99 latency (dot size: connections)</text>
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="black"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="black"/>
<text x="${w / 2}" y="${h - 18}" font-size="12" text-anchor="middle">MB/s</text>
<text x="18" y="${h / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 18 ${h / 2})">p99 request latency (ms)</text>
${ticks.join('\n')}
${dots.join('\n')}
${legend.join('\n')}
</svg>
`;
}

const points: Point[] = [];
for (const mode of list('modes')) {
  if (mode !== 'threaded' && mode !== 'inline') {
    console.error(`--modes: ${mode} is not threaded or inline`);
    process.exit(2);
  }
}
for (const recordBytes of nums('record-sizes')) for (const batchRecords of nums('batch-records')) for (const partitions of nums('partitions'))
  for (const acks of list('acks')) for (const sync of list('sync')) for (const connections of nums('connections')) for (const mode of list('modes')) {
    const p = await runPoint(mode, recordBytes, batchRecords, partitions, acks, sync, connections);
    points.push(p);
    console.error(`${mode}: ${recordBytes} B x${batchRecords}, ${partitions} partitions, acks=${acks}, sync=${sync}, ${connections} conn: ${p.mbPerSec.toFixed(1)} MB/s, p99 ${p.p99ms.toFixed(2)} ms`);
  }
const header = ['mode', 'record B', 'records/req', 'partitions', 'acks', 'sync', 'conns', 'MB/s', 'records/s', 'p50 ms', 'p99 ms', 'p999 ms', 'broker CPU %', 'load CPU %', 'broker RSS MiB'];
const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));
const md = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...points.map((p) => `| ${[p.mode, p.recordBytes, p.batchRecords, p.partitions, p.acks, p.sync, p.connections].join(' | ')} | ${[p.mbPerSec, p.recordsPerSec, p.p50ms, p.p99ms, p.p999ms, p.brokerCpuPct, p.loadCpuPct, p.brokerRssMiB].map(fmt).join(' | ')} |`)].join('\n');
console.log(md);
// Threaded vs inline with the same knobs, measured in this run (the machines are noisy).
const ratios: string[] = [];
for (const t of points.filter((p) => p.mode === 'threaded')) {
  const i = points.find((p) => p.mode === 'inline' && p.recordBytes === t.recordBytes && p.batchRecords === t.batchRecords && p.partitions === t.partitions && p.acks === t.acks && p.sync === t.sync && p.connections === t.connections);
  if (i !== undefined && i.mbPerSec > 0) {
    ratios.push(`| ${[t.recordBytes, t.batchRecords, t.partitions, t.acks, t.sync, t.connections].join(' | ')} | ${(t.mbPerSec / i.mbPerSec).toFixed(2)}x | ${(t.p99ms / Math.max(i.p99ms, 1e-9)).toFixed(2)}x |`);
  }
}
const ratioMd = ratios.length === 0 ? '' : ['', '| record B | records/req | partitions | acks | sync | conns | threaded/inline MB/s | threaded/inline p99 |', '|---|---|---|---|---|---|---|---|', ...ratios].join('\n');
if (ratioMd !== '') console.log(ratioMd);
// The durable-append ceiling for each (partitions, request bytes) of the sync=always points.
const ceilings = new Map<string, Ceiling>();
const ceilingLines: string[] = [];
for (const p of points.filter((q) => q.sync === 'always')) {
  const key = `${p.partitions}/${p.recordBytes * p.batchRecords}`;
  if (!ceilings.has(key)) ceilings.set(key, await durableAppendCeiling(tmpdir(), p.partitions, p.recordBytes * p.batchRecords, Number(values['duration-ms'])));
  const c = ceilings.get(key)!;
  ceilingLines.push(`| ${p.mode} | ${p.partitions} | ${p.recordBytes * p.batchRecords} | ${p.connections} | ${fmt(p.mbPerSec)} | ${fmt(c.mbPerSec)} (${c.mode}, ${fmt(c.appendsPerSec)} appends/s) | ${((100 * p.mbPerSec) / c.mbPerSec).toFixed(0)}% |`);
}
const ceilingMd = ceilingLines.length === 0 ? '' : ['', '| mode | partitions | request bytes | conns | acks=all sync=always MB/s | raw durable-append ceiling MB/s | share |', '|---|---|---|---|---|---|---|', ...ceilingLines].join('\n');
if (ceilingMd !== '') console.log(ceilingMd);
const outDir = join(root, 'perf', 'results');
mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(join(outDir, `sweep-${stamp}.json`), JSON.stringify({ at: new Date().toISOString(), logWriters: Number(values['log-writers']), topicConfigs, points }, null, 2));
writeFileSync(join(outDir, `sweep-${stamp}.md`), md + '\n' + ratioMd + '\n' + ceilingMd + '\n');
writeFileSync(join(outDir, `sweep-${stamp}.svg`), svg(points));
console.error(`wrote perf/results/sweep-${stamp}.{json,md,svg}`);
