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
  });
}
