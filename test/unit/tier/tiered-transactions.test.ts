// Transactions on a tiered partition: segments are uploaded only once every transaction in
// them is decided (below the last stable offset), each with the aborted transactions that
// overlap it, so after a restart, when the local log no longer holds those offsets, a
// read_committed fetch of remote offsets still learns which producers' records to drop.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InlineBackend, Partition } from '../../../src/broker/partition.js';
import { silentLogger } from '../../../src/logger.js';
import { hot } from '../../../src/native/index.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { TRANSACTIONAL_FLAG } from '../../../src/protocol/records/batch-layout.js';
import { IsolationLevel, type ReadOutcome } from '../../../src/services/partition-store.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import { LocalObjectStore } from '../../../src/tier/local-object-store.js';
import { RangeCache } from '../../../src/tier/range-cache.js';
import { RemotePartition } from '../../../src/tier/remote-partition.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const fresh = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'strata-tier-txn-'));
  dirs.push(d);
  return d;
};

const config = { segmentBytes: 1024, retentionMs: -1, indexIntervalBytes: 256, syncPolicy: 'always' as const };
const data = (n: number, txn?: { pid: number; seq: number }) => buildRecordBatch(
  Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`value-${i}`.padEnd(120, '.')) })),
  txn === undefined ? {} : { producerId: BigInt(txn.pid), producerEpoch: 0, baseSequence: txn.seq, attributes: TRANSACTIONAL_FLAG },
);

function tiered(dir: string, remote: RemotePartition): Partition {
  const tier = { remote: () => remote, backlogFull: () => false, remoteRead: () => undefined };
  return new Partition('t', 0, new InlineBackend(PartitionLog.open(join(dir, 't-0'), config)), { tier, isTiered: () => true });
}

describe('transactions on a tiered partition', () => {
  it('uploads only decided segments, with their aborted transactions, and reports them after a restart', async () => {
    const dir = fresh();
    const objects = new LocalObjectStore(join(dir, 'objects'));
    const remote = new RemotePartition('t', 'dGllcmVkLXRvcGljLWlkLTE', 0, objects, new RangeCache(1 << 20), silentLogger);
    await remote.load();
    const hashFile = async (path: string): Promise<string> => hot.xxhash64(readFileSync(path)).toString(16);
    const p = tiered(dir, remote);
    await p.append(data(3, { pid: 7, seq: 0 })); // 0-2: the transaction that will abort, spanning segments
    for (let i = 0; i < 4; i++) await p.append(data(3)); // 3-14
    // Open transaction: nothing at or past offset 0 may be uploaded yet.
    await remote.uploadClosed(p.log, hashFile, p.backend);
    expect(remote.remoteStartOffset).toBeUndefined();
    await p.writeMarker({ producerId: 7, producerEpoch: 0, commit: false, coordinatorEpoch: 0 }); // 15
    for (let i = 0; i < 4; i++) await p.append(data(3)); // 16-27
    await remote.uploadClosed(p.log, hashFile, p.backend);
    expect(remote.uploadedUpTo).toBeGreaterThan(3);
    expect(remote.abortedBetween(0, 3)).toEqual([{ producerId: 7, firstOffset: 0, lastOffset: 15 }]);
    await remote.applyLocalRetention(p.backend, { localRetentionMs: -1, localRetentionBytes: 0, retentionMs: -1, retentionBytes: -1 });
    expect(p.log.logStartOffset).toBeGreaterThan(15);
    await p.backend.close();

    // A restart: the local log no longer holds offsets 0-15, so only the tier knows the abort.
    const again = new RemotePartition('t', 'dGllcmVkLXRvcGljLWlkLTE', 0, objects, new RangeCache(1 << 20), silentLogger);
    await again.load();
    const restarted = tiered(dir, again);
    expect(restarted.backend.abortedBetween(0, 16)).toEqual([]);
    const read = (await restarted.read(0, 1 << 20, IsolationLevel.READ_COMMITTED)) as ReadOutcome;
    expect(read.bytes).toBeGreaterThan(0);
    expect(read.abortedTransactions).toEqual([{ producerId: 7, firstOffset: 0, lastOffset: 15 }]);
    await restarted.backend.close();
  });
});
