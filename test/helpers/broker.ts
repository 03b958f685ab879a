// Brokers for tests: in-process (startBroker) or as a child process that can be killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker, type RunningBroker, type StartOptions } from '../../src/server/start.js';
import { silentLogger } from '../../src/logger.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const cli = join(root, 'dist', 'src', 'cli', 'main.js');

/**
 * STRATA_TEST_LOG_WRITERS runs every suite's brokers with that many log writer threads
 * (0 = --inline); CI runs the client suites both ways.
 */
const writersFromEnv = process.env.STRATA_TEST_LOG_WRITERS === undefined ? {} : { logWriters: Number(process.env.STRATA_TEST_LOG_WRITERS) };

export function testBroker(dataDir: string, options: StartOptions = {}): Promise<RunningBroker> {
  return startBroker({ host: '127.0.0.1', port: 0, adminPort: 0, dataDir, logger: silentLogger, groupInitialRebalanceDelayMs: 200, auditLogFile: '-', schemaRegistryListener: 'http://127.0.0.1:0', ...writersFromEnv, ...options });
}

export interface ChildBroker {
  proc: ChildProcess;
  port: number;
  adminPort: number;
  address: string;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `strata serve` in a child process and waits for its "listening" log line. */
export function childBroker(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildBroker> {
  return new Promise((resolve, reject) => {
    const withPorts = args.includes('--admin-port') ? args : [...args, '--admin-port', '0'];
    // Many brokers run at once: the registry takes a free port unless the test names one.
    const withAdmin = withPorts.includes('--schema-registry-listener') ? withPorts : [...withPorts, '--schema-registry-listener', 'http://127.0.0.1:0'];
    const writers = process.env.STRATA_TEST_LOG_WRITERS === undefined ? {} : { STRATA_LOG_WRITERS: process.env.STRATA_TEST_LOG_WRITERS };
    const proc = spawn(process.execPath, [cli, 'serve', '--host', '127.0.0.1', ...withAdmin], { env: { ...process.env, ...writers, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`broker did not start:\n${out}`));
    }, 20_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /"port":(\d+),"dataDir"[^\n]*"adminPort":(\d+),"msg":"strata broker listening"/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        proc.stdout.off('data', onData);
        proc.stdout.on('data', (x: Buffer) => (out += x.toString()));
        const port = Number(m[1]);
        resolve({
          proc, port, adminPort: Number(m[2]), address: `127.0.0.1:${port}`, output: () => out,
          kill: (signal = 'SIGKILL') =>
            new Promise((res) => {
              if (proc.exitCode !== null || proc.signalCode !== null) return res(proc.exitCode);
              proc.once('exit', (code) => res(code));
              proc.kill(signal);
            }),
        });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code}:\n${out}`));
    });
  });
}

/** Polls `check` until it returns true or `ms` passes. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A loopback port that was free a moment ago (for processes that must reuse one). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
