// A TransactionStateStore in memory (handler unit tests, the contract suite's reference).
import type { TransactionRecord, TransactionStateStore } from '../../../src/services/transactions.js';

export class MemoryTransactionStore implements TransactionStateStore {
  private readonly records = new Map<string, TransactionRecord>();
  writes = 0;
  /** Each write resolves after this long (an fsync's worth of waiting, for ordering tests). */
  delayMs = 0;

  load(): TransactionRecord[] {
    return [...this.records.values()].map((r) => structuredClone(r));
  }

  async write(transactionalId: string, record: TransactionRecord | null): Promise<void> {
    this.writes++;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (record === null) this.records.delete(transactionalId);
    else this.records.set(transactionalId, structuredClone(record));
  }

  async close(): Promise<void> {}
}
