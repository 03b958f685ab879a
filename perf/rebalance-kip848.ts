// Rebalance time, KIP-848 against classic: a fourth Java member (kafka-clients 4.3,
// test/java ChurnMember) joins a group of three on a 6-partition topic; measured from the
// moment the newcomer is first seen in the group (ConsumerGroupDescribe / DescribeGroups,
// polled every 20 ms) and from its process start, to the group being Stable again with all
// four members owning partitions. Classic: eager range assignor, heartbeat 1 s; KIP-848:
// group.remote.assignor=uniform|range, the broker's heartbeat interval also 1 s. Each join
// is followed by the newcomer leaving and the group settling.
// Usage: npm run build && node dist/perf/rebalance-kip848.js [--joins 5]
// Needs the Java client jars (mvn -f test/java/pom.xml package dependency:copy-dependencies
// -DoutputDirectory=target/lib). Prints a markdown table; writes perf/results/rebalance-kip848.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { RawClient } from '../src/client/raw-client.js';
import { ApiKey } from '../src/protocol/generated/api-keys.js';
import { readConsumerGroupDescribeResponse } from '../src/protocol/generated/consumer-group-describe-response.js';
import { writeConsumerGroupDescribeRequest } from '../src/protocol/generated/consumer-group-describe-request.js';
import { repoRoot, startBrokerProcess } from './broker-process.js';

const { values } = parseArgs({ options: { joins: { type: 'string', default: '5' } } });
const javaLib = join(repoRoot, 'test/java/target');
const PARTITIONS = 6;

function member(address: string, group: string, topic: string, mode: string): ChildProcess {
  return spawn('java', ['-cp', `${join(javaLib, 'strata-java-clients-0.1.0.jar')}:${join(javaLib, 'lib', '*')}`, 'strata.ChurnMember', address, group, topic, mode], { stdio: 'ignore' });
}

function stop(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
  });
}

/** Members and how many partitions each owns, or undefined while the group is not Stable. */
async function view(mode: string, port: number, admin: Admin, group: string): Promise<{ stable: boolean; owning: number[] }> {
  if (mode.startsWith('consumer-')) {
    const c = await RawClient.connect('127.0.0.1', port);
    try {
      const g = readConsumerGroupDescribeResponse(await c.request(ApiKey.ConsumerGroupDescribe, 0, (w) => writeConsumerGroupDescribeRequest(w, 0, { groupIds: [group], includeAuthorizedOperations: false })), 0).groups[0]!;
      return { stable: g.groupState === 'Stable', owning: g.members.map((m) => m.assignment.topicPartitions.reduce((n, t) => n + t.partitions.length, 0)) };
    } finally {
      c.close();
    }
  }
  const g = (await admin.describeGroups([group])).groups[0]!;
  // A non-empty assignment is more than its 2-byte version and empty arrays: enough here.
  return { stable: g.state === 'Stable', owning: g.members.map((m) => (m.memberAssignment.length > 14 ? 1 : 0)) };
}

async function waitFor(check: () => Promise<boolean>, ms = 60_000): Promise<number> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (await check()) return performance.now();
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('timed out');
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const rows: Array<{ mode: string; fromSeen: number[]; fromStart: number[] }> = [];
const work = mkdtempSync(join(tmpdir(), 'strata-rebalance-kip848-'));
try {
  for (const mode of ['range', 'consumer-range', 'consumer-uniform']) {
    const broker = await startBrokerProcess(join(work, mode), ['--inline', '--group-consumer-heartbeat-interval-ms', '1000', '--group-initial-rebalance-delay-ms', '0']);
    const address = `127.0.0.1:${broker.port}`;
    const admin = new Kafka({ brokers: [address], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topic = `t-${mode}`;
    const group = `g-${mode}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
    const base = [0, 1, 2].map(() => member(address, group, topic, mode));
    const row = { mode, fromSeen: [] as number[], fromStart: [] as number[] };
    try {
      const settled = (n: number) => async () => {
        const v = await view(mode, broker.port, admin, group);
        return v.stable && v.owning.length === n && v.owning.every((x) => x > 0);
      };
      await waitFor(settled(3), 120_000);
      for (let j = 0; j < Number(values.joins); j++) {
        const started = performance.now();
        const newcomer = member(address, group, topic, mode);
        const seen = await waitFor(async () => (await view(mode, broker.port, admin, group)).owning.length === 4);
        const done = await waitFor(settled(4));
        row.fromSeen.push(done - seen);
        row.fromStart.push(done - started);
        await stop(newcomer);
        await waitFor(settled(3));
        console.error(`${mode} join ${j}: ${(done - seen).toFixed(0)} ms from first seen, ${(done - started).toFixed(0)} ms from process start`);
      }
    } finally {
      await Promise.all(base.map(stop));
      await admin.disconnect();
      await broker.stop();
    }
    rows.push(row);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log('| protocol | joins | from first seen p50 ms | max ms | from process start p50 ms | max ms |\n|---|---|---|---|---|---|');
for (const r of rows) {
  const name = r.mode.startsWith('consumer-') ? `KIP-848 (${r.mode.slice(9)})` : 'classic (eager range)';
  console.log(`| ${name} | ${r.fromSeen.length} | ${pct(r.fromSeen, 0.5).toFixed(0)} | ${Math.max(...r.fromSeen).toFixed(0)} | ${pct(r.fromStart, 0.5).toFixed(0)} | ${Math.max(...r.fromStart).toFixed(0)} |`);
}
mkdirSync(join(repoRoot, 'perf', 'results'), { recursive: true });
writeFileSync(join(repoRoot, 'perf', 'results', 'rebalance-kip848.json'), JSON.stringify({ at: new Date().toISOString(), rows }, null, 2));
