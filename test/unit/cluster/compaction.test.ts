// The compactor on in-memory parts: batches of two partitions share flush-window objects;
// each leader copies its partition's old batches into a segment of its own and points the
// index at it; readers (a new leader, nothing in memory) see the same records; a window
// object is collected only once neither partition names it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FlushWindow } from '../../../src/cluster/flush-window.js';
import { MemoryLeases, MemoryPartitionIndex } from '../../../src/cluster/memory-leases.js';
import { ObjectCollector } from '../../../src/cluster/object-collector.js';
import { SharedPartitionLog } from '../../../src/cluster/shared-partition-log.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { readAllRecords } from '../../../src/protocol/records/record-reader.js';
import { LocalObjectStore } from '../../../src/tier/local-object-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const batchOf = (label: string) => buildRecordBatch([{ value: Buffer.from(`${label}-0`) }, { value: Buffer.from(`${label}-1`) }]);
const values = (chunks: Buffer[]) => [...readAllRecords(chunks)].map((r) => `${r.offset}:${r.value!.toString()}`);

describe('compaction into per-partition segments', () => {
  it('moves old window batches into one segment per partition; reads are unchanged; shared windows go when neither names them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-compact-'));
    dirs.push(dir);
    const leases = new MemoryLeases(() => Date.now());
    const index = new MemoryPartitionIndex(leases);
    const objects = new LocalObjectStore(dir);
    const window = new FlushWindow(objects, index, { windowMs: 2, maxBytes: 1 << 20, keyPrefix: 'wal/1/' });
    const open = async (p: number) => {
      const l = (await leases.acquire(`p:T/${p}`, 1, 600_000))!;
      return SharedPartitionLog.open('T', p, { resource: `p:T/${p}`, holder: 1, epoch: l.epoch }, window, index, objects);
    };
    const [p0, p1] = [await open(0), await open(1)];
    // Appends of both partitions land in the same windows.
    for (let round = 0; round < 5; round++) await Promise.all([p0.append(batchOf(`a${round}`)), p1.append(batchOf(`b${round}`))]);
    const windows = await objects.list('wal/');
    expect(windows.length).toBeLessThanOrEqual(5);
    const options = { windowPrefix: 'wal/', segmentPrefix: 'seg/', maxBytes: 1 << 20 };
    // Too young: nothing moves.
    expect(await p0.compact({ ...options, minAgeMs: 60_000, now: Date.now() })).toBe(0);
    const later = Date.now() + 120_000;
    expect(await p0.compact({ ...options, minAgeMs: 60_000, now: later })).toBeGreaterThan(0);
    expect(await p0.compact({ ...options, minAgeMs: 60_000, now: later })).toBe(0);
    const entries = await index.entries('T', 0, 0, 100);
    expect(new Set(entries.map((e) => e.objectKey)).size).toBe(1);
    expect(entries[0]!.objectKey).toMatch(/^seg\/T\/0\//);
    // A new leader (nothing in memory) reads the segment: the same records at the same offsets.
    await leases.release({ resource: 'p:T/0', holder: 1, epoch: 1 });
    const l2 = (await leases.acquire('p:T/0', 2, 600_000))!;
    const reader = await SharedPartitionLog.open('T', 0, { resource: 'p:T/0', holder: 2, epoch: l2.epoch }, window, index, objects);
    expect(values(await reader.read(0, 1 << 20))).toEqual(Array.from({ length: 5 }, (_, r) => [`${2 * r}:a${r}-0`, `${2 * r + 1}:a${r}-1`]).flat());
    // Partition 1 still names the windows: nothing is collected yet; after it compacts too, they go.
    const collector = new ObjectCollector(objects, index, { prefixes: ['wal/', 'seg/'], graceMs: 60_000, now: () => later });
    expect((await collector.collect()).deleted).toBe(0);
    expect(await p1.compact({ ...options, minAgeMs: 60_000, now: later })).toBeGreaterThan(0);
    expect((await collector.collect()).deleted).toBe(windows.length);
    expect(await objects.list('wal/')).toEqual([]);
    expect((await objects.list('seg/')).length).toBe(2);
    expect(values(await reader.read(4, 1 << 20))[0]).toBe('4:a2-0');
    await window.close();
  });
});
