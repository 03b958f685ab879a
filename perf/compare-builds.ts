// Old build against new build, alternated on one machine in one run (these machines are
// noisy: only a comparison measured together means anything). Each round runs the
// produce sweep and the kcat load, inline and threaded, first with the old build's
// dist/, then with this one's. Prints, per case, the median of each build, new/old, and
// the run-to-run spread of each build (max/min - 1 over its rounds).
//
// Usage: node dist/perf/compare-builds.js --old ../old [--rounds 3] [--out DIR]
//        node dist/perf/compare-builds.js --summarise DIR     (tables from an earlier run)
// The old checkout needs its own `npm run build` (node_modules may be a symlink to ours).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './broker-process.js';

const { values } = parseArgs({
  options: {
    old: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string', default: join(repoRoot, 'perf', 'results', `compare-${new Date().toISOString().replace(/[:.]/g, '-')}`) },
    summarise: { type: 'string' },
  },
});

const SWEEP = ['--record-sizes', '1024', '--batch-records', '1,64', '--partitions', '16', '--acks', 'all', '--sync', 'interval,always', '--connections', '4', '--in-flight', '8', '--duration-ms', '3000', '--modes', 'inline,threaded'];
const KCAT = ['--records', '200000', '--latency-requests', '10000', '--modes', 'inline,threaded'];

function run(out: string, oldRoot: string, rounds: number): void {
  mkdirSync(out, { recursive: true });
  for (let i = 1; i <= rounds; i++) {
    for (const [build, root] of [['old', oldRoot], ['new', repoRoot]] as const) {
      for (const [name, script, args] of [['sweep', 'sweep.js', SWEEP], ['kcat', 'kcat-load.js', KCAT]] as const) {
        process.stderr.write(`round ${i}: ${build} ${name}\n`);
        const text = execFileSync(process.execPath, [join(root, 'dist', 'perf', script), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
        writeFileSync(join(out, `${name}-${build}-${i}.txt`), text);
      }
    }
  }
}

/** Rows of the first markdown table whose header has `key` as a column: case name → [throughput, p99]. */
function parse(text: string, kind: 'sweep' | 'kcat'): Map<string, { value: number; unit: string; p99: number | undefined }> {
  const out = new Map<string, { value: number; unit: string; p99: number | undefined }>();
  const lines = text.split('\n');
  const headerAt = lines.findIndex((l) => l.startsWith('| mode |'));
  if (headerAt < 0) return out;
  const header = lines[headerAt]!.split('|').map((c) => c.trim());
  const col = (name: string): number => header.indexOf(name);
  for (const line of lines.slice(headerAt + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').map((c) => c.trim());
    const num = (i: number): number | undefined => (i < 0 || cells[i] === '' ? undefined : Number(cells[i]!.replace(/,/g, '')));
    if (kind === 'sweep') {
      const name = `sweep ${cells[col('mode')]} ×${cells[col('records/req')]} sync=${cells[col('sync')]}`;
      out.set(name, { value: num(col('MB/s'))!, unit: 'MB/s', p99: num(col('p99 ms')) });
    } else {
      const name = `kcat ${cells[col('mode')]} ${cells[col('test')]}`;
      const mbs = num(col('MB/s'));
      out.set(name, mbs !== undefined ? { value: mbs, unit: 'MB/s', p99: undefined } : { value: num(col('requests/s'))!, unit: 'req/s', p99: num(col('p99 ms')) });
    }
  }
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const spread = (xs: number[]): number => Math.max(...xs) / Math.min(...xs) - 1;
const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

function summarise(dir: string): string {
  const results = new Map<string, { old: number[]; new: number[]; oldP99: number[]; newP99: number[]; unit: string }>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.txt')).sort()) {
    const m = /^(sweep|kcat)-(old|new)-\d+\.txt$/.exec(f);
    if (m === null) continue;
    for (const [name, r] of parse(readFileSync(join(dir, f), 'utf8'), m[1] as 'sweep' | 'kcat')) {
      const e = results.get(name) ?? { old: [], new: [], oldP99: [], newP99: [], unit: r.unit };
      (m[2] === 'old' ? e.old : e.new).push(r.value);
      if (r.p99 !== undefined) (m[2] === 'old' ? e.oldP99 : e.newP99).push(r.p99);
      results.set(name, e);
    }
  }
  const rows = ['| case | old (median) | new (median) | new/old | spread old / new | p99 ms old / new (median) |', '|---|---|---|---|---|---|'];
  for (const [name, e] of results) {
    if (e.old.length === 0 || e.new.length === 0) continue;
    const p99 = e.oldP99.length > 0 && e.newP99.length > 0 ? `${median(e.oldP99).toFixed(2)} / ${median(e.newP99).toFixed(2)}` : '';
    rows.push(`| ${name} | ${median(e.old).toFixed(1)} ${e.unit} | ${median(e.new).toFixed(1)} ${e.unit} | ${(median(e.new) / median(e.old)).toFixed(2)}× | ${pct(spread(e.old))} / ${pct(spread(e.new))} | ${p99} |`);
  }
  return rows.join('\n');
}

if (values.summarise !== undefined) {
  console.log(summarise(resolve(values.summarise)));
} else {
  if (values.old === undefined) throw new Error('--old DIR (a checkout of the old build, built) is required');
  run(values.out, resolve(values.old), Number(values.rounds));
  const table = summarise(values.out);
  writeFileSync(join(values.out, 'summary.md'), `${table}\n`);
  console.log(table);
}
