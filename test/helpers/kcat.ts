// Runs kcat without blocking the event loop (a broker under test may live in this same
// process); resolves with its standard output, rejects with its standard error.
import { spawn } from 'node:child_process';

export function runKcat(args: string[], input?: string, timeoutMs = 40_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${err}`));
    });
    p.stdin.end(input ?? '');
  });
}
