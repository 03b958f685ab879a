// The Java client programs in test/java (kafka-clients 4.3 from Maven Central), run as
// child processes: strata.SecureRoundTrip and friends. Built by .ci/run (see the README).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './broker.js';
import { hasTool, toolsRequired } from './tools.js';

const javaLib = join(root, 'test/java/target');

/** The jars are built and java runs (or CI requires them, so a missing one fails). */
export const hasJavaClients = toolsRequired || (existsSync(join(javaLib, 'strata-java-clients-0.1.0.jar')) && hasTool('java', ['-version']) && hasTool('openssl', ['version']));

/** Runs strata.SecureRoundTrip with these arguments; resolves with its trimmed standard output. */
export function secureRoundTrip(args: string[]): Promise<string> {
  return runJava('strata.SecureRoundTrip', args);
}

/** Runs one of the test/java programs; resolves with its trimmed standard output. */
export function runJava(main: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('java', ['-cp', `${join(javaLib, 'strata-java-clients-0.1.0.jar')}:${join(javaLib, 'lib', '*')}`, main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 90_000);
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim());
      else reject(new Error(`java exited ${code}: ${err.slice(-2000)}`));
    });
  });
}
