// The TransactionStateStore contract (src/services/transactions.ts), written against the
// interface and run against every implementation (transaction-state-store.test.ts).
import { describe, expect, it } from 'vitest';
import type { TransactionRecord, TransactionStateStore } from '../../src/services/transactions.js';

export interface TransactionStoreHarness {
  store: TransactionStateStore;
  /** The same store opened again (after close). */
  reopen: () => Promise<TransactionStateStore>;
}

const record = (id: string, epoch: number, state: TransactionRecord['state'], partitions: string[] = []): TransactionRecord => ({
  transactionalId: id, producerId: 42, previousProducerId: -1, producerEpoch: epoch, lastProducerEpoch: epoch - 1, timeoutMs: 60_000,
  state, partitions, groups: partitions.length > 0 ? ['g'] : [], startTimeMs: partitions.length > 0 ? 1_700_000_000_000 : -1, updateTimeMs: 1_700_000_000_000 + epoch,
});

export function transactionStoreContract(name: string, open: () => Promise<TransactionStoreHarness>): void {
  describe(`TransactionStateStore contract: ${name}`, () => {
    it('keeps the last record per transactional id across a reopen; null forgets the id', async () => {
      const { store, reopen } = await open();
      expect(store.load()).toEqual([]);
      await store.write('a', record('a', 0, 'Empty'));
      await store.write('a', record('a', 0, 'Ongoing', ['t\u00000', 't\u00001']));
      await store.write('b', record('b', 3, 'PrepareCommit', ['u\u00000']));
      await store.write('gone', record('gone', 1, 'CompleteAbort'));
      await store.write('gone', null);
      const sorted = (rs: TransactionRecord[]) => [...rs].sort((x, y) => x.transactionalId.localeCompare(y.transactionalId));
      const expected = [record('a', 0, 'Ongoing', ['t\u00000', 't\u00001']), record('b', 3, 'PrepareCommit', ['u\u00000'])];
      expect(sorted(store.load())).toEqual(expected);
      await store.close();
      const again = await reopen();
      expect(sorted(again.load())).toEqual(expected);
      await again.close();
    });

    it('applies concurrent writes for different ids, each durable when it resolves', async () => {
      const { store, reopen } = await open();
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.write(`id-${i}`, record(`id-${i}`, i, 'Empty'))));
      await store.close();
      const again = await reopen();
      expect(again.load().map((r) => r.producerEpoch).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      await again.close();
    });
  });
}
