// What record validation costs on produce: kcat (librdkafka) produces 1 KiB records,
// uncompressed and lz4/zstd-compressed, to a broker in a child process with validation
// on and with it off (STRATA_UNSAFE_SKIP_RECORD_VALIDATION=1), alternating, several
// rounds; reports the median MB/s of each and the on/off ratio per codec.
// Usage: npm run build && node dist/perf/validation-cost.js [--records 200000] [--rounds 3] [--codecs none,lz4,zstd]
// Prints a markdown table and writes perf/results/validation-cost.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { procStat, repoRoot, startBrokerProcess } from './broker-process.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    codecs: { type: 'string', default: 'none,lz4,zstd' },
  },
});
const RECORDS = Number(values.records);
const SIZE = 1024;

/** Text that compresses about as well as JSON events do (2-4x), not a run of one byte. */
function recordsFile(path: string): void {
  let seed = 42;
  const next = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  const words = ['order', 'user', 'created', 'amount', 'currency', 'EUR', 'status', 'shipped', 'item', 'price', 'region', 'eu-west'];
  const lines: string[] = [];
  for (let i = 0; i < 1000; i++) {
    let l = '';
    while (l.length < SIZE - 1) l += `"${words[next() % words.length]}":${next() % 100000},`;
    lines.push(l.slice(0, SIZE - 1));
  }
  const out: string[] = [];
  for (let i = 0; i < RECORDS; i++) out.push(lines[i % lines.length]!);
  writeFileSync(path, out.join('\n') + '\n');
}

function produce(port: number, topic: string, codec: string, input: string): number {
  const started = performance.now();
  const r = spawnSync('bash', ['-c', `kcat -b 127.0.0.1:${port} -P -t ${topic} -z ${codec} -X acks=1 -X linger.ms=5 -X batch.num.messages=10000 -X queue.buffering.max.kbytes=1048576 < "${input}"`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kcat failed: ${r.stderr}`);
  return (RECORDS * SIZE) / 1e6 / ((performance.now() - started) / 1000);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = mkdtempSync(join(tmpdir(), 'strata-validation-'));
const input = join(work, 'records.txt');
recordsFile(input);
const rows: Array<{ codec: string; onMBs: number; offMBs: number; ratio: number; onCpuPerMB: number; offCpuPerMB: number }> = [];
try {
  for (const codec of values.codecs.split(',')) {
    const runs: Record<'on' | 'off', Array<{ mbs: number; cpu: number }>> = { on: [], off: [] };
    for (let round = 0; round < Number(values.rounds); round++) {
      // Alternate which goes first so drift on a noisy machine hits both alike.
      const order: Array<'on' | 'off'> = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
      for (const setting of order) {
        const dataDir = join(work, `data-${codec}-${round}-${setting}`);
        const env = setting === 'off' ? { STRATA_UNSAFE_SKIP_RECORD_VALIDATION: '1' } : {};
        const broker = await startBrokerProcess(dataDir, ['--inline', '--default-partitions', '4'], repoRoot, env);
        try {
          produce(broker.port, 'warmup', codec, input);
          const cpu0 = procStat(broker.pid).cpu;
          const mbs = produce(broker.port, 'measured', codec, input);
          runs[setting].push({ mbs, cpu: procStat(broker.pid).cpu - cpu0 });
        } finally {
          await broker.stop();
          rmSync(dataDir, { recursive: true, force: true });
        }
      }
    }
    const mb = (RECORDS * SIZE) / 1e6;
    const on = median(runs.on.map((r) => r.mbs));
    const off = median(runs.off.map((r) => r.mbs));
    rows.push({ codec, onMBs: on, offMBs: off, ratio: on / off, onCpuPerMB: median(runs.on.map((r) => r.cpu)) / mb, offCpuPerMB: median(runs.off.map((r) => r.cpu)) / mb });
    console.error(`${codec}: on ${on.toFixed(1)} MB/s, off ${off.toFixed(1)} MB/s`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log('| codec | validation on MB/s | off MB/s | on/off | broker CPU ms/MB on | off |\n|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.codec} | ${r.onMBs.toFixed(1)} | ${r.offMBs.toFixed(1)} | ${r.ratio.toFixed(2)}x | ${(r.onCpuPerMB * 1000).toFixed(2)} | ${(r.offCpuPerMB * 1000).toFixed(2)} |`);
mkdirSync(join(repoRoot, 'perf', 'results'), { recursive: true });
writeFileSync(join(repoRoot, 'perf', 'results', 'validation-cost.json'), JSON.stringify({ at: new Date().toISOString(), records: RECORDS, size: SIZE, rows }, null, 2));
