// Runs the PartitionStore contract against every implementation: memory, a partition log
// on this thread (--inline), a log writer thread, and a tiered partition (closed segments
// uploaded to an object store and deleted locally before the reads).
import { join } from 'node:path';
import { InlineBackend, Partition, type PartitionBackend } from '../../src/broker/partition.js';
import { silentLogger } from '../../src/logger.js';
import { hot } from '../../src/native/index.js';
import { CpuPool } from '../../src/pool/cpu-pool.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { LocalObjectStore } from '../../src/tier/local-object-store.js';
import { RangeCache } from '../../src/tier/range-cache.js';
import { RemotePartition } from '../../src/tier/remote-partition.js';
import { LogWriterPool } from '../../src/writer/log-writer-pool.js';
import { MemoryPartitionStore } from '../helpers/memory/memory-partition-store.js';
import { useTmpDirs } from '../helpers/tmp.js';
import { partitionStoreContract, SEGMENT_BYTES, type PartitionOptions } from './partition-store.contract.js';

const tmp = useTmpDirs();
const logConfig = (o: PartitionOptions) => ({ segmentBytes: SEGMENT_BYTES, retentionMs: o.retentionMs, retentionBytes: o.retentionBytes ?? -1, indexIntervalBytes: 256, syncPolicy: 'always' as const });
const closing = (partition: Partition, extra: () => Promise<void> = async () => undefined) => async (): Promise<void> => {
  await partition.backend.close();
  await extra();
};

partitionStoreContract('memory', async (o) => {
  const store = new MemoryPartitionStore('t', 0, { batchesPerSegment: 4, retentionMs: o.retentionMs, retentionBytes: o.retentionBytes });
  return { store, settle: async () => undefined, close: async () => undefined };
});

partitionStoreContract('inline (a log on this thread)', async (o) => {
  const p = new Partition('t', 0, new InlineBackend(PartitionLog.open(join(tmp(), 't-0'), logConfig(o))));
  return { store: p, settle: async () => undefined, close: closing(p) };
});

partitionStoreContract('threaded (a log writer thread)', async (o) => {
  const cpu = new CpuPool(0);
  const pool = new LogWriterPool({
    writers: 1, ringBytes: 1 << 20, hangTimeoutMs: 10_000, logLevel: 'silent', logger: silentLogger,
    onFsync: () => undefined, onRestart: () => undefined, rebuildIndexes: (dir, base, size, interval) => cpu.rebuildIndexes(dir, base, size, interval),
  });
  const backend: PartitionBackend = pool.open(join(tmp(), 't-0'), logConfig(o), () => undefined);
  const p = new Partition('t', 0, backend);
  return { store: p, settle: async () => undefined, close: closing(p, async () => { await pool.close(); await cpu.close(); }) };
});

partitionStoreContract('tiered (older segments in an object store)', async (o) => {
  const remote = new RemotePartition('t', 'dGllcmVkLXRvcGljLWlkLTE', 0, new LocalObjectStore(tmp()), new RangeCache(1 << 20), silentLogger);
  await remote.load();
  // Counts the reads that reach the object store: the contract must exercise them.
  let remoteReads = 0;
  const counted = {
    get remoteStartOffset() {
      return remote.remoteStartOffset;
    },
    get uploadedUpTo() {
      return remote.uploadedUpTo;
    },
    read: (offset: number, maxBytes: number) => (remoteReads++, remote.read(offset, maxBytes)),
    maxTimestampBelow: (localStart: number) => remote.maxTimestampBelow(localStart),
    recordForTimestamp: (timestamp: number, localStart: number) => (remoteReads++, remote.recordForTimestamp(timestamp, localStart)),
    abortedBetween: (from: number, to: number) => remote.abortedBetween(from, to),
  };
  const tier = { remote: () => counted, backlogFull: () => false, remoteRead: () => undefined };
  const p = new Partition('t', 0, new InlineBackend(PartitionLog.open(join(tmp(), 't-0'), logConfig(o))), { tier, isTiered: () => true });
  const hashFile = async (path: string): Promise<string> => hot.xxhash64((await import('node:fs')).readFileSync(path)).toString(16);
  return {
    store: p,
    settle: async () => {
      await remote.uploadClosed(p.log, hashFile, p.backend);
      // Keep only the active segment locally: everything older is read back remotely.
      await remote.applyLocalRetention(p.backend, { localRetentionMs: -1, localRetentionBytes: 0, retentionMs: -1, retentionBytes: -1 });
      if (remote.remoteStartOffset === undefined || p.log.logStartOffset === 0) throw new Error('settle left nothing in the object store');
    },
    close: closing(p, async () => {
      if (remote.remoteStartOffset !== undefined && remoteReads === 0) throw new Error('no read went to the object store');
    }),
  };
});
