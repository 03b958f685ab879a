// The committed-offsets log is compacted by the broker's log cleaner like any compacted
// topic: after many commits a pass leaves the live state, and a reopen gives the same state.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { OffsetsStore } from '../../../src/group/offsets-store.js';
import { LogCleaner } from '../../../src/broker/log-cleaner.js';
import { CleanerProbe } from '../../../src/metrics/cleaner-probe.js';
import { runCleanPass } from '../../../src/storage/cleaner/clean-pass.js';
import { Registry } from 'prom-client';
import { useTmpDirs } from '../../helpers/tmp.js';

const tmp = useTmpDirs();
const value = (offset: number) => ({ offset, leaderEpoch: -1, metadata: `m${offset}`, commitTimestamp: 1 });

describe('OffsetsStore', () => {
  it('is compacted by the log cleaner down to the live state, which a reopen replays', async () => {
    const dir = tmp();
    const store = new OffsetsStore(dir, silentLogger, undefined, 16 * 1024);
    for (let round = 0; round < 400; round++) {
      await Promise.all(['g1', 'g2'].map((g) => store.commit(g, Array.from({ length: 4 }, (_, p) => ({ topic: 't', partition: p, value: value(round * 10 + p) })))));
    }
    await store.saveGroup('g1', { generationId: 3, protocolType: 'consumer', protocolName: 'range', leaderId: null, members: [] });
    await store.commit('gone', [{ topic: 't', partition: 0, value: value(1) }]);
    await store.deleteGroup('gone');
    const before = store.sizeBytes;
    const cleaner = new LogCleaner(() => [store.cleanable], { backoffMs: 60_000, ioBytesPerSecond: 0, maxKeys: 1000, runPass: runCleanPass }, new CleanerProbe(new Registry()), silentLogger);
    expect(await cleaner.runOnce()).toBe(true);
    expect(store.sizeBytes).toBeLessThan(before / 4);
    const check = (s: OffsetsStore): void => {
      for (const g of ['g1', 'g2']) for (let p = 0; p < 4; p++) expect(s.get(g, 't', p)?.offset).toBe(3990 + p);
      expect(s.get('gone', 't', 0)).toBeUndefined();
      expect(s.snapshots.get('g1')?.generationId).toBe(3);
    };
    check(store);
    await cleaner.close();
    await store.close();
    const reopened = new OffsetsStore(dir, silentLogger);
    check(reopened);
    await reopened.close();
  });
});
