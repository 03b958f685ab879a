// Rebalance time: how long a member joining a 6-member consumer group takes to bring the
// group back to Stable with the newcomer owning partitions, measured with real librdkafka
// members (kcat -G) against the broker in a child process. Each join is followed by the
// newcomer leaving (SIGTERM) and the group settling again before the next one. --bursts
// also measures N members arriving at once (a deploy or a scale-out), where joins land
// while the group is still persisting the previous generation.
// Usage: npm run build && node dist/perf/rebalance.js [--joins 50] [--protocols eager,cooperative]
//        [--builds new=.,old=../old] [--heartbeat-ms 500] [--bursts 1,2]
// --builds names repository roots with a built dist/ (e.g. a git worktree of an older
// commit): every build runs in the same session, so the rows compare like with like.
// Prints a markdown table and writes perf/results/rebalance.json.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KafkaClient } from '../src/client/kafka-client.js';
import { readConsumerProtocolAssignment } from '../src/protocol/generated/consumer-protocol-assignment.js';
import { Reader } from '../src/protocol/primitives/reader.js';
import { repoRoot, startBrokerProcess } from './broker-process.js';

const { values } = parseArgs({
  options: {
    joins: { type: 'string', default: '50' },
    protocols: { type: 'string', default: 'eager,cooperative' },
    builds: { type: 'string', default: 'current=.' },
    'heartbeat-ms': { type: 'string', default: '500' },
    bursts: { type: 'string', default: '1,2' },
  },
});
if (spawnSync('kcat', ['-V']).status !== 0) {
  console.error('kcat is needed (apt-get install kcat)');
  process.exit(2);
}
const JOINS = Number(values.joins);
const PARTITIONS = 12;
const GROUP_SIZE = 6;
const SETTLE_TIMEOUT_MS = 60_000;

function assignedPartitions(bytes: Buffer): number[] {
  if (bytes.length < 2) return [];
  const r = new Reader(bytes);
  const version = Math.min(r.int16(), 3);
  return readConsumerProtocolAssignment(r, version).assignedPartitions.flatMap((t) => t.partitions);
}

/** Stable, `size` members, every member owning a partition and every partition owned once. */
async function settled(client: KafkaClient, group: string, size: number): Promise<boolean> {
  const g = await client.describeGroup(group);
  if (g.groupState !== 'Stable' || g.members.length !== size) return false;
  const owned = g.members.map((m) => assignedPartitions(m.memberAssignment));
  const all = owned.flat();
  return owned.every((p) => p.length > 0) && all.length === PARTITIONS && new Set(all).size === PARTITIONS;
}

async function waitSettled(client: KafkaClient, group: string, size: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < SETTLE_TIMEOUT_MS) {
    if (await settled(client, group, size)) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`group ${group} did not settle with ${size} members in ${SETTLE_TIMEOUT_MS} ms`);
}

function member(port: number, group: string, topic: string, cooperative: boolean): ChildProcess {
  return spawn('kcat', [
    '-b', `127.0.0.1:${port}`, '-G', group, topic, '-q', '-o', 'end',
    '-X', `partition.assignment.strategy=${cooperative ? 'cooperative-sticky' : 'range'}`,
    '-X', `heartbeat.interval.ms=${values['heartbeat-ms']}`, '-X', 'session.timeout.ms=10000', '-X', 'max.poll.interval.ms=30000',
  ], { stdio: ['ignore', 'ignore', 'ignore'] });
}

function stop(p: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (p.exitCode !== null || p.signalCode !== null) return r();
    p.once('exit', () => r());
    p.kill('SIGTERM');
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

interface Row { build: string; protocol: string; burst: number; joins: number; p50: number; p99: number; max: number }

async function measure(build: string, root: string, protocol: string, burst: number): Promise<Row> {
  const cooperative = protocol === 'cooperative';
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-rebalance-'));
  const broker = await startBrokerProcess(dataDir, ['--inline', '--group-initial-rebalance-delay-ms', '0'], root);
  const client = await KafkaClient.connect(`127.0.0.1:${broker.port}`, 'perf-rebalance');
  const members: ChildProcess[] = [];
  try {
    const topic = 'rebalance';
    const group = `rebalance-${protocol}`;
    await client.createTopic(topic, PARTITIONS, {});
    for (let i = 0; i < GROUP_SIZE; i++) members.push(member(broker.port, group, topic, cooperative));
    await waitSettled(client, group, GROUP_SIZE);
    const times: number[] = [];
    for (let i = 0; i < JOINS; i++) {
      const newcomers = Array.from({ length: burst }, () => member(broker.port, group, topic, cooperative));
      times.push(await waitSettled(client, group, GROUP_SIZE + burst));
      await Promise.all(newcomers.map(stop));
      await waitSettled(client, group, GROUP_SIZE);
    }
    times.sort((a, b) => a - b);
    return { build, protocol, burst, joins: JOINS, p50: percentile(times, 0.5), p99: percentile(times, 0.99), max: times[times.length - 1]! };
  } finally {
    await Promise.all(members.map(stop));
    client.close();
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const builds = values.builds.split(',').map((b) => {
  const [name, path] = b.split('=');
  return { name: name!, root: resolve(repoRoot, path ?? '.') };
});
const rows: Row[] = [];
for (const burst of values.bursts.split(',').map(Number)) {
  for (const protocol of values.protocols.split(',')) {
    for (const b of builds) {
      const row = await measure(b.name, b.root, protocol, burst);
      rows.push(row);
      console.error(`${b.name} ${protocol} x${burst}: p50 ${row.p50.toFixed(0)} ms, p99 ${row.p99.toFixed(0)} ms`);
    }
  }
}
console.log(`| build | protocol | joining at once | joins | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.build} | ${r.protocol} | ${r.burst} | ${r.joins} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} |`);
mkdirSync(join(repoRoot, 'perf', 'results'), { recursive: true });
writeFileSync(join(repoRoot, 'perf', 'results', 'rebalance.json'), JSON.stringify({ heartbeatMs: Number(values['heartbeat-ms']), rows }, null, 2));
