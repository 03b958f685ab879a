// The flush window and the shared partition log on in-memory parts (a directory object store,
// the memory index): many partitions per object, acknowledgement after the index commit,
// a lost lease failing the window, and the cluster probe's figures for each flush.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { FlushWindow } from '../../../src/cluster/flush-window.js';
import { MemoryLeases, MemoryPartitionIndex } from '../../../src/cluster/memory-leases.js';
import { SharedPartitionLog } from '../../../src/cluster/shared-partition-log.js';
import { ClusterProbe, leaseKind } from '../../../src/metrics/cluster-probe.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { LocalObjectStore } from '../../../src/tier/local-object-store.js';
import { errorName } from '../../helpers/error-name.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('FlushWindow with SharedPartitionLog', () => {
  it('one object per window across partitions; figures to the cluster probe; a lapsed lease fails its window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-flush-'));
    dirs.push(dir);
    let now = 1_000_000;
    const leases = new MemoryLeases(() => now);
    const index = new MemoryPartitionIndex(leases);
    const objects = new LocalObjectStore(dir);
    const registry = new Registry();
    const probe = new ClusterProbe(registry);
    const window = new FlushWindow(objects, index, { windowMs: 5, maxBytes: 1 << 20, keyPrefix: 'n1/', onFlush: (s) => probe.flush(s) });
    const logs = await Promise.all([0, 1, 2].map(async (p) => {
      const l = (await leases.acquire(`p:T/${p}`, 1, 1000))!;
      return SharedPartitionLog.open('T', p, { resource: l.resource, holder: 1, epoch: l.epoch }, window, index, objects);
    }));
    const batch = buildRecordBatch([{ value: Buffer.from('x') }, { value: Buffer.from('y') }]);
    await Promise.all(Array.from({ length: 30 }, (_, i) => logs[i % 3]!.append(batch)));
    expect(logs.map((l) => l.highWatermark)).toEqual([20, 20, 20]);
    const objectsWritten = (await objects.list('n1/')).length;
    expect(objectsWritten).toBeLessThan(30);
    const metrics = await registry.getMetricsAsJSON();
    const puts = metrics.find((m) => m.name === 'strata_cluster_flush_puts_total')!.values;
    expect(puts).toEqual([expect.objectContaining({ labels: { outcome: 'ok' }, value: objectsWritten })]);
    // Partition 1's lease lapses: its next window fails whole, with NOT_LEADER_OR_FOLLOWER.
    now += 5000;
    expect(await errorName(() => logs[1]!.append(batch))).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(await index.highWatermark('T', 1)).toBe(20);
    await window.close();
    expect(leaseKind('p:T/1')).toBe('partition');
    expect(leaseKind('g:3')).toBe('group');
  });
});
