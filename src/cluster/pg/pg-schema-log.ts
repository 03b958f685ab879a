// The schema registry's log in cluster mode: a PostgreSQL table every broker's registry
// appends to and reads (compacted topics, which hold `_schemas` on one node, are not served
// in cluster mode). An append is conditional on the log end its writer decided on, under a
// transaction-scoped advisory lock, so two brokers registering at once never both take the
// same schema id or version: the later one gets SchemaLogMoved, catches up and decides again.
import type pg from 'pg';
import { SchemaLogMoved, type SchemaLog } from '../../registry/registry.js';
import { timed } from './timed.js';
import { inTransaction } from './transaction.js';

/** Rows per read (the registry reads until it has caught up). */
const READ_ROWS = 1000;
/** An arbitrary constant: the advisory lock appends take ("SREG"). */
const APPEND_LOCK = 0x5352_4547;

export class PgSchemaLog implements SchemaLog {
  /** The end query in flight: concurrent requests share one round trip. */
  private ending: Promise<number> | undefined;

  constructor(private readonly pool: pg.Pool, private readonly onStatement?: (seconds: number) => void) {}

  async append(records: ReadonlyArray<{ key: Buffer; value: Buffer | null }>, at: number): Promise<void> {
    if (records.length === 0) return;
    await inTransaction(this.pool, async (client) => {
      await timed(this.onStatement, () => client.query('select pg_advisory_xact_lock($1)', [APPEND_LOCK]));
      const end = await this.endOn(client);
      if (end !== at) throw new SchemaLogMoved(at, end);
      await timed(this.onStatement, () => client.query('insert into registry_log (seq, key, value) select * from unnest($1::bigint[], $2::bytea[], $3::bytea[])', [
        records.map((_, i) => at + i), records.map((r) => r.key), records.map((r) => r.value),
      ]));
    });
  }

  async readFrom(offset: number): Promise<{ records: Array<{ key: Buffer | null; value: Buffer | null }>; next: number }> {
    const r = await timed(this.onStatement, () => this.pool.query<{ seq: string; key: Buffer; value: Buffer | null }>(
      'select seq, key, value from registry_log where seq >= $1 order by seq limit $2', [offset, READ_ROWS]));
    const last = r.rows[r.rows.length - 1];
    return { records: r.rows.map((row) => ({ key: row.key, value: row.value })), next: last === undefined ? offset : Number(last.seq) + 1 };
  }

  end(): Promise<number> {
    this.ending ??= this.endOn(this.pool).finally(() => {
      this.ending = undefined;
    });
    return this.ending;
  }

  private async endOn(on: pg.Pool | pg.PoolClient): Promise<number> {
    const r = await timed(this.onStatement, () => on.query<{ end: string }>('select coalesce(max(seq) + 1, 0) as "end" from registry_log'));
    return Number(r.rows[0]!.end);
  }
}
