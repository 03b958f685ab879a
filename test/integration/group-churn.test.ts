// Consumer groups under churn, with real clients in child processes: six members of one
// group (kafkajs, kcat and the Java client for the eager range protocol; kcat and Java for
// cooperative-sticky, which kafkajs lacks) consume a 12-partition topic while a producer writes to it and
// members are started, stopped with SIGTERM and killed with SIGKILL every few seconds.
// The group must keep making progress, no SyncGroup may wait longer than the rebalance
// timeout, every produced record must be consumed (at-least-once), and the committed
// offsets must reach the end. STRATA_CHURN_SECONDS shortens or lengthens the churn.
// The Java member needs its jars (`mvn -q -f test/java/pom.xml package
// dependency:copy-dependencies -DoutputDirectory=target/lib`, which .ci/run does); without
// them the runs use kafkajs and kcat only, and say so.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import type { RunningBroker } from '../../src/server/start.js';
import type { ApiHandler } from '../../src/handlers/handler.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { eventually, root, testBroker } from '../helpers/broker.js';
import { hasTool, runWith, toolsRequired } from '../helpers/tools.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const hasKcat = hasTool('kcat', ['-V']);
const javaLib = join(root, 'test/java/target');
// Under CI the Java member is required too (.ci/run builds its jars).
const hasJava = toolsRequired || (existsSync(join(javaLib, 'strata-java-clients-0.1.0.jar')) && hasTool('java', ['-version']));
const CHURN_MS = Number(process.env.STRATA_CHURN_SECONDS ?? 120) * 1000;
const PARTITIONS = 12;
const MEMBERS = 6;
const SESSION_TIMEOUT_MS = 6_000;
const REBALANCE_TIMEOUT_MS = 10_000;
/** Consumption must not stop for longer than this during the churn. */
const MAX_STALL_MS = 25_000;

let running: RunningBroker;
let dataDir: string;
let kafka: Kafka;

/** Every SyncGroup the broker answered (or still owes), with how long it took. */
interface SyncTiming { started: number; ms?: number; errorCode?: number }
const syncs: SyncTiming[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'strata-churn-'));
  running = await testBroker(dataDir, { groupInitialRebalanceDelayMs: 500 });
  kafka = new Kafka({ clientId: 'churn-test', brokers: [running.address], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
  // Time every SyncGroup at the handler: the latency a member waits for its answer.
  const handlers = running.broker.handlers as Map<number, ApiHandler>;
  const sync = handlers.get(ApiKey.SyncGroup)!;
  handlers.set(ApiKey.SyncGroup, {
    ...sync,
    async handle(req, ctx) {
      const t: SyncTiming = { started: Date.now() };
      syncs.push(t);
      const res = (await sync.handle(req, ctx)) as { errorCode: number };
      t.ms = Date.now() - t.started;
      t.errorCode = res.errorCode;
      return res;
    },
  });
});

afterAll(async () => {
  await running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

type Kind = 'kafkajs' | 'kcat' | 'java';

interface Member {
  kind: Kind;
  proc: ChildProcess;
  exited: Promise<void>;
  /** The last offset this member printed, per partition. */
  lastPrinted: Map<number, number>;
}

class Churn {
  readonly members: Member[] = [];
  readonly consumed = new Set<number>();
  /** "partition:offset" of every record printed. */
  readonly offsets = new Set<string>();
  /**
   * kcat drops the message in hand when SIGTERM arrives (its consume callback returns once
   * it is told to stop), after librdkafka stored that message's offset on handing it over;
   * closing then commits past it. So the record after the last one a SIGTERMed kcat printed
   * on a partition may go unprinted: a kcat behaviour, at most one record per SIGTERM.
   */
  readonly kcatMayDrop = new Set<string>();
  kcatTerms = 0;
  /** When each record was first consumed, for the progress check. */
  readonly consumedAt: number[] = [];
  deliveries = 0;
  /** Records printed by each kind of client: every kind must have taken part. */
  readonly byKind = new Map<Kind, number>();
  readonly log: string[] = [];
  private readonly t0 = Date.now();

  constructor(private readonly group: string, private readonly topic: string, private readonly cooperative: boolean) {}

  start(kind: Kind): Member {
    const proc = kind === 'kafkajs'
      ? spawn(process.execPath, [join(root, 'test/fixtures/churn/kafkajs-member.mjs'), running.address, this.group, this.topic], { stdio: ['ignore', 'pipe', 'ignore'] })
      : kind === 'java'
      ? spawn('java', ['-cp', `${join(javaLib, 'strata-java-clients-0.1.0.jar')}:${join(javaLib, 'lib', '*')}`, 'strata.ChurnMember', running.address, this.group, this.topic, this.cooperative ? 'cooperative-sticky' : 'range'], { stdio: ['ignore', 'pipe', 'ignore'] })
      : spawn('kcat', [
        '-b', running.address, '-G', this.group, this.topic, '-q', '-u', '-f', '%p %o %s\n',
        '-X', `partition.assignment.strategy=${this.cooperative ? 'cooperative-sticky' : 'range'}`,
        '-X', `session.timeout.ms=${SESSION_TIMEOUT_MS}`, '-X', `max.poll.interval.ms=${REBALANCE_TIMEOUT_MS}`,
        '-X', 'heartbeat.interval.ms=1000', '-X', 'auto.offset.reset=earliest', '-X', 'auto.commit.interval.ms=1000',
      ], { stdio: ['ignore', 'pipe', 'ignore'] });
    const member: Member = { kind, proc, exited: new Promise<void>((resolve) => proc.once('exit', () => resolve())), lastPrinted: new Map() };
    const lines = createInterface({ input: proc.stdout! });
    lines.on('line', (line) => {
      const value = /^(\d+) (\d+) r(\d+)$/.exec(line);
      if (value === null) return;
      this.deliveries++;
      this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
      const seq = Number(value[3]);
      const [partition, offset] = [Number(value[1]), Number(value[2])];
      member.lastPrinted.set(partition, offset);
      this.offsets.add(`${partition}:${offset}`);
      this.log.push(`${Date.now() - this.t0} ${kind}#${proc.pid} p${partition} o${offset} r${seq}`);
      if (!this.consumed.has(seq)) {
        this.consumed.add(seq);
        this.consumedAt.push(Date.now());
      }
    });
    this.events.push(`${Date.now() - this.t0} start ${kind}#${proc.pid}`);
    this.members.push(member);
    return member;
  }

  readonly events: string[] = [];

  async stop(member: Member, signal: NodeJS.Signals): Promise<void> {
    this.events.push(`${Date.now() - this.t0} ${signal} ${member.kind}#${member.proc.pid}`);
    this.members.splice(this.members.indexOf(member), 1);
    member.proc.kill(signal);
    const timer = setTimeout(() => member.proc.kill('SIGKILL'), 15_000);
    await member.exited;
    clearTimeout(timer);
    if (member.kind === 'kcat' && signal === 'SIGTERM') {
      this.kcatTerms++;
      for (const [partition, offset] of member.lastPrinted) this.kcatMayDrop.add(`${partition}:${offset + 1}`);
    }
  }

  /** Offsets below each partition's end that nobody printed. */
  gaps(ends: Map<number, number>): string[] {
    const out: string[] = [];
    for (const [partition, end] of ends) for (let o = 0; o < end; o++) if (!this.offsets.has(`${partition}:${o}`)) out.push(`${partition}:${o}`);
    return out;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.members].map((m) => this.stop(m, 'SIGTERM')));
  }
}

/** Produces "r<seq>" records round-robin over the partitions until stopped; returns how many. */
function produceUntil(producer: Producer, topic: string, stop: { done: boolean }): Promise<number> {
  return (async () => {
    let seq = 0;
    while (!stop.done) {
      const messages = Array.from({ length: PARTITIONS }, (_, i) => ({ partition: i, value: `r${seq + i}` }));
      await producer.send({ topic, messages, acks: -1 });
      seq += PARTITIONS;
      await new Promise((r) => setTimeout(r, 50));
    }
    return seq;
  })();
}

async function committedAtEnd(admin: Admin, group: string, topic: string): Promise<boolean> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
  const byPartition = new Map(committed[0]!.partitions.map((p) => [p.partition, p.offset]));
  return ends.every((e) => byPartition.get(e.partition) === e.high);
}

async function churnRun(name: string, kinds: Kind[], cooperative: boolean): Promise<void> {
  const topic = `churn-${name}`;
  const group = `churn-${name}-g`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const firstSync = syncs.length;
  const churn = new Churn(group, topic, cooperative);
  for (const kind of kinds) churn.start(kind);
  const stop = { done: false };
  const produced = produceUntil(producer, topic, stop);
  const started = Date.now();
  // Churn: every 2-5 s, one member goes (SIGTERM and SIGKILL in turn) and a new one of a
  // kind drawn from the mix comes; now and then two arrive at once (a deploy's burst).
  let step = 0;
  while (Date.now() - started < CHURN_MS) {
    await new Promise((r) => setTimeout(r, 2_000 + ((step * 7919) % 3_000)));
    const victim = churn.members[step % churn.members.length]!;
    await churn.stop(victim, step % 2 === 0 ? 'SIGTERM' : 'SIGKILL');
    churn.start(kinds[step % kinds.length]!);
    if (step % 5 === 4 && churn.members.length < MEMBERS + 1) churn.start(kinds[(step + 1) % kinds.length]!);
    else if (churn.members.length > MEMBERS) await churn.stop(churn.members[0]!, 'SIGTERM');
    step++;
  }
  stop.done = true;
  const total = await produced;
  const churnEnded = Date.now();
  let gaps: string[] = [];
  try {
    // The members left consume the rest and commit up to the end of every partition; then
    // every record was printed by some member, but for what kcat itself drops on SIGTERM.
    await eventually(() => committedAtEnd(admin, group, topic), 120_000, 'committed offsets at the end of every partition');
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((e) => [e.partition, Number(e.high)]));
    expect([...ends.values()].reduce((a, b) => a + b, 0)).toBe(total);
    const unexplained = (): string[] => churn.gaps(ends).filter((g) => !churn.kcatMayDrop.has(g));
    await eventually(() => unexplained().length === 0, 10_000, 'every record consumed');
    gaps = churn.gaps(ends);
  } catch (err) {
    const missing = Array.from({ length: total }, (_, i) => i).filter((i) => !churn.consumed.has(i));
    console.log(`kcat may drop: ${[...churn.kcatMayDrop].join(' ')}`);
    const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    console.log(`missing ${missing.join(',')}; committed ${JSON.stringify(committed[0]!.partitions)}; ends ${JSON.stringify(await admin.fetchTopicOffsets(topic))}`);
    for (const m of missing.slice(0, 3)) {
      const p = m % PARTITIONS;
      const near = churn.log.filter((l) => l.includes(` p${p} `) && Math.abs(Number(/r(\d+)$/.exec(l)![1]) - m) <= 5 * PARTITIONS);
      console.log(`around r${m} (partition ${p}):\n${near.join('\n')}`);
    }
    console.log(churn.events.join('\n'));
    throw err;
  } finally {
    await churn.stopAll();
    await producer.disconnect();
    await admin.disconnect();
  }

  expect(gaps.length).toBeLessThanOrEqual(churn.kcatTerms);
  expect(churn.consumed.size).toBe(total - gaps.length);

  // Progress throughout: no window of MAX_STALL_MS without a newly consumed record.
  const times = [started, ...churn.consumedAt.filter((t) => t <= churnEnded).sort((a, b) => a - b), churnEnded];
  const longestGap = Math.max(...times.slice(1).map((t, i) => t - times[i]!));
  expect(longestGap).toBeLessThan(MAX_STALL_MS);

  // Every SyncGroup was answered, none later than the rebalance timeout (plus scheduling slack).
  const mine = syncs.slice(firstSync);
  expect(mine.length).toBeGreaterThan(step);
  expect(mine.filter((s) => s.ms === undefined)).toEqual([]);
  expect(Math.max(...mine.map((s) => s.ms!))).toBeLessThanOrEqual(REBALANCE_TIMEOUT_MS + 1_000);
  // The defect this guards against parked a SyncGroup until the member's session expired.
  // Only a leader killed between its JoinGroup answer and its SyncGroup (a window of
  // milliseconds) makes followers wait that long legitimately, as in Kafka.
  expect(Math.max(...mine.map((s) => s.ms!))).toBeLessThan(SESSION_TIMEOUT_MS - 500);
  for (const kind of new Set(kinds)) expect(churn.byKind.get(kind) ?? 0, `records consumed by ${kind} members`).toBeGreaterThan(0);
  // Redelivery is allowed (at-least-once), but not a group redoing everything.
  expect(churn.deliveries).toBeLessThan(total * 3);
  console.log(`${name}: ${total} records, ${churn.deliveries} deliveries (${[...churn.byKind].map(([k, n]) => `${k} ${n}`).join(', ')}), ${gaps.length} dropped by kcat on SIGTERM, ${step} churn steps, ${mine.length} SyncGroups (p99 ${percentile(mine.map((s) => s.ms!), 0.99)} ms, max ${Math.max(...mine.map((s) => s.ms!))} ms), longest gap ${longestGap} ms`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

describe.runIf(runWith(hasKcat))('consumer group churn with real clients', () => {
  const java: Kind[] = hasJava ? ['java'] : [];
  if (!hasJava) console.log('group churn: no Java client jars (test/java/target): kafkajs and kcat members only');

  it(`eager (range): kafkajs, kcat${hasJava ? ' and Java' : ''} members come and go`, async () => {
    await churnRun('eager', hasJava ? ['kafkajs', 'kcat', 'java', 'kafkajs', 'kcat', 'java'] : ['kafkajs', 'kcat', 'kafkajs', 'kcat', 'kafkajs', 'kcat'], false);
  }, CHURN_MS + 240_000);

  it(`cooperative-sticky: kcat${hasJava ? ' and Java' : ''} members come and go`, async () => {
    await churnRun('coop', ['kcat', 'kcat', ...java, 'kcat', 'kcat', ...(hasJava ? java : ['kcat'] as Kind[])], true);
  }, CHURN_MS + 240_000);
});
