// A broker in a child process for the perf tools, and the /proc figures they report.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BrokerProcess {
  pid: number;
  port: number;
  /** Everything the broker printed so far (its listening line names every listener). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `strata serve` (of the build under `root`) on free ports with `args` and waits for its listening line. */
export function startBrokerProcess(dataDir: string, args: string[], root = repoRoot, env: NodeJS.ProcessEnv = {}): Promise<BrokerProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(root, 'dist', 'src', 'cli', 'main.js'), 'serve', '--port', '0', '--admin-port', '0', '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { STRATA_SCHEMA_REGISTRY_LISTENER: 'http://127.0.0.1:0', ...process.env, ...env } });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+),"dataDir"/.exec(out);
      if (m) resolve({ pid: p.pid!, port: Number(m[1]), output: () => out, stop: () => new Promise((r) => { p.once('exit', () => r()); p.kill('SIGTERM'); }) });
    });
    p.once('exit', (c) => reject(new Error(`broker exited ${c}: ${out}`)));
  });
}

const CLK_TCK = 100;

/** CPU seconds used so far and resident memory of a process. */
export function procStat(pid: number): { cpu: number; rssMiB: number } {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpu: (Number(f[11]) + Number(f[12])) / CLK_TCK, rssMiB: Number(rss?.[1] ?? 0) / 1024 };
}
