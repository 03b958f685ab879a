// Shared tinybench runner: every bench file lists tasks; this prints a markdown table
// (ops/s, MB/s, latency) and writes the figures as JSON under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';

export interface BenchTask {
  name: string;
  fn: () => unknown;
  /** Bytes processed by one call, for MB/s. */
  bytesPerCall?: number;
  /** Operations done by one call (e.g. 16 concurrent appends), for ops/s. */
  opsPerCall?: number;
  /** Extra figures to print after the run (e.g. appends per fsync). */
  after?: () => Record<string, number>;
  setup?: () => unknown;
  teardown?: () => unknown;
}

export interface BenchRow {
  name: string;
  opsPerSec: number;
  mbPerSec?: number;
  p50us: number;
  p99us: number;
  samples: number;
  extra?: Record<string, number>;
}

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');

export async function runBench(file: string, tasks: BenchTask[], options: { time?: number; warmupTime?: number } = {}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const filter = process.env.STRATA_BENCH_FILTER === undefined ? undefined : new RegExp(process.env.STRATA_BENCH_FILTER);
  for (const t of tasks.filter((x) => filter === undefined || filter.test(x.name))) {
    // One Bench per task, so setup/teardown (open/close a log) stay outside the timing.
    await t.setup?.();
    const bench = new Bench({ time: options.time ?? 1000, warmupTime: options.warmupTime ?? 200 });
    bench.add(t.name, t.fn);
    await bench.run();
    const task = bench.tasks[0]!;
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`${t.name}: ${r.state} ${'error' in r ? String(r.error) : ''}`);
    const calls = r.throughput.mean;
    const ops = calls * (t.opsPerCall ?? 1);
    const row: BenchRow = {
      name: t.name,
      opsPerSec: ops,
      p50us: r.latency.p50 * 1000,
      p99us: r.latency.p99 * 1000,
      samples: r.latency.samplesCount,
    };
    if (t.bytesPerCall !== undefined) row.mbPerSec = (calls * t.bytesPerCall) / 1e6;
    const extra = t.after?.();
    if (extra !== undefined) row.extra = extra;
    rows.push(row);
    await t.teardown?.();
  }
  print(file, rows);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${file}.json`), JSON.stringify({ file, at: new Date().toISOString(), node: process.version, rows }, null, 2));
  return rows;
}

function fmt(n: number): string {
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(3);
}

function print(file: string, rows: BenchRow[]): void {
  const extraKeys = [...new Set(rows.flatMap((r) => Object.keys(r.extra ?? {})))];
  const head = ['task', 'ops/s', 'MB/s', 'p50 µs', 'p99 µs', ...extraKeys];
  console.log(`\n### ${file}\n`);
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const r of rows) {
    const cells = [r.name, fmt(r.opsPerSec), r.mbPerSec === undefined ? '' : fmt(r.mbPerSec), fmt(r.p50us), fmt(r.p99us), ...extraKeys.map((k) => (r.extra?.[k] === undefined ? '' : fmt(r.extra[k]!)))];
    console.log(`| ${cells.join(' | ')} |`);
  }
}

/** "a vs b" ratio line, the figure the docs report. */
export function ratio(rows: BenchRow[], a: string, b: string, key: 'opsPerSec' | 'mbPerSec' = 'opsPerSec'): number {
  const x = rows.find((r) => r.name === a)?.[key];
  const y = rows.find((r) => r.name === b)?.[key];
  if (x === undefined || y === undefined) throw new Error(`ratio: missing ${a} or ${b}`);
  return x / y;
}
