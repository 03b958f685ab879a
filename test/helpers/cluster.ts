// Cluster-mode brokers as child processes (`strata serve --metadata-url …`) over one real
// PostgreSQL database and one S3 bucket, each with a data directory of its own.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { childBroker, type ChildBroker } from './broker.js';
import type { TestS3 } from './s3.js';

export interface ClusterNode {
  id: number;
  dataDir: string;
  broker: ChildBroker;
}

export interface ClusterSpec {
  metadataUrl: string;
  s3: TestS3;
  /** The S3 endpoint the brokers use (a fault proxy in front of s3.endpoint, say). */
  s3Endpoint?: string;
  /** Where the nodes' data directories go. */
  dir: string;
  /** Keys in the bucket start with this (one prefix per test). */
  prefix: string;
  leaseTtlMs?: number;
  flushWindowMs?: number;
}

export async function startClusterNode(spec: ClusterSpec, id: number, extra: string[] = []): Promise<ClusterNode> {
  const dataDir = join(spec.dir, `${spec.prefix}-node-${id}`);
  mkdirSync(dataDir, { recursive: true });
  const broker = await childBroker([
    '--port', '0', '--node-id', String(id), '--data-dir', dataDir, '--metadata-url', spec.metadataUrl,
    '--s3-endpoint', spec.s3Endpoint ?? spec.s3.endpoint, '--s3-bucket', spec.s3.bucket, '--s3-prefix', `${spec.prefix}/`, '--s3-force-path-style', 'true',
    '--lease-ttl-ms', String(spec.leaseTtlMs ?? 3000), '--flush-window-ms', String(spec.flushWindowMs ?? 10),
    '--group-initial-rebalance-delay-ms', '200', '--log-level', 'info', ...extra,
  ], { AWS_ACCESS_KEY_ID: spec.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: spec.s3.secretAccessKey, AWS_REGION: 'us-east-1' });
  return { id, dataDir, broker };
}

export async function startCluster(spec: ClusterSpec, count: number): Promise<ClusterNode[]> {
  const nodes: ClusterNode[] = [];
  for (let id = 1; id <= count; id++) nodes.push(await startClusterNode(spec, id));
  return nodes;
}

export const clusterKafka = (nodes: readonly ClusterNode[], clientId = 'cluster-test'): Kafka => new Kafka({
  clientId, brokers: nodes.map((n) => n.broker.address), logLevel: process.env.STRATA_TEST_CLUSTER_LOGS === '1' ? logLevel.WARN : logLevel.NOTHING, requestTimeout: 5000, retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 },
});

/** Each partition's leader as Metadata answers it (-1: none yet), by partition. */
export async function partitionLeaders(kafka: Kafka, topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    return t!.partitions.sort((a, b) => a.partitionId - b.partitionId).map((p) => p.leader);
  } finally {
    await admin.disconnect();
  }
}
