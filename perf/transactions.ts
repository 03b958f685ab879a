// Transactional produce against idempotent produce, same client (Java kafka-clients 4.3,
// test/java TxnBench), same settings (acks=all, linger 5 ms, 64 KiB batches, 100-byte
// records, a 6-partition topic): throughput of transactions of 100 and of 10,000 records as
// a ratio of idempotent throughput, and EndTxn commit latency (each commit timed after a
// flush, so it is the EndTxn round trip with its markers). Modes alternate across rounds in
// one session; medians are reported. With --kafka, Apache Kafka 4.1.1 (perf/kafka-peer.ts,
// a single KRaft node from the Maven Central jars) runs the same rounds.
// Usage: npm run build && node dist/perf/transactions.js [--rounds 3] [--records 200000] [--log-writers 0] [--kafka]
// Needs the Java client jars (mvn -f test/java/pom.xml package dependency:copy-dependencies
// -DoutputDirectory=target/lib). Prints a markdown table; writes perf/results/transactions.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { repoRoot, startBrokerProcess } from './broker-process.js';
import { hasKafkaPeer, startKafkaPeer } from './kafka-peer.js';

const { values } = parseArgs({ options: {
  rounds: { type: 'string', default: '3' }, records: { type: 'string', default: '200000' }, 'log-writers': { type: 'string', default: '0' }, kafka: { type: 'boolean', default: false },
} });
const rounds = Number(values.rounds);
const records = Number(values.records);
const javaCp = `${join(repoRoot, 'test/java/target/strata-java-clients-0.1.0.jar')}:${join(repoRoot, 'test/java/target/lib/*')}`;
const MODES = [['idempotent'], ['txn', '100'], ['txn', '10000']] as const;

interface Run { mode: string; recordsPerSecond: number; commitP50Ms: number; commitP99Ms: number }

function bench(address: string, topic: string, mode: readonly string[]): Run {
  const r = spawnSync('java', ['-cp', javaCp, 'strata.TxnBench', address, topic, mode[0]!, String(records), '100', ...mode.slice(1)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`TxnBench ${mode.join(' ')} failed: ${r.stderr}`);
  const [name, , , rps, p50, p99] = r.stdout.trim().split(' ');
  return { mode: name!, recordsPerSecond: Number(rps), commitP50Ms: Number(p50), commitP99Ms: Number(p99) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function measure(system: string, address: string): Promise<Record<string, Run>> {
  const admin = new Kafka({ brokers: [address], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const runs: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const mode of MODES) {
      // A fresh topic per run: every mode starts from the same empty log.
      const topic = `txbench-${round}-${mode.join('-')}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 6 }] });
      const run = bench(address, topic, mode);
      runs.push(run);
      console.error(`${system} round ${round + 1}: ${run.mode} ${run.recordsPerSecond.toFixed(0)} records/s, commit p50 ${run.commitP50Ms} ms p99 ${run.commitP99Ms} ms`);
    }
  }
  await admin.disconnect();
  const out: Record<string, Run> = {};
  for (const mode of new Set(runs.map((r) => r.mode))) {
    const of = runs.filter((r) => r.mode === mode);
    out[mode] = { mode, recordsPerSecond: median(of.map((r) => r.recordsPerSecond)), commitP50Ms: median(of.map((r) => r.commitP50Ms)), commitP99Ms: median(of.map((r) => r.commitP99Ms)) };
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'strata-txbench-'));
const results: Record<string, Record<string, Run>> = {};
try {
  const broker = await startBrokerProcess(join(dir, 'strata'), ['--log-writers', values['log-writers']!]);
  try {
    results[`strata (log writers ${values['log-writers']})`] = await measure('strata', `127.0.0.1:${broker.port}`);
  } finally {
    await broker.stop();
  }
  if (values.kafka) {
    if (!hasKafkaPeer()) throw new Error('--kafka needs the Kafka jars: mvn -f test/kafka-tools/pom.xml dependency:copy-dependencies -DoutputDirectory=target/lib');
    const peer = await startKafkaPeer(join(dir, 'kafka'), 29092);
    try {
      results['kafka 4.1.1'] = await measure('kafka', `127.0.0.1:${peer.port}`);
    } finally {
      await peer.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\n${records} records of 100 B per run, ${rounds} rounds, medians\n`);
console.log('| broker | idempotent records/s | txn of 100: records/s (ratio) | txn of 10,000: records/s (ratio) | EndTxn p50 / p99, txn of 100 | EndTxn p50 / p99, txn of 10,000 |');
console.log('|---|---|---|---|---|---|');
for (const [system, r] of Object.entries(results)) {
  const base = r.idempotent!.recordsPerSecond;
  const t100 = r['txn-100']!;
  const t10k = r['txn-10000']!;
  console.log(`| ${system} | ${base.toFixed(0)} | ${t100.recordsPerSecond.toFixed(0)} (${(t100.recordsPerSecond / base).toFixed(2)}) | ${t10k.recordsPerSecond.toFixed(0)} (${(t10k.recordsPerSecond / base).toFixed(2)}) | ${t100.commitP50Ms} / ${t100.commitP99Ms} ms | ${t10k.commitP50Ms} / ${t10k.commitP99Ms} ms |`);
}
mkdirSync(join(repoRoot, 'perf', 'results'), { recursive: true });
writeFileSync(join(repoRoot, 'perf', 'results', 'transactions.json'), JSON.stringify({ records, rounds, results }, null, 2));
