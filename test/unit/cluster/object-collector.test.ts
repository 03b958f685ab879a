// The object collector on in-memory parts: old flush-window objects no index entry names are
// deleted; young ones, named ones and keys that are not window objects stay.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLeases, MemoryPartitionIndex } from '../../../src/cluster/memory-leases.js';
import { ObjectCollector, writtenAt } from '../../../src/cluster/object-collector.js';
import { LocalObjectStore } from '../../../src/tier/local-object-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ObjectCollector', () => {
  it('deletes old objects nothing names, keeps young, named and foreign ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-collect-'));
    dirs.push(dir);
    const now = 1_800_000_000_000;
    const objects = new LocalObjectStore(dir);
    const leases = new MemoryLeases(() => now);
    const index = new MemoryPartitionIndex(leases);
    const key = (at: number, n: number) => `wal/1/${at.toString(36)}-${n}-abcd.batches`;
    const oldNamed = key(now - 3_600_000, 0);
    const oldOrphan = key(now - 3_600_000, 1);
    const young = key(now - 1000, 2);
    for (const k of [oldNamed, oldOrphan, young, 'wal/1/notes.txt', 'topics/x/segment.log']) await objects.put(k, Buffer.from('x'));
    expect(writtenAt(oldNamed, 'wal/')).toBe(now - 3_600_000);
    expect(writtenAt('wal/1/notes.txt', 'wal/')).toBeUndefined();
    const lease = (await leases.acquire('p:T/0', 1, 60_000))!;
    await index.commit([{
      topicId: 'T', partition: 0, baseOffset: 0, lastOffset: 0, objectKey: oldNamed, byteStart: 0, byteEnd: 0, maxTimestamp: 0, leaderEpoch: lease.epoch, producerId: -1, producerEpoch: -1, baseSequence: -1,
    }], [{ resource: 'p:T/0', holder: 1, epoch: lease.epoch }]);
    const collector = new ObjectCollector(objects, index, { prefixes: ['wal/'], graceMs: 600_000, now: () => now });
    expect(await collector.collect()).toEqual({ old: 2, deleted: 1 });
    expect((await objects.list('')).sort()).toEqual([oldNamed, 'topics/x/segment.log', 'wal/1/notes.txt', young].sort());
    // Once retention forgets the row, its object goes too.
    await index.advanceLogStart('T', 0, 1, { resource: 'p:T/0', holder: 1, epoch: lease.epoch });
    expect(await collector.collect()).toEqual({ old: 1, deleted: 1 });
    expect(await objects.list('wal/')).toEqual(expect.not.arrayContaining([oldNamed]));
  });
});
