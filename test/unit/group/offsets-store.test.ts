// The committed-offsets log compacts itself: after many commits it is rewritten as one
// snapshot of the live state, and a reopen (or a crash in the middle) gives the same state.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { OffsetsStore } from '../../../src/group/offsets-store.js';
import { useTmpDirs } from '../../helpers/tmp.js';

const tmp = useTmpDirs();
const value = (offset: number) => ({ offset, leaderEpoch: -1, metadata: `m${offset}`, commitTimestamp: 1 });

describe('OffsetsStore', () => {
  it('compacts a log of repeated commits down to the live state and replays it', async () => {
    const dir = tmp();
    const store = new OffsetsStore(dir, silentLogger);
    store.compactAboveBytes = 64 * 1024;
    for (let round = 0; round < 400; round++) {
      await Promise.all(['g1', 'g2'].map((g) => store.commit(g, Array.from({ length: 4 }, (_, p) => ({ topic: 't', partition: p, value: value(round * 10 + p) })))));
    }
    await store.saveGroup('g1', { generationId: 3, protocolType: 'consumer', protocolName: 'range', leaderId: null, members: [] });
    await store.commit('gone', [{ topic: 't', partition: 0, value: value(1) }]);
    await store.deleteGroup('gone');
    await store.settled();
    expect(store.compactions).toBeGreaterThan(0);
    expect(store.sizeBytes).toBeLessThan(64 * 1024 * 2);
    const check = (s: OffsetsStore): void => {
      for (const g of ['g1', 'g2']) for (let p = 0; p < 4; p++) expect(s.get(g, 't', p)?.offset).toBe(3990 + p);
      expect(s.get('gone', 't', 0)).toBeUndefined();
      expect(s.snapshots.get('g1')?.generationId).toBe(3);
    };
    check(store);
    await store.close();
    const reopened = new OffsetsStore(dir, silentLogger);
    check(reopened);
    await reopened.close();
  });
});
