// What the log cleaner costs producers, and how fast it cleans: the project's own client
// produces keyed records (16 per batch, keys drawn from --keys, 200-byte values) to a
// compacted topic (segment.bytes 1 MiB, default dirty ratio 0.5) at a fixed rate, 4 requests
// in flight, acks=1, for --seconds, against a broker in a child process with the cleaner
// on and with it off (--log-cleaner-enable false), alternating over several rounds.
// Reports produce latency p50/p99 of each, their ratio, and the cleaner's throughput (MB of
// log cleaned per second of pass time, from its "log cleaned" log lines) and passes.
// Usage: npm run build && node dist/perf/cleaner-cost.js [--seconds 20] [--rounds 3] [--keys 20000]
//        [--rate 2000] (batches/s offered)  [--log-writers 0|N]  [--data-root DIR]
// Prints a markdown table and writes perf/results/cleaner-cost.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { RawClient } from '../src/client/raw-client.js';
import { ApiKey } from '../src/protocol/generated/api-keys.js';
import { defaultProduceRequest, writeProduceRequest } from '../src/protocol/generated/produce-request.js';
import { readProduceResponse } from '../src/protocol/generated/produce-response.js';
import { buildRecordBatch } from '../src/protocol/records/batch-builder.js';
import { repoRoot, startBrokerProcess } from './broker-process.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    keys: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '2000' },
    'log-writers': { type: 'string', default: '0' },
    'data-root': { type: 'string', default: tmpdir() },
  },
});
const PER_BATCH = 16;
const IN_FLIGHT = 4;
const TOPIC = 'compacted';

interface Run { p50: number; p99: number; mbs: number; cleanedMB: number; cleanerSeconds: number; passes: number }

function batch(seq: number, keys: number): Buffer {
  let x = seq * 2654435761;
  return buildRecordBatch(Array.from({ length: PER_BATCH }, (_, i) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return { key: Buffer.from(`key-${x % keys}`), value: Buffer.from(`${seq}:${i}:`.padEnd(200, 'v')) };
  }));
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function load(port: number, seconds: number, keys: number, rate: number): Promise<{ latencies: number[]; bytes: number }> {
  const client = await RawClient.connect('127.0.0.1', port);
  const latencies: number[] = [];
  let bytes = 0;
  let seq = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const i = seq++;
      // Open-loop pacing: a request is due at i / rate; latency counts from when it was due
      // (or sent, if the timer fired a little early), so a stalled broker is not hidden.
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const from = Math.min(due, performance.now());
      const records = batch(i, keys);
      const req = { ...defaultProduceRequest(), acks: 1, timeoutMs: 30_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] };
      const res = readProduceResponse(await client.request(ApiKey.Produce, 9, (w) => writeProduceRequest(w, 9, req)), 9);
      if (res.responses[0]!.partitionResponses[0]!.errorCode !== 0) throw new Error(`produce error ${res.responses[0]!.partitionResponses[0]!.errorCode}`);
      latencies.push(performance.now() - from);
      bytes += records.length;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  client.close();
  return { latencies, bytes };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const work = mkdtempSync(join(values['data-root'], 'strata-cleaner-cost-'));
const runs: Record<'on' | 'off', Run[]> = { on: [], off: [] };
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    const order: Array<'on' | 'off'> = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const setting of order) {
      const dataDir = join(work, `data-${round}-${setting}`);
      const writers = values['log-writers'];
      const broker = await startBrokerProcess(dataDir, [
        ...(writers === '0' ? ['--inline'] : ['--log-writers', writers]),
        '--log-cleaner-enable', setting === 'on' ? 'true' : 'false', '--log-cleaner-backoff-ms', '1000',
      ]);
      try {
        const admin = new Kafka({ brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING }).admin();
        await admin.connect();
        await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'segment.bytes', value: String(1 << 20) }] }] });
        await admin.disconnect();
        const { latencies, bytes } = await load(broker.port, Number(values.seconds), Number(values.keys), Number(values.rate));
        latencies.sort((a, b) => a - b);
        let cleanedMB = 0;
        let cleanerSeconds = 0;
        let passes = 0;
        for (const line of broker.output().split('\n')) {
          if (!line.includes('"log cleaned"')) continue;
          const entry = JSON.parse(line) as { bytesCleaned: number; seconds: number };
          cleanedMB += entry.bytesCleaned / 1e6;
          cleanerSeconds += entry.seconds;
          passes++;
        }
        runs[setting].push({ p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), mbs: bytes / 1e6 / Number(values.seconds), cleanedMB, cleanerSeconds, passes });
        const r = runs[setting].at(-1)!;
        console.error(`round ${round} cleaner ${setting}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.mbs.toFixed(1)} MB/s produced, ${passes} passes, ${cleanedMB.toFixed(1)} MB cleaned in ${cleanerSeconds.toFixed(2)} s`);
      } finally {
        await broker.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const on = { p50: median(runs.on.map((r) => r.p50)), p99: median(runs.on.map((r) => r.p99)), mbs: median(runs.on.map((r) => r.mbs)) };
const off = { p50: median(runs.off.map((r) => r.p50)), p99: median(runs.off.map((r) => r.p99)), mbs: median(runs.off.map((r) => r.mbs)) };
const cleanedMB = runs.on.reduce((n, r) => n + r.cleanedMB, 0);
const cleanerSeconds = runs.on.reduce((n, r) => n + r.cleanerSeconds, 0);
const passes = runs.on.reduce((n, r) => n + r.passes, 0);
console.log(`| cleaner | produce p50 ms | p99 ms | MB/s produced |\n|---|---|---|---|`);
console.log(`| off | ${off.p50.toFixed(2)} | ${off.p99.toFixed(2)} | ${off.mbs.toFixed(1)} |`);
console.log(`| on | ${on.p50.toFixed(2)} | ${on.p99.toFixed(2)} | ${on.mbs.toFixed(1)} |`);
console.log(`| on/off | ${(on.p50 / off.p50).toFixed(2)}x | ${(on.p99 / off.p99).toFixed(2)}x | ${(on.mbs / off.mbs).toFixed(2)}x |`);
console.log(`\ncleaner: ${passes} passes, ${cleanedMB.toFixed(1)} MB of log cleaned in ${cleanerSeconds.toFixed(2)} s of passes = ${(cleanedMB / cleanerSeconds).toFixed(1)} MB/s`);
mkdirSync(join(repoRoot, 'perf', 'results'), { recursive: true });
writeFileSync(join(repoRoot, 'perf', 'results', `cleaner-cost-writers${values['log-writers']}.json`), JSON.stringify({ at: new Date().toISOString(), args: values, runs, on, off, cleanedMB, cleanerSeconds, passes }, null, 2));
