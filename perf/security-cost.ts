// What security costs: produce and consume throughput over TLS against plaintext (kcat,
// librdkafka, on the same broker in the same run, alternated), and SCRAM logins per second
// (Strata's own client doing full SCRAM-SHA-256/512 exchanges, 4096 iterations, several in
// flight). One broker in a child process with PLAINTEXT, SSL and SASL_PLAINTEXT listeners.
//
// Usage: node dist/perf/security-cost.js [--records N] [--size BYTES] [--rounds N] [--logins N]
// The client's PBKDF2 runs on the same two cores as the broker's: logins/s is a floor.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RawClient } from '../src/client/raw-client.js';
import { ScramClient } from '../src/client/scram-client.js';
import { ApiKey } from '../src/protocol/generated/api-keys.js';
import { defaultSaslAuthenticateRequest, writeSaslAuthenticateRequest } from '../src/protocol/generated/sasl-authenticate-request.js';
import { readSaslAuthenticateResponse } from '../src/protocol/generated/sasl-authenticate-response.js';
import { defaultSaslHandshakeRequest, writeSaslHandshakeRequest } from '../src/protocol/generated/sasl-handshake-request.js';
import { readSaslHandshakeResponse } from '../src/protocol/generated/sasl-handshake-response.js';
import { startBrokerProcess, procStat } from './broker-process.js';
import { makeCerts } from './certs.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    size: { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '3' },
    logins: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '8' },
  },
});
const records = Number(values.records);
const size = Number(values.size);

function kcat(args: string[], input?: string): number {
  const started = performance.now();
  const r = spawnSync('bash', ['-c', `kcat ${args.join(' ')} ${input ? `< "${input}"` : '> /dev/null'}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kcat failed: ${r.stderr}`);
  return (performance.now() - started) / 1000;
}

async function login(port: number, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'): Promise<void> {
  const c = await RawClient.connect('127.0.0.1', port);
  try {
    const hs = readSaslHandshakeResponse(await c.request(ApiKey.SaslHandshake, 1, (w) => writeSaslHandshakeRequest(w, 1, { ...defaultSaslHandshakeRequest(), mechanism })), 1);
    if (hs.errorCode !== 0) throw new Error(`handshake error ${hs.errorCode}`);
    const scram = new ScramClient(mechanism, 'perf', 'perf-password');
    const step = async (bytes: Buffer) => readSaslAuthenticateResponse(await c.request(ApiKey.SaslAuthenticate, 2, (w) => writeSaslAuthenticateRequest(w, 2, { ...defaultSaslAuthenticateRequest(), authBytes: bytes })), 2);
    const first = await step(scram.first());
    const last = await step(scram.final(first.authBytes));
    if (last.errorCode !== 0 || !scram.verifies(last.authBytes)) throw new Error(`login failed: ${last.errorCode} ${last.errorMessage}`);
  } finally {
    c.close();
  }
}

const work = mkdtempSync(join(tmpdir(), 'strata-perf-security-'));
const certs = makeCerts(work);
const input = join(work, 'records.txt');
writeFileSync(input, ('x'.repeat(size - 1) + '\n').repeat(records));
const mb = (records * size) / 1e6;
const broker = await startBrokerProcess(join(work, 'data'), [
  '--inline', '--listeners', 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
  '--ssl-cert-file', certs.serverCertFile, '--ssl-key-file', certs.serverKeyFile, '--bootstrap-user', 'perf:perf-password',
  '--audit-log-file', '-', '--sasl-failed-login-burst', '1000000', '--sasl-failed-logins-per-second', '1000000',
]);
const portOf = (name: string): number => Number(new RegExp(`${name}://[^ ]+:(\\d+) \\(advertised`).exec(broker.output())![1]);
const ports = { PLAINTEXT: portOf('PLAINTEXT'), SSL: portOf('SSL'), SASL_PLAINTEXT: portOf('SASL_PLAINTEXT') };
const rows: string[] = [];
try {
  const ratios: Record<string, number[]> = { produce: [], consume: [] };
  for (let round = 1; round <= Number(values.rounds); round++) {
    const got: Record<string, Record<string, number>> = {};
    for (const listener of ['PLAINTEXT', 'SSL'] as const) {
      const tls = listener === 'SSL' ? ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.caFile}`] : [];
      const topic = `perf-${listener.toLowerCase()}-${round}`;
      const produce = kcat(['-b', `127.0.0.1:${ports[listener]}`, ...tls, '-P', '-t', topic, '-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000'], input);
      const consume = kcat(['-b', `127.0.0.1:${ports[listener]}`, ...tls, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', "'%s\\n'"]);
      got[listener] = { produce: mb / produce, consume: mb / consume };
    }
    for (const k of ['produce', 'consume'] as const) {
      ratios[k]!.push(got.SSL![k]! / got.PLAINTEXT![k]!);
      rows.push(`| ${round} | ${k} | ${got.PLAINTEXT![k]!.toFixed(0)} | ${got.SSL![k]!.toFixed(0)} | ${(got.SSL![k]! / got.PLAINTEXT![k]!).toFixed(2)}× |`);
    }
  }
  console.log(`kcat, ${records} records of ${size} B, acks=1, one broker (--inline), plaintext and TLS alternated per round:\n`);
  console.log('| round | load | plaintext MB/s | TLS MB/s | TLS/plaintext |\n|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  const concurrency = Number(values.concurrency);
  const total = Number(values.logins);
  console.log(`\nSCRAM logins (a fresh connection each, ${concurrency} in flight, ${total} per mechanism):\n`);
  console.log('| mechanism | logins/s | broker CPU % |\n|---|---|---|');
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    let next = 0;
    const cpu0 = procStat(broker.pid).cpu;
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next++ < total) await login(ports.SASL_PLAINTEXT, mechanism);
    }));
    const seconds = (performance.now() - started) / 1000;
    console.log(`| ${mechanism} | ${(total / seconds).toFixed(0)} | ${((100 * (procStat(broker.pid).cpu - cpu0)) / seconds).toFixed(0)} |`);
  }
} finally {
  await broker.stop();
  rmSync(work, { recursive: true, force: true });
}
