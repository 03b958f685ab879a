// TransactionStateStore on PostgreSQL: one row per transactional id (the whole record as
// JSON text: its partition keys hold \u0000, which jsonb refuses). load() is synchronous
// (the interface's), so rows are read at open and kept; a write commits the row, then
// updates memory.
import type pg from 'pg';
import type { TransactionRecord, TransactionStateStore } from '../../services/transactions.js';

export class PgTransactionStore implements TransactionStateStore {
  private readonly records = new Map<string, TransactionRecord>();

  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PgTransactionStore> {
    const store = new PgTransactionStore(pool);
    for (const r of (await pool.query<{ transactional_id: string; record: string }>('select * from transactions')).rows) store.records.set(r.transactional_id, JSON.parse(r.record) as TransactionRecord);
    return store;
  }

  load(): TransactionRecord[] {
    return [...this.records.values()].map((r) => ({ ...r, partitions: [...r.partitions], groups: [...r.groups] }));
  }

  async write(transactionalId: string, record: TransactionRecord | null): Promise<void> {
    if (record === null) await this.pool.query('delete from transactions where transactional_id = $1', [transactionalId]);
    else await this.pool.query('insert into transactions (transactional_id, record) values ($1, $2) on conflict (transactional_id) do update set record = excluded.record', [transactionalId, JSON.stringify(record)]);
    if (record === null) this.records.delete(transactionalId);
    else this.records.set(transactionalId, { ...record });
  }

  async close(): Promise<void> {}
}
