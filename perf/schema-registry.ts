// The schema registry's throughput and the cost of schema validation on produce, against a
// broker in a child process: registrations per second (each a new, compatible version of one
// Avro subject: parse, compatibility check against the latest, a durable append to
// `_schemas`), GET /schemas/ids/{id} per second with 16 concurrent keep-alive clients, and
// produce throughput to a topic with confluent.value.schema.validation=true against one
// without, same broker, same client (the project's own, 100-byte framed records, 500 per
// request, 4 in flight, acks=all), modes alternating across rounds; medians reported.
// Usage: npm run build && node dist/perf/schema-registry.js [--rounds 5] [--records 300000] [--log-writers 0]
// Prints a markdown table; writes perf/results/schema-registry.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, startBrokerProcess } from './broker-process.js';
import { produceLoad } from './own-client-load.js';
import { KafkaClient } from '../src/client/kafka-client.js';

const { values } = parseArgs({ options: {
  rounds: { type: 'string', default: '5' }, records: { type: 'string', default: '300000' }, 'log-writers': { type: 'string', default: '0' },
  registrations: { type: 'string', default: '300' }, 'get-seconds': { type: 'string', default: '5' },
} });
const rounds = Number(values.rounds);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function post(url: string, body: unknown): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

const dir = mkdtempSync(join(tmpdir(), 'strata-perf-registry-'));
const broker = await startBrokerProcess(dir, ['--log-writers', values['log-writers']!]);
try {
  const registry = /"schemaRegistry":"(http:[^"]+)"/.exec(broker.output())?.[1];
  if (registry === undefined) throw new Error('the broker printed no schema registry address');
  const address = `127.0.0.1:${broker.port}`;

  // Registrations: version n adds optional field f<n> (a default keeps it BACKWARD compatible).
  const fields: object[] = [{ name: 'id', type: 'long' }];
  const regLatencies: number[] = [];
  const regStart = performance.now();
  for (let n = 0; n < Number(values.registrations); n++) {
    fields.push({ name: `f${n}`, type: 'string', default: '' });
    const t0 = performance.now();
    await post(`${registry}/subjects/bench-value/versions`, { schema: JSON.stringify({ type: 'record', name: 'Bench', fields }) });
    regLatencies.push(performance.now() - t0);
  }
  const regSeconds = (performance.now() - regStart) / 1000;
  regLatencies.sort((a, b) => a - b);
  const registrationsPerSecond = regLatencies.length / regSeconds;
  console.error(`registrations: ${registrationsPerSecond.toFixed(0)}/s, p50 ${pct(regLatencies, 50).toFixed(2)} ms, p99 ${pct(regLatencies, 99).toFixed(2)} ms`);

  // GET /schemas/ids/{id}: 16 concurrent clients over the registered ids.
  const getLatencies: number[] = [];
  const until = performance.now() + Number(values['get-seconds']) * 1000;
  const getStart = performance.now();
  await Promise.all(Array.from({ length: 16 }, async (_, w) => {
    for (let i = w; performance.now() < until; i += 16) {
      const t0 = performance.now();
      const res = await fetch(`${registry}/schemas/ids/${1 + (i % regLatencies.length)}`);
      if (!res.ok) throw new Error(`GET: ${res.status}`);
      await res.arrayBuffer();
      getLatencies.push(performance.now() - t0);
    }
  }));
  const getsPerSecond = getLatencies.length / ((performance.now() - getStart) / 1000);
  getLatencies.sort((a, b) => a - b);
  console.error(`GET /schemas/ids: ${getsPerSecond.toFixed(0)}/s, p50 ${pct(getLatencies, 50).toFixed(2)} ms, p99 ${pct(getLatencies, 99).toFixed(2)} ms`);

  // Produce with validation on and off.
  const { id } = await post(`${registry}/subjects/val-on-value/versions`, { schema: '"bytes"' });
  const value = Buffer.alloc(100, 0x62);
  value[0] = 0;
  value.writeInt32BE(id as number, 1);
  const client = await KafkaClient.connect(address);
  const runs: Record<'on' | 'off', number[]> = { on: [], off: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['off', 'on'] as const) {
      const topic = `val-${mode}-${round}`;
      await client.createTopic(topic, 6, mode === 'on' ? { 'confluent.value.schema.validation': 'true' } : {});
      // The subject follows the topic name (TopicNameStrategy): register the id under this round's topic.
      if (mode === 'on') await post(`${registry}/subjects/${topic}-value/versions`, { schema: '"bytes"' });
      const r = await produceLoad({ bootstrap: address, topic, records: Number(values.records), recordBytes: value.length, recordsPerRequest: 500, concurrency: 4, acks: -1, value });
      runs[mode].push(r.recordsPerSec);
      console.error(`round ${round + 1} validation ${mode}: ${r.recordsPerSec.toFixed(0)} records/s, ${r.mbPerSec.toFixed(1)} MB/s, p99 ${r.p99ms?.toFixed(1)} ms`);
    }
  }
  client.close();
  const on = median(runs.on);
  const off = median(runs.off);
  // Each round's on/off pair ran back to back: the median of their ratios is less exposed to this machine's drift.
  const pairedRatio = median(runs.on.map((x, i) => x / runs.off[i]!));
  const result = {
    registrationsPerSecond, registrationP50Ms: pct(regLatencies, 50), registrationP99Ms: pct(regLatencies, 99),
    getsPerSecond, getP50Ms: pct(getLatencies, 50), getP99Ms: pct(getLatencies, 99),
    produceRecordsPerSecond: { off, on }, validationRatio: on / off, pairedRatio, rounds, logWriters: Number(values['log-writers']),
  };
  console.log(`| measurement | result |\n|---|---|`);
  console.log(`| register a new version (sequential) | ${registrationsPerSecond.toFixed(0)}/s (p50 ${result.registrationP50Ms.toFixed(2)} ms, p99 ${result.registrationP99Ms.toFixed(2)} ms) |`);
  console.log(`| GET /schemas/ids/{id} (16 clients) | ${getsPerSecond.toFixed(0)}/s (p50 ${result.getP50Ms.toFixed(2)} ms, p99 ${result.getP99Ms.toFixed(2)} ms) |`);
  console.log(`| produce, validation off | ${off.toFixed(0)} records/s |`);
  console.log(`| produce, validation on | ${on.toFixed(0)} records/s (${(100 * result.validationRatio).toFixed(1)}% of off; median of per-round ratios ${(100 * pairedRatio).toFixed(1)}%) |`);
  mkdirSync(join(repoRoot, 'perf', 'results'), { recursive: true });
  writeFileSync(join(repoRoot, 'perf', 'results', 'schema-registry.json'), JSON.stringify(result, null, 2) + '\n');
} finally {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
