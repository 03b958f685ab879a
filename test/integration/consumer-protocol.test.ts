// The KIP-848 consumer group protocol with the Java client (kafka-clients 4.3,
// group.protocol=consumer): three members on a 6-partition topic get disjoint assignments
// that cover every partition, with each server-side assignor (uniform, range); a member that
// leaves hands its partitions over, and every record is consumed exactly once across the
// handover (members commit after each poll). ConsumerGroupDescribe, ListGroups and
// kafka-consumer-groups --describe see the group; an empty group turns classic again.
// kafka-clients 4.3.1, not 4.1.1: the 4.1 consumer could collect a fetched batch for a partition
// the background thread had just revoked and die with IllegalStateException ("No current
// assignment for partition", KAFKA-20332, fixed in 4.2.1/4.3.0): a member that is given all six
// partitions and then revokes four of them as the others join hit it about one run in six.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/server/start.js';
import { RawClient } from '../../src/client/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { readConsumerGroupDescribeResponse } from '../../src/protocol/generated/consumer-group-describe-response.js';
import { writeConsumerGroupDescribeRequest } from '../../src/protocol/generated/consumer-group-describe-request.js';
import { eventually, root, testBroker } from '../helpers/broker.js';
import { hasJavaClients } from '../helpers/java.js';
import { runWith } from '../helpers/tools.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const javaLib = join(root, 'test/java/target');
const toolsLib = join(root, 'test', 'kafka-tools', 'target', 'lib');
const PARTITIONS = 6;

class Member {
  readonly seen: string[] = [];
  private readonly proc: ChildProcess;
  exited = false;
  /** The end of the client's stderr, for a failure's message. */
  errTail = '';

  constructor(address: string, group: string, topic: string, assignor: string) {
    this.proc = spawn('java', ['-cp', `${join(javaLib, 'strata-java-clients-0.1.0.jar')}:${join(javaLib, 'lib', '*')}`, 'strata.ChurnMember', address, group, topic, `consumer-${assignor}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (d: Buffer) => (this.errTail = (this.errTail + d.toString()).slice(-3000)));
    let buf = '';
    this.proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (l.trim() !== '') this.seen.push(l.trim().split(' ')[2]!);
    });
    this.proc.on('exit', () => (this.exited = true));
  }

  stop(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 30_000);
      this.proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.proc.kill('SIGTERM');
    });
  }
}

describe.runIf(runWith(hasJavaClients))('KIP-848 consumer groups (Java client, group.protocol=consumer)', () => {
  let running: RunningBroker;
  let dir: string;
  const kafka = () => new Kafka({ brokers: [running.address], logLevel: logLevel.NOTHING });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-kip848-'));
    running = await testBroker(join(dir, 'data'), { groupConsumerHeartbeatIntervalMs: 500, groupConsumerSessionTimeoutMs: 10_000 });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function describeGroup(group: string) {
    const c = await RawClient.connect('127.0.0.1', running.port);
    try {
      const body = await c.request(ApiKey.ConsumerGroupDescribe, 0, (w) => writeConsumerGroupDescribeRequest(w, 0, { groupIds: [group], includeAuthorizedOperations: false }));
      return readConsumerGroupDescribeResponse(body, 0).groups[0]!;
    } finally {
      c.close();
    }
  }

  async function produce(topic: string, from: number, count: number): Promise<void> {
    const producer = kafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ partition: (from + i) % PARTITIONS, value: `v${from + i}` })) });
    await producer.disconnect();
  }

  for (const assignor of ['uniform', 'range']) {
    it(`three members share 6 partitions (${assignor}); one leaves and the others take its partitions over without loss or repeat`, async () => {
      const topic = `kip848-${assignor}`;
      const group = `g-${assignor}`;
      const admin = kafka().admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
      await admin.disconnect();
      await produce(topic, 0, 60);
      const members = [0, 1, 2].map(() => new Member(running.address, group, topic, assignor));
      try {
        // Stable: every member at the group's assignment epoch, two partitions each, disjoint and complete.
        await eventually(async () => {
          const g = await describeGroup(group);
          return g.groupState === 'Stable' && g.members.length === 3 && g.members.every((m) => m.assignment.topicPartitions.reduce((n, t) => n + t.partitions.length, 0) === 2);
        }, 60_000, 'a stable group of three').catch(async (err: unknown) => {
          const clients = members.map((m, i) => `member ${i}${m.exited ? ' (exited)' : ''}, ${m.seen.length} records, stderr: ${m.errTail}`).join('\n');
          throw new Error(`${String(err)}: ${JSON.stringify(await describeGroup(group))}\n${clients}`);
        });
        const g = await describeGroup(group);
        expect(g.assignorName).toBe(assignor);
        const owned = g.members.flatMap((m) => m.assignment.topicPartitions.flatMap((t) => t.partitions));
        expect(owned.sort()).toEqual([0, 1, 2, 3, 4, 5]);
        await eventually(() => members.reduce((n, m) => n + m.seen.length, 0) >= 60, 60_000, 'the first 60 records consumed');

        // kafka-consumer-groups --describe lists the members and their partitions.
        if (existsSync(join(toolsLib, 'kafka-tools-4.1.1.jar'))) {
          const out = await new Promise<string>((resolve) => {
            const p = spawn('java', ['-cp', join(toolsLib, '*'), 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', '--bootstrap-server', running.address, '--describe', '--group', group, '--members']);
            let text = '';
            p.stdout.on('data', (d: Buffer) => (text += d.toString()));
            p.stderr.on('data', (d: Buffer) => (text += d.toString()));
            p.on('exit', () => resolve(text));
          });
          expect(out.split('\n').filter((l) => l.startsWith(`${group} `))).toHaveLength(3);
        }

        await members[0]!.stop();
        await produce(topic, 60, 60);
        await eventually(async () => {
          const d = await describeGroup(group);
          return d.groupState === 'Stable' && d.members.length === 2 && d.members.flatMap((m) => m.assignment.topicPartitions.flatMap((t) => t.partitions)).length === PARTITIONS;
        }, 60_000, 'the two left own every partition');
        await eventually(() => members.reduce((n, m) => n + m.seen.length, 0) >= 120, 60_000, 'all 120 records consumed');
        const all = members.flatMap((m) => m.seen);
        expect(new Set(all).size).toBe(120);
        expect(all).toHaveLength(120);
      } finally {
        await Promise.all(members.map((m) => m.stop()));
      }
      // Everyone left: the group is empty, listed as a consumer group; a classic member may take the id.
      await eventually(async () => (await describeGroup(group)).groupState === 'Empty', 20_000, 'the group empties');
      const listAdmin = kafka().admin();
      await listAdmin.connect();
      try {
        const listed = (await listAdmin.listGroups()).groups.find((x) => x.groupId === group);
        expect(listed?.protocolType).toBe('consumer');
        const offsets = await listAdmin.fetchOffsets({ groupId: group, topics: [topic] });
        expect(offsets[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0)).toBe(120);
      } finally {
        await listAdmin.disconnect();
      }
    }, 240_000);
  }
});
