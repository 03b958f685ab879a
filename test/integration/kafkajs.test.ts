// Real client: kafkajs against an in-process broker. Produce, consume, admin, groups,
// idempotence, limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import type { RunningBroker } from '../../src/server/start.js';
import { eventually, testBroker } from '../helpers/broker.js';
import { useTmpDirs } from '../helpers/tmp.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const tmp = useTmpDirs();
let running: RunningBroker;
let kafka: Kafka;
let dataDir: string;

beforeAll(async () => {
  dataDir = (await import('node:fs')).mkdtempSync((await import('node:path')).join((await import('node:os')).tmpdir(), 'strata-kjs-'));
  running = await testBroker(dataDir);
  kafka = new Kafka({ clientId: 'strata-test', brokers: [running.address], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
});

afterAll(async () => {
  await running.close();
  (await import('node:fs')).rmSync(dataDir, { recursive: true, force: true });
});

void tmp;

/** The Kafka error type of the first topic a createTopics call failed for. */
async function createError(p: Promise<unknown>): Promise<string | undefined> {
  const err = (await p.then(() => undefined, (e: unknown) => e)) as { errors?: Array<{ type?: string }> } | undefined;
  return err?.errors?.[0]?.type;
}

function collect(consumer: Consumer, into: EachMessagePayload[], commitEach = false): Promise<void> {
  return consumer.run({
    autoCommit: !commitEach,
    eachMessage: async (payload) => {
      into.push(payload);
      if (commitEach) {
        await consumer.commitOffsets([{ topic: payload.topic, partition: payload.partition, offset: String(Number(payload.message.offset) + 1) }]);
      }
    },
  });
}

describe('kafkajs', () => {
  it('produces and consumes keys, values, headers and timestamps', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'roundtrip', numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    const t0 = 1_700_000_000_000;
    const messages = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `value ${i} ${'x'.repeat(i * 10)}`, headers: { n: String(i) }, timestamp: String(t0 + i * 1000) }));
    await producer.send({ topic: 'roundtrip', messages, acks: -1 });
    const consumer = kafka.consumer({ groupId: 'roundtrip-g', heartbeatInterval: 500, maxWaitTimeInMs: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'roundtrip', fromBeginning: true });
    const got: EachMessagePayload[] = [];
    await collect(consumer, got);
    await eventually(() => got.length >= 40, 30_000, '40 messages');
    const byKey = new Map(got.map((p) => [p.message.key!.toString(), p.message]));
    for (const m of messages) {
      const r = byKey.get(m.key)!;
      expect(r.value!.toString()).toBe(m.value);
      expect(r.headers!.n!.toString()).toBe(m.headers.n);
      expect(r.timestamp).toBe(m.timestamp);
    }
    const offsets = await admin.fetchTopicOffsets('roundtrip');
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(40);
    const byTime = await admin.fetchTopicOffsetsByTimestamp('roundtrip', t0 + 20_500);
    const total = byTime.reduce((n, p) => n + Number(p.offset), 0);
    expect(total).toBe(21); // records 0..20 are older in the two partitions together
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });

  it('administers topics and refuses what a single node cannot do', async () => {
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: 'adm', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '60000' }] }] })).toBe(true);
    await expect(admin.createTopics({ topics: [{ topic: 'adm' }], validateOnly: false })).resolves.toBe(false); // exists: kafkajs reports false
    expect(await createError(admin.createTopics({ topics: [{ topic: 'rf3', replicationFactor: 3 }] }))).toBe('INVALID_REPLICATION_FACTOR');
    expect(await createError(admin.createTopics({ topics: [{ topic: 'cmp', configEntries: [{ name: 'cleanup.policy', value: 'shred' }] }] }))).toBe('INVALID_CONFIG');
    expect(await createError(admin.createTopics({ topics: [{ topic: 'bad name!' }] }))).toBe('INVALID_TOPIC_EXCEPTION');
    const described = await admin.describeConfigs({ resources: [{ type: 2, name: 'adm' }], includeSynonyms: false });
    const entries = described.resources[0]!.configEntries;
    expect(entries.find((e) => e.configName === 'retention.ms')?.configValue).toBe('60000');
    expect(entries.find((e) => e.configName === 'cleanup.policy')?.configValue).toBe('delete');
    // kafkajs' alterConfigs uses the non-incremental AlterConfigs: the set replaces the overrides.
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'adm', configEntries: [{ name: 'segment.bytes', value: '1048576' }] }] });
    const altered = (await admin.describeConfigs({ resources: [{ type: 2, name: 'adm' }], includeSynonyms: false })).resources[0]!.configEntries;
    expect(altered.find((e) => e.configName === 'segment.bytes')?.configValue).toBe('1048576');
    expect(altered.find((e) => e.configName === 'retention.ms')?.configValue).toBe('604800000'); // back to the default
    await expect(admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'adm', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] })).rejects.toThrow();
    await admin.createPartitions({ topicPartitions: [{ topic: 'adm', count: 5 }] });
    const meta = await admin.fetchTopicMetadata({ topics: ['adm'] });
    expect(meta.topics[0]!.partitions.length).toBe(5);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'adm', count: 2 }] })).rejects.toThrow();
    expect(await admin.listTopics()).toContain('adm');
    await admin.deleteTopics({ topics: ['adm'] });
    expect(await admin.listTopics()).not.toContain('adm');
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.length).toBe(1);
    await admin.disconnect();
  });

  it('shares 6 partitions among 3 consumers, and hands them over when one leaves, without losing or repeating committed progress', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'grp', numPartitions: 6 }] });
    const producer = kafka.producer();
    await producer.connect();
    const send = async (from: number, to: number): Promise<void> => {
      await producer.send({ topic: 'grp', acks: -1, messages: Array.from({ length: to - from }, (_, i) => ({ key: `id${from + i}`, value: String(from + i) })) });
    };
    await send(0, 300);
    const seen: EachMessagePayload[] = [];
    const assignments = new Map<string, number[]>();
    const consumers = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const c = kafka.consumer({ groupId: 'grp-g', heartbeatInterval: 300, sessionTimeout: 10_000, maxWaitTimeInMs: 300 });
        c.on(c.events.GROUP_JOIN, (e) => assignments.set(`c${i}`, e.payload.memberAssignment['grp'] ?? []));
        await c.connect();
        await c.subscribe({ topic: 'grp', fromBeginning: true });
        await collect(c, seen, true);
        return c;
      }),
    );
    await eventually(() => seen.length >= 300 && assignments.size === 3 && [...assignments.values()].flat().length === 6, 40_000, 'first 300 and a 3-way assignment');
    const all = [...assignments.values()].flat().sort();
    expect(all).toEqual([0, 1, 2, 3, 4, 5]); // disjoint and covering
    expect([...assignments.values()].every((a) => a.length === 2)).toBe(true);
    // One consumer leaves; the other two take its partitions over.
    assignments.clear();
    await consumers[2]!.disconnect();
    await send(300, 600);
    await eventually(() => seen.length >= 600, 40_000, 'all 600 after the hand-over');
    const remaining = [...assignments.entries()].filter(([k]) => k !== 'c2').flatMap(([, v]) => v).sort();
    expect(remaining).toEqual([0, 1, 2, 3, 4, 5]);
    // Every offset was committed right after processing, so nothing repeats and nothing is lost.
    const ids = seen.map((p) => Number(p.message.value!.toString()));
    expect(new Set(ids).size).toBe(600);
    expect(ids.length).toBe(600);
    const committed = await admin.fetchOffsets({ groupId: 'grp-g', topics: ['grp'] });
    expect(committed[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0)).toBe(600);
    await Promise.all(consumers.slice(0, 2).map((c) => c.disconnect()));
    await producer.disconnect();
    await admin.disconnect();
  });

  it('with idempotence and acks=all, delivers every message exactly once and in order per partition', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'idem', numPartitions: 3 }] });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = new Map<number, number[]>();
    for (let round = 0; round < 20; round++) {
      const msgs = Array.from({ length: 25 }, (_, i) => ({ partition: (round + i) % 3, value: String(round * 25 + i) }));
      for (const m of msgs) sent.set(m.partition, [...(sent.get(m.partition) ?? []), Number(m.value)]);
      await producer.send({ topic: 'idem', acks: -1, messages: msgs });
    }
    const consumer = kafka.consumer({ groupId: 'idem-g', heartbeatInterval: 500, maxWaitTimeInMs: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'idem', fromBeginning: true });
    const got: EachMessagePayload[] = [];
    await collect(consumer, got);
    await eventually(() => got.length >= 500, 30_000, '500 messages');
    for (const [partition, values] of sent) {
      expect(got.filter((p) => p.partition === partition).map((p) => Number(p.message.value!.toString()))).toEqual(values);
    }
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });

  it('enforces max.message.bytes', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'small', configEntries: [{ name: 'max.message.bytes', value: '2000' }] }] });
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    await expect(producer.send({ topic: 'small', messages: [{ value: 'x'.repeat(5000) }] })).rejects.toThrow(/larger than the max message size/);
    await producer.send({ topic: 'small', messages: [{ value: 'fits' }] });
    await producer.disconnect();
    await admin.disconnect();
  });
});
