// The GroupStore contract (src/services/group-store.ts), written against the interface
// and run against every implementation (group-store.test.ts).
import { describe, expect, it } from 'vitest';
import type { CommittedOffset, GroupSnapshot, GroupStore } from '../../src/services/group-store.js';

export interface GroupStoreHarness {
  store: GroupStore;
  /** Durable implementations: the same store opened again (after close). */
  reopen?: () => Promise<GroupStore>;
}

const at = (offset: number, metadata: string | null = null): CommittedOffset => ({ offset, leaderEpoch: 3, metadata, commitTimestamp: 1_700_000_000_000 + offset });

const snapshot = (generationId: number): GroupSnapshot => ({
  generationId, protocolType: 'consumer', protocolName: 'range', leaderId: 'm-1',
  members: [{ memberId: 'm-1', groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000, protocols: [{ name: 'range', metadata: 'AAE=' }], assignment: 'AAI=' }],
});

export function groupStoreContract(name: string, open: () => Promise<GroupStoreHarness>, options: { durable: boolean }): void {
  describe(`GroupStore contract: ${name}`, () => {
    it('stores, overwrites and deletes committed offsets per group', async () => {
      const { store } = await open();
      expect(store.get('g', 't', 0)).toBeUndefined();
      await store.commit('g', [{ topic: 't', partition: 0, value: at(5, 'x') }, { topic: 't', partition: 1, value: at(7) }]);
      await store.commit('h', [{ topic: 'u', partition: 0, value: at(1) }]);
      expect(store.get('g', 't', 0)).toMatchObject(at(5, 'x'));
      await store.commit('g', [{ topic: 't', partition: 0, value: at(9) }]);
      expect(store.get('g', 't', 0)).toMatchObject(at(9));
      expect(store.all('g').map((o) => [o.topic, o.partition, o.offset]).sort()).toEqual([['t', 0, 9], ['t', 1, 7]]);
      await store.commit('g', [{ topic: 't', partition: 1, value: null }]);
      expect(store.get('g', 't', 1)).toBeUndefined();
      expect(store.groupIds().sort()).toEqual(['g', 'h']);
      await store.close();
    });

    it('applies writes for one group in call order', async () => {
      const { store } = await open();
      const writes = Array.from({ length: 20 }, (_, i) => store.commit('g', [{ topic: 't', partition: 0, value: at(i) }]));
      await Promise.all(writes);
      expect(store.get('g', 't', 0)?.offset).toBe(19);
      await store.close();
    });

    it('keeps each group\'s last membership snapshot and forgets it on null', async () => {
      const { store } = await open();
      await store.saveGroup('g', snapshot(1));
      await store.saveGroup('g', snapshot(2));
      await store.saveGroup('h', snapshot(1));
      expect(store.snapshots.get('g')).toEqual(snapshot(2));
      await store.saveGroup('h', null);
      expect([...store.snapshots.keys()]).toEqual(['g']);
      await store.close();
    });

    it('deletes a group: its offsets and its membership', async () => {
      const { store } = await open();
      await store.commit('g', [{ topic: 't', partition: 0, value: at(5) }]);
      await store.saveGroup('g', snapshot(4));
      await store.deleteGroup('g');
      expect(store.all('g')).toEqual([]);
      expect(store.groupIds()).toEqual([]);
      expect(store.snapshots.has('g')).toBe(false);
      await store.close();
    });

    if (options.durable) it('keeps every resolved write across a reopen', async () => {
      const { store, reopen } = await open();
      if (reopen === undefined) throw new Error('a durable implementation must say how to reopen it');
      await store.commit('g', [{ topic: 't', partition: 0, value: at(5, 'kept') }, { topic: 't', partition: 1, value: at(6) }]);
      await store.commit('g', [{ topic: 't', partition: 1, value: null }]);
      await store.commit('gone', [{ topic: 't', partition: 0, value: at(1) }]);
      await store.deleteGroup('gone');
      await store.saveGroup('g', snapshot(7));
      await store.close();
      const again = await reopen();
      expect(again.get('g', 't', 0)).toMatchObject(at(5, 'kept'));
      expect(again.get('g', 't', 1)).toBeUndefined();
      expect(again.groupIds()).toEqual(['g']);
      expect(again.snapshots.get('g')).toEqual(snapshot(7));
      await again.close();
    });

    it('keeps transactional offsets pending until their producer commits (applied) or aborts (dropped)', async () => {
      const { store } = await open();
      await store.commit('g', [{ topic: 't', partition: 0, value: at(1) }]);
      await store.commitPending('g', 7, [{ topic: 't', partition: 0, value: at(5) }, { topic: 't', partition: 1, value: at(6) }]);
      await store.commitPending('h', 7, [{ topic: 'u', partition: 0, value: at(2) }]);
      await store.commitPending('g', 8, [{ topic: 't', partition: 1, value: at(9) }]);
      expect(store.get('g', 't', 0)).toMatchObject(at(1));
      expect([store.hasPending('g', 't', 0), store.hasPending('g', 't', 1), store.hasPending('h', 'u', 0), store.hasPending('g', 't', 2)]).toEqual([true, true, true, false]);
      await store.completePending(7, true);
      expect(store.get('g', 't', 0)).toMatchObject(at(5));
      expect(store.get('h', 'u', 0)).toMatchObject(at(2));
      // Producer 8 still has t-1 pending; aborting drops it and keeps 7's committed value.
      expect([store.hasPending('g', 't', 0), store.hasPending('g', 't', 1)]).toEqual([false, true]);
      await store.completePending(8, false);
      expect(store.get('g', 't', 1)).toMatchObject(at(6));
      expect(store.hasPending('g', 't', 1)).toBe(false);
      await store.close();
    });

    if (options.durable) it('keeps pending transactional offsets across a reopen, until completed', async () => {
      const { store, reopen } = await open();
      if (reopen === undefined) throw new Error('a durable implementation must say how to reopen it');
      await store.commitPending('g', 3, [{ topic: 't', partition: 0, value: at(4) }]);
      await store.commitPending('g', 4, [{ topic: 't', partition: 1, value: at(8) }]);
      await store.completePending(4, true);
      await store.close();
      const again = await reopen();
      expect(again.hasPending('g', 't', 0)).toBe(true);
      expect(again.get('g', 't', 0)).toBeUndefined();
      expect(again.get('g', 't', 1)).toMatchObject(at(8));
      expect(again.hasPending('g', 't', 1)).toBe(false);
      await again.completePending(3, true);
      expect(again.get('g', 't', 0)).toMatchObject(at(4));
      await again.close();
    });
  });
}
