// The LeaseStore and PartitionIndex contract (src/services/leases.ts): leases with epochs,
// taken over only after they lapse, and an index of committed data that accepts a write only
// while the writer's lease holds — the fencing cluster mode's safety rests on.
import { describe, expect, it } from 'vitest';
import type { IndexEntry, LeaseStore, PartitionIndex } from '../../src/services/leases.js';
import { errorName } from '../helpers/error-name.js';

export interface LeaseHarness {
  leases: LeaseStore;
  index: PartitionIndex;
  /** Lets `ms` pass on the store's clock (a fake clock, or a real wait). */
  pass(ms: number): Promise<void>;
  /** A lease length: short against a real clock, so tests stay quick. */
  ttl: number;
}

const entry = (partition: number, baseOffset: number, count: number, epoch = 1): IndexEntry => ({
  topicId: 'T1', partition, baseOffset, lastOffset: baseOffset + count - 1, objectKey: `obj-${baseOffset}`, byteStart: 0, byteEnd: 100, maxTimestamp: 1000 + baseOffset, leaderEpoch: epoch, producerId: -1, producerEpoch: -1, baseSequence: -1,
});

export function leasesContract(name: string, open: () => Promise<LeaseHarness>): void {
  describe(`LeaseStore and PartitionIndex contract: ${name}`, () => {
    it('one holder at a time; the epoch rises with each new holder, not with a renewal', async () => {
      const { leases, pass, ttl } = await open();
      const a = await leases.acquire('p:T1/0', 1, ttl);
      expect(a).toMatchObject({ resource: 'p:T1/0', holder: 1, epoch: 1 });
      expect(await leases.acquire('p:T1/0', 2, ttl)).toBeUndefined();
      const again = await leases.acquire('p:T1/0', 1, ttl);
      expect(again?.epoch).toBe(1);
      expect(again!.expiresAtMs).toBeGreaterThanOrEqual(a!.expiresAtMs);
      expect(await leases.renew({ resource: 'p:T1/0', holder: 1, epoch: 1 }, ttl)).toBe(true);
      await pass(ttl * 2);
      // Lapsed: the holder cannot renew it; another broker takes it at a higher epoch.
      expect(await leases.renew({ resource: 'p:T1/0', holder: 1, epoch: 1 }, ttl)).toBe(false);
      expect(await leases.acquire('p:T1/0', 2, ttl)).toMatchObject({ holder: 2, epoch: 2 });
      expect((await leases.live('p:')).map((l) => [l.resource, l.holder, l.epoch])).toEqual([['p:T1/0', 2, 2]]);
      // Taken up again by its holder with a new epoch (it had given it up for lost): the old epoch is fenced.
      expect(await leases.acquire('p:T1/0', 2, ttl, { newEpoch: true })).toMatchObject({ holder: 2, epoch: 3 });
      expect(await leases.renew({ resource: 'p:T1/0', holder: 2, epoch: 2 }, ttl)).toBe(false);
      expect(await leases.acquire('p:T1/0', 1, ttl, { newEpoch: true })).toBeUndefined();
      await leases.close();
    });

    it('a release hands the lease over at once; a stale release changes nothing', async () => {
      const { leases, ttl } = await open();
      const a = (await leases.acquire('g:7', 1, ttl * 100))!;
      expect(await leases.release({ resource: 'g:7', holder: 1, epoch: a.epoch + 1 })).toBe(false);
      expect(await leases.acquire('g:7', 2, ttl)).toBeUndefined();
      expect(await leases.release({ resource: 'g:7', holder: 1, epoch: a.epoch })).toBe(true);
      expect(await leases.acquire('g:7', 2, ttl)).toMatchObject({ holder: 2, epoch: a.epoch + 1 });
      expect(await leases.live('p:')).toEqual([]);
      expect((await leases.live()).map((l) => l.resource)).toEqual(['g:7']);
      await leases.close();
    });

    it('of brokers racing for a free lease, exactly one wins', async () => {
      const { leases, ttl } = await open();
      const results = await Promise.all([1, 2, 3, 4, 5].map((n) => leases.acquire('p:T1/3', n, ttl * 100)));
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      await leases.close();
    });

    it('commits index entries only under a held lease, contiguous with the committed end', async () => {
      const { leases, index, ttl } = await open();
      const l = (await leases.acquire('p:T1/0', 1, ttl * 100))!;
      const guard = { resource: 'p:T1/0', holder: 1, epoch: l.epoch };
      expect(await index.highWatermark('T1', 0)).toBe(0);
      await index.commit([entry(0, 0, 10), entry(0, 10, 5)], [guard]);
      expect(await index.highWatermark('T1', 0)).toBe(15);
      // A gap or an overlap is refused, and nothing of the commit lands.
      expect(await errorName(() => index.commit([entry(0, 15, 1), entry(0, 20, 1)], [guard]))).toBe('NOT_LEADER_OR_FOLLOWER');
      expect(await errorName(() => index.commit([entry(0, 12, 3)], [guard]))).toBe('NOT_LEADER_OR_FOLLOWER');
      expect(await index.highWatermark('T1', 0)).toBe(15);
      expect((await index.entries('T1', 0, 12, 10)).map((e) => e.baseOffset)).toEqual([10]);
      expect((await index.entries('T1', 0, 0, 1)).map((e) => [e.baseOffset, e.lastOffset, e.objectKey])).toEqual([[0, 9, 'obj-0']]);
      // Idempotent producers' batches keep their producer fields; the recent ones are listed for a new leader.
      await index.commit([{ ...entry(0, 15, 2), producerId: 42, producerEpoch: 3, baseSequence: 0 }, entry(0, 17, 1), { ...entry(0, 18, 2), producerId: 42, producerEpoch: 3, baseSequence: 2 }], [guard]);
      expect((await index.producerEntries('T1', 0, 10)).map((e) => [e.baseOffset, e.producerId, e.producerEpoch, e.baseSequence])).toEqual([[15, 42, 3, 0], [18, 42, 3, 2]]);
      expect((await index.producerEntries('T1', 0, 1)).map((e) => e.baseOffset)).toEqual([18]);
      expect(await index.referencedObjects(['obj-0', 'obj-10', 'obj-11', 'obj-18'])).toEqual(new Set(['obj-0', 'obj-10', 'obj-18']));
      // The compactor points entries at a segment: offsets stay, bytes move; all or nothing.
      await index.relocate('T1', 0, [{ baseOffset: 10, objectKey: 'seg-a', byteStart: 0, byteEnd: 49 }, { baseOffset: 15, objectKey: 'seg-a', byteStart: 50, byteEnd: 99 }], guard);
      expect((await index.entries('T1', 0, 10, 2)).map((e) => [e.baseOffset, e.lastOffset, e.objectKey, e.byteStart, e.byteEnd])).toEqual([[10, 14, 'seg-a', 0, 49], [15, 16, 'seg-a', 50, 99]]);
      expect(await errorName(() => index.relocate('T1', 0, [{ baseOffset: 17, objectKey: 'seg-b', byteStart: 0, byteEnd: 9 }, { baseOffset: 16, objectKey: 'seg-b', byteStart: 10, byteEnd: 19 }], guard))).toBe('NOT_LEADER_OR_FOLLOWER');
      expect((await index.entries('T1', 0, 17, 1))[0]!.objectKey).toBe('obj-17');
      expect(await errorName(() => index.relocate('T1', 0, [{ baseOffset: 17, objectKey: 'seg-b', byteStart: 0, byteEnd: 9 }], { ...guard, epoch: guard.epoch + 1 }))).toBe('NOT_LEADER_OR_FOLLOWER');
      // retention.bytes: older entries go while the newer ones alone hold the limit; the newest stays.
      // Sizes now (byte ranges are inclusive), oldest first: 0:101, 10:50, 15:50, 17:101, 18:101.
      expect(await Promise.all([150, 202, 203, 0, 1e9].map((bytes) => index.retainedFrom('T1', 0, bytes)))).toEqual([17, 17, 15, 18, 0]);
      expect(await index.retainedFrom('T1', 9, 100)).toBeUndefined();
      // The log start moves up (DeleteRecords, retention), never down or past the end; entries wholly below it go.
      expect(await index.logStart('T1', 0)).toBe(0);
      expect(await index.advanceLogStart('T1', 0, 12, guard)).toEqual({ logStart: 12, removed: 1 });
      expect((await index.entries('T1', 0, 0, 10)).map((e) => e.baseOffset)).toEqual([10, 15, 17, 18]);
      expect(await index.advanceLogStart('T1', 0, 5, guard)).toEqual({ logStart: 12, removed: 0 });
      expect(await index.advanceLogStart('T1', 0, 99, guard)).toEqual({ logStart: 20, removed: 4 });
      expect([await index.logStart('T1', 0), await index.highWatermark('T1', 0)]).toEqual([20, 20]);
      // Writing goes on at the end, and a stale guard cannot move the start.
      await index.commit([entry(0, 20, 2)], [guard]);
      expect(await index.highWatermark('T1', 0)).toBe(22);
      expect(await errorName(() => index.advanceLogStart('T1', 0, 21, { ...guard, epoch: guard.epoch + 1 }))).toBe('NOT_LEADER_OR_FOLLOWER');
      await leases.close();
      await index.close();
    });

    it('forgets entries log compaction emptied, with the moves, all or nothing; never the last one', async () => {
      const { leases, index, ttl } = await open();
      const lease = (await leases.acquire('p:T1/4', 1, ttl * 100))!;
      const guard = { resource: 'p:T1/4', holder: 1, epoch: lease.epoch };
      await index.commit([entry(4, 0, 2), entry(4, 2, 3), entry(4, 5, 1), entry(4, 6, 2)], [guard]);
      await index.relocate('T1', 4, [{ baseOffset: 5, objectKey: 'cleaned', byteStart: 0, byteEnd: 40 }], guard, [0, 2]);
      expect((await index.entries('T1', 4, 0, 10)).map((e) => [e.baseOffset, e.objectKey])).toEqual([[5, 'cleaned'], [6, 'obj-6']]);
      expect(await index.highWatermark('T1', 4)).toBe(8);
      // The last entry (the high watermark comes from it), one already gone, or a stale guard: refused, nothing changes.
      expect(await errorName(() => index.relocate('T1', 4, [], guard, [6]))).toBe('NOT_LEADER_OR_FOLLOWER');
      expect(await errorName(() => index.relocate('T1', 4, [{ baseOffset: 5, objectKey: 'again', byteStart: 0, byteEnd: 9 }], guard, [2]))).toBe('NOT_LEADER_OR_FOLLOWER');
      expect(await errorName(() => index.relocate('T1', 4, [], { ...guard, epoch: guard.epoch + 1 }, [5]))).toBe('NOT_LEADER_OR_FOLLOWER');
      expect((await index.entries('T1', 4, 0, 10)).map((e) => [e.baseOffset, e.objectKey])).toEqual([[5, 'cleaned'], [6, 'obj-6']]);
      // Writing goes on at the end.
      await index.commit([entry(4, 8, 1)], [guard]);
      expect(await index.highWatermark('T1', 4)).toBe(9);
      await leases.close();
      await index.close();
    });

    it('renews many leases in one call: those still held at their epoch, not a lapsed one or one held at another epoch', async () => {
      const { leases, pass, ttl } = await open();
      const a = (await leases.acquire('p:T2/0', 1, ttl))!;
      const b = (await leases.acquire('p:T2/1', 1, ttl * 100))!;
      const c = (await leases.acquire('p:T2/2', 1, ttl * 100))!;
      await pass(ttl * 2); // a lapses
      const kept = await leases.renewAll([
        { resource: 'p:T2/0', holder: 1, epoch: a.epoch }, { resource: 'p:T2/1', holder: 1, epoch: b.epoch }, { resource: 'p:T2/2', holder: 1, epoch: c.epoch + 1 },
      ], ttl * 100);
      expect([...kept]).toEqual(['p:T2/1']);
      expect(await leases.renewAll([], ttl)).toEqual(new Set());
      expect((await leases.live('p:T2/')).map((l) => l.resource)).toEqual(['p:T2/1', 'p:T2/2']);
      await leases.close();
    });

    it('fences a paused leader: after the lease moved, its commits and renewals fail and nothing becomes visible', async () => {
      const { leases, index, pass, ttl } = await open();
      const old = (await leases.acquire('p:T1/1', 1, ttl))!;
      const oldGuard = { resource: 'p:T1/1', holder: 1, epoch: old.epoch };
      await index.commit([entry(1, 0, 3, old.epoch)], [oldGuard]);
      await pass(ttl * 2); // broker 1 is paused past its lease…
      const taken = (await leases.acquire('p:T1/1', 2, ttl * 100))!;
      expect(taken.epoch).toBe(old.epoch + 1);
      await index.commit([entry(1, 3, 2, taken.epoch)], [{ resource: 'p:T1/1', holder: 2, epoch: taken.epoch }]);
      // …and wakes up: whatever it tries under its old epoch is refused.
      expect(await errorName(() => index.commit([entry(1, 5, 1, old.epoch)], [oldGuard]))).toBe('NOT_LEADER_OR_FOLLOWER');
      // Each epoch's first offset (OffsetForLeaderEpoch): the new leader's data starts at 3.
      expect(await index.epochStarts('T1', 1)).toEqual([{ epoch: old.epoch, startOffset: 0 }, { epoch: taken.epoch, startOffset: 3 }]);
      expect(await index.epochStarts('T1', 9)).toEqual([]);
      expect(await leases.renew(oldGuard, ttl)).toBe(false);
      expect(await leases.acquire('p:T1/1', 1, ttl)).toBeUndefined();
      expect(await index.highWatermark('T1', 1)).toBe(5);
      expect((await index.entries('T1', 1, 0, 10)).map((e) => e.leaderEpoch)).toEqual([old.epoch, taken.epoch]);
      // A multi-partition commit with one lapsed guard lands nothing at all.
      const other = (await leases.acquire('p:T1/2', 2, ttl * 100))!;
      expect(await errorName(() => index.commit([entry(2, 0, 1), entry(1, 5, 1)], [{ resource: 'p:T1/2', holder: 2, epoch: other.epoch }, oldGuard]))).toBe('NOT_LEADER_OR_FOLLOWER');
      expect(await index.highWatermark('T1', 2)).toBe(0);
      await leases.close();
      await index.close();
    });
  });
}
