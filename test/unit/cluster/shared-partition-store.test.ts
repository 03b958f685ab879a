// Cluster mode's partitions and cluster view on in-memory parts (memory leases and index, a
// directory object store): a partition serves only while led, checks batches as the local
// log does, answers OffsetForLeaderEpoch from the index's epochs; the cluster view names the
// lease holders as leaders and coordinator, and only live, registered brokers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCluster } from '../../../src/broker/local-cluster.js';
import { FlushWindow } from '../../../src/cluster/flush-window.js';
import { LeaseClusterView } from '../../../src/cluster/lease-cluster-view.js';
import { bucketResource, groupBucket } from '../../../src/cluster/group-buckets.js';
import { MemoryLeases, MemoryPartitionIndex } from '../../../src/cluster/memory-leases.js';
import { SharedPartitionLog } from '../../../src/cluster/shared-partition-log.js';
import { SharedPartitionStore } from '../../../src/cluster/shared-partition-store.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { TRANSACTIONAL_FLAG } from '../../../src/protocol/records/batch-layout.js';
import { IsolationLevel } from '../../../src/services/partition-store.js';
import { LocalObjectStore } from '../../../src/tier/local-object-store.js';
import { errorName } from '../../helpers/error-name.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const batch = (label: string, timestamp = 1000) => buildRecordBatch(Array.from({ length: 2 }, (_, i) => ({ value: Buffer.from(`${label}-${i}`), timestamp: timestamp + i })));

async function parts() {
  const dir = mkdtempSync(join(tmpdir(), 'strata-shared-store-'));
  dirs.push(dir);
  const leases = new MemoryLeases(() => 1_000_000);
  const index = new MemoryPartitionIndex(leases);
  const local = new LocalObjectStore(dir);
  // Counts the GETs that reach the object store (tail reads should not).
  const gets = { count: 0 };
  const objects = Object.assign(Object.create(local) as LocalObjectStore, {
    get: (key: string, range?: { start: number; end: number }) => (gets.count++, local.get(key, range)),
  });
  const window = new FlushWindow(objects, index, { windowMs: 1, maxBytes: 1 << 20, keyPrefix: 'n/' });
  const store = new SharedPartitionStore('t', 0, 'T', () => ({ maxBatchBytes: 1 << 20, validateRecords: true, retentionMs: -1, retentionBytes: -1, cleanupPolicy: 'delete', deleteRetentionMs: 86_400_000, minCompactionLagMs: 0, minCleanableDirtyRatio: 0.5, maxCompactionLagMs: Number.MAX_SAFE_INTEGER }), index, objects);
  let current: { resource: string; holder: number; epoch: number } | undefined;
  // Broker `holder` takes the partition over (the previous holder hands it off).
  const lead = async (holder: number) => {
    if (current !== undefined) await leases.release(current);
    const lease = (await leases.acquire('p:T/0', holder, 60_000, { newEpoch: true }))!;
    current = { resource: 'p:T/0', holder, epoch: lease.epoch };
    store.lead(await SharedPartitionLog.open('T', 0, { resource: 'p:T/0', holder, epoch: lease.epoch }, window, index, objects));
    return lease.epoch;
  };
  return { store, lead, window, gets };
}

describe('SharedPartitionStore', () => {
  it('serves produce and fetch only while it leads; refuses corrupt and transactional batches', async () => {
    const { store, lead, window, gets } = await parts();
    expect(await errorName(() => store.append(batch('a')))).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(await errorName(() => store.read(0, 1 << 20, IsolationLevel.READ_UNCOMMITTED))).toBe('NOT_LEADER_OR_FOLLOWER');
    await lead(1);
    let woken = 0;
    store.onProgress(() => woken++);
    expect((await store.append(batch('a'))).baseOffset).toBe(0);
    expect((await store.append(batch('b', 5000))).baseOffset).toBe(2);
    expect([store.highWatermark, store.lastStableOffset, store.logStartOffset]).toEqual([4, 4, 0]);
    expect(woken).toBeGreaterThanOrEqual(2);
    expect((await store.read(0, 1 << 20, IsolationLevel.READ_UNCOMMITTED)).chunks).toHaveLength(2);
    // What this leader just wrote is read from memory, not from the object store.
    expect(gets.count).toBe(0);
    expect(await store.offsetForTimestamp(4000)).toEqual({ offset: 2, timestamp: 5000 });
    expect(await store.maxTimestampRecord()).toEqual({ offset: 3, timestamp: 5001 });
    const corrupt = batch('c');
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect(await errorName(() => store.append(corrupt))).toBe('CORRUPT_MESSAGE');
    const txn = buildRecordBatch([{ value: Buffer.from('t') }], { producerId: 9n, producerEpoch: 0, baseSequence: 0, attributes: TRANSACTIONAL_FLAG });
    expect(await errorName(() => store.append(txn))).toBe('INVALID_RECORD');
    store.resign();
    expect(await errorName(() => store.append(batch('d')))).toBe('NOT_LEADER_OR_FOLLOWER');
    // What it last knew stays visible to metrics.
    expect(store.highWatermark).toBe(4);
    await window.close();
  });

  it('answers OffsetForLeaderEpoch from the epochs of the committed data', async () => {
    const { store, lead, window, gets } = await parts();
    const e1 = await lead(1);
    await store.append(batch('a'));
    await store.append(batch('b'));
    const e2 = await lead(2);
    await store.append(batch('c')); // offsets 4-5 under e2
    const e3 = await lead(3); // leads, has written nothing yet
    // A new leader has nothing in memory: it reads what the others wrote from the objects.
    expect((await store.read(0, 1 << 20, IsolationLevel.READ_UNCOMMITTED)).chunks).toHaveLength(3);
    expect(gets.count).toBe(3);
    expect(await store.endOffsetForEpoch(e3, e3)).toEqual({ leaderEpoch: e3, endOffset: 6 });
    expect(await store.endOffsetForEpoch(e1, e3)).toEqual({ leaderEpoch: e1, endOffset: 4 });
    // The Java client after a move: its epoch e2 ended where e3 began (the log end when e3 took over).
    expect(await store.endOffsetForEpoch(e2, e3)).toEqual({ leaderEpoch: e2, endOffset: 6 });
    // Below the first epoch: the requested epoch, ending where the first one starts.
    expect(await store.endOffsetForEpoch(0, e3)).toEqual({ leaderEpoch: 0, endOffset: 0 });
    // Past the current epoch: undefined.
    expect(await store.endOffsetForEpoch(e3 + 1, e3)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    await window.close();
  });
});

describe('LeaseClusterView', () => {
  it('names lease holders as leaders and coordinator, among live registered brokers only', () => {
    const local = new LocalCluster('c1', { nodeId: 1, host: 'h1', port: 9092 });
    const view = new LeaseClusterView(local, (topic, p) => (topic === 't' ? `p:T/${p}` : undefined));
    const brokers = [1, 2, 3, 4].map((n) => ({ nodeId: n, host: `h${n}`, port: 9092, rack: null }));
    const lease = (resource: string, holder: number, epoch = 1) => ({ resource, holder, epoch, expiresAtMs: 0 });
    // Broker 4 is registered but its heartbeat lapsed; broker 3 leads partition 1 (known address).
    view.update(brokers, [lease('b:1', 1), lease('b:2', 2), lease('b:3', 3), lease('p:T/0', 2, 5), lease('p:T/1', 3, 7), lease('p:T/2', 4), lease(bucketResource(groupBucket('any-group')), 2)]);
    expect(view.brokers().map((b) => b.nodeId)).toEqual([1, 2, 3]);
    expect(view.controllerId()).toBe(1);
    expect(view.leaderOf('t', 0)).toEqual({ leaderId: 2, leaderEpoch: 5, replicas: [2], isr: [2] });
    expect(view.leaderOf('t', 1).leaderEpoch).toBe(7);
    // A leader that is not live is no leader; an unleased partition neither.
    expect(view.leaderOf('t', 2).leaderId).toBe(-1);
    expect(view.leaderOf('t', 9).leaderId).toBe(-1);
    expect(view.leaderOf('other', 0).leaderId).toBe(-1);
    expect(view.coordinatorFor('any-group').nodeId).toBe(2);
    // This broker's own change shows before the next refresh.
    view.note(bucketResource(groupBucket('any-group')), undefined);
    expect(() => view.coordinatorFor('any-group')).toThrow(/COORDINATOR_NOT_AVAILABLE/);
    view.note('p:T/9', lease('p:T/9', 1, 2));
    expect(view.leaderOf('t', 9)).toMatchObject({ leaderId: 1, leaderEpoch: 2 });
  });
});
