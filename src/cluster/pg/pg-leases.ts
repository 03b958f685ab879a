// LeaseStore and PartitionIndex on PostgreSQL (ADR 0011). Lease times are PostgreSQL's
// now(). The index commit takes each guard's lease row FOR SHARE inside its transaction: a
// broker taking the lease over (an UPDATE of that row) waits until the commit ends, so no
// write can become visible under a lease that moved while it was being committed.
import pg from 'pg';
import { KafkaError } from '../../errors.js';
import { timed } from './timed.js';
import { inTransaction } from './transaction.js';
import type { AcquireOptions, EntryMove, IndexEntry, Lease, LeaseGuard, LeaseStore, PartitionIndex } from '../../services/leases.js';

interface LeaseRow { resource: string; holder: number; epoch: string; expires_ms: number }

const leaseOf = (r: LeaseRow): Lease => ({ resource: r.resource, holder: r.holder, epoch: Number(r.epoch), expiresAtMs: Math.round(r.expires_ms) });

const EXPIRES_MS = `(extract(epoch from expires_at) * 1000)::float8 as expires_ms`;

export class PgLeases implements LeaseStore {
  constructor(private readonly pool: pg.Pool, private readonly onStatement?: (seconds: number) => void) {}

  async acquire(resource: string, holder: number, ttlMs: number, options: AcquireOptions = {}): Promise<Lease | undefined> {
    const r = await timed(this.onStatement, () => this.pool.query<LeaseRow>(`
      insert into leases (resource, holder, epoch, expires_at) values ($1, $2, 1, now() + $3 * interval '1 millisecond')
      on conflict (resource) do update set
        epoch = case when leases.holder = excluded.holder and leases.expires_at > now() and not $4 then leases.epoch else leases.epoch + 1 end,
        holder = excluded.holder,
        expires_at = excluded.expires_at
      where leases.expires_at <= now() or leases.holder = excluded.holder
      returning resource, holder, epoch, ${EXPIRES_MS}`, [resource, holder, ttlMs, options.newEpoch === true]));
    return r.rows[0] === undefined ? undefined : leaseOf(r.rows[0]);
  }

  async renew(g: LeaseGuard, ttlMs: number): Promise<boolean> {
    const r = await timed(this.onStatement, () => this.pool.query(`update leases set expires_at = now() + $4 * interval '1 millisecond'
      where resource = $1 and holder = $2 and epoch = $3 and expires_at > now()`, [g.resource, g.holder, g.epoch, ttlMs]));
    return r.rowCount === 1;
  }

  async renewAll(guards: readonly LeaseGuard[], ttlMs: number): Promise<Set<string>> {
    if (guards.length === 0) return new Set();
    const r = await timed(this.onStatement, () => this.pool.query<{ resource: string }>(`update leases l set expires_at = now() + $4 * interval '1 millisecond'
      from unnest($1::text[], $2::int[], $3::bigint[]) as g(resource, holder, epoch)
      where l.resource = g.resource and l.holder = g.holder and l.epoch = g.epoch and l.expires_at > now()
      returning l.resource`, [guards.map((g) => g.resource), guards.map((g) => g.holder), guards.map((g) => g.epoch), ttlMs]));
    return new Set(r.rows.map((row) => row.resource));
  }

  async release(g: LeaseGuard): Promise<boolean> {
    const r = await timed(this.onStatement, () => this.pool.query('update leases set expires_at = now() where resource = $1 and holder = $2 and epoch = $3 and expires_at > now()', [g.resource, g.holder, g.epoch]));
    return r.rowCount === 1;
  }

  async live(prefix = ''): Promise<Lease[]> {
    const r = await timed(this.onStatement, () => this.pool.query<LeaseRow>(`select resource, holder, epoch, ${EXPIRES_MS} from leases
      where expires_at > now() and starts_with(resource, $1) order by resource`, [prefix]));
    return r.rows.map(leaseOf);
  }

  async close(): Promise<void> {}
}

interface IndexRow {
  topic_id: string; partition: number; base_offset: string; last_offset: string; object_key: string;
  byte_start: string; byte_end: string; max_timestamp: string; leader_epoch: string;
  producer_id: string; producer_epoch: number; base_sequence: number;
}

const entryOf = (r: IndexRow): IndexEntry => ({
  topicId: r.topic_id, partition: r.partition, baseOffset: Number(r.base_offset), lastOffset: Number(r.last_offset), objectKey: r.object_key,
  byteStart: Number(r.byte_start), byteEnd: Number(r.byte_end), maxTimestamp: Number(r.max_timestamp), leaderEpoch: Number(r.leader_epoch),
  producerId: Number(r.producer_id), producerEpoch: r.producer_epoch, baseSequence: r.base_sequence,
});

/** How long an index commit may sit idle inside its transaction before PostgreSQL ends it. */
const COMMIT_IDLE_LIMIT_MS = 2000;

export class PgPartitionIndex implements PartitionIndex {
  constructor(private readonly pool: pg.Pool, private readonly onStatement?: (seconds: number) => void) {}

  /** Bytes of committed data still in flush-window objects (not yet copied into per-partition segments). */
  async uncompactedBytes(): Promise<number> {
    const r = await timed(this.onStatement, () => this.pool.query<{ bytes: string }>(`select coalesce(sum(byte_end - byte_start + 1), 0) as bytes from log_index where object_key like 'wal/%'`));
    return Number(r.rows[0]!.bytes);
  }

  async commit(entries: readonly IndexEntry[], guards: readonly LeaseGuard[]): Promise<void> {
    // Four statements however many partitions: the guards, the committed ends, one insert.
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      // A broker paused mid-commit (SIGSTOP, a long GC) holds its lease rows FOR SHARE and
      // would block every takeover until it woke: PostgreSQL ends such a session instead.
      // (One round trip for both: the simple protocol takes several statements.)
      await timed(this.onStatement, () => client.query(`begin; set local idle_in_transaction_session_timeout = ${COMMIT_IDLE_LIMIT_MS}`));
      try {
        const sorted = [...guards].sort((a, b) => a.resource.localeCompare(b.resource));
        // Sorted, so two commits never lock the same rows in opposite orders (no deadlock).
        const held = await timed(this.onStatement, () => client.query<{ resource: string }>(`select l.resource from leases l
          join unnest($1::text[], $2::int[], $3::bigint[]) with ordinality as g(resource, holder, epoch, n)
            on l.resource = g.resource and l.holder = g.holder and l.epoch = g.epoch
          where l.expires_at > now() order by g.n for share of l`,
        [sorted.map((g) => g.resource), sorted.map((g) => g.holder), sorted.map((g) => g.epoch)]));
        if (held.rowCount !== sorted.length) {
          const ok = new Set(held.rows.map((r) => r.resource));
          const lost = sorted.find((g) => !ok.has(g.resource))!;
          throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `lease ${lost.resource} is no longer held by ${lost.holder} at epoch ${lost.epoch}`);
        }
        const parts = [...new Map(entries.map((e) => [`${e.topicId}/${e.partition}`, e])).values()];
        const endRows = await timed(this.onStatement, () => client.query<{ topic_id: string; partition: number; end: string }>(`select p.topic_id, p.partition,
            greatest(coalesce((select max(last_offset) + 1 from log_index i where i.topic_id = p.topic_id and i.partition = p.partition), 0),
              coalesce((select log_start from partition_starts s where s.topic_id = p.topic_id and s.partition = p.partition), 0)) as end
          from unnest($1::text[], $2::int[]) as p(topic_id, partition)`, [parts.map((e) => e.topicId), parts.map((e) => e.partition)]));
        const ends = new Map(endRows.rows.map((r) => [`${r.topic_id}/${r.partition}`, Number(r.end)]));
        for (const e of entries) {
          const key = `${e.topicId}/${e.partition}`;
          const end = ends.get(key) ?? 0;
          if (e.baseOffset !== end || e.lastOffset < e.baseOffset) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `${key}: entry at ${e.baseOffset} does not follow the committed end ${end}`);
          ends.set(key, e.lastOffset + 1);
        }
        const col = <T>(f: (e: IndexEntry) => T): T[] => entries.map(f);
        await timed(this.onStatement, () => client.query(`insert into log_index (topic_id, partition, base_offset, last_offset, object_key, byte_start, byte_end, max_timestamp, leader_epoch, producer_id, producer_epoch, base_sequence)
          select * from unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::int[], $12::int[])`,
        [col((e) => e.topicId), col((e) => e.partition), col((e) => e.baseOffset), col((e) => e.lastOffset), col((e) => e.objectKey),
          col((e) => e.byteStart), col((e) => e.byteEnd), col((e) => e.maxTimestamp), col((e) => e.leaderEpoch),
          col((e) => e.producerId), col((e) => e.producerEpoch), col((e) => e.baseSequence)]));
        await timed(this.onStatement, () => client.query('commit'));
      } catch (err) {
        broken = err as Error;
        await timed(this.onStatement, () => client.query('rollback')).catch(() => undefined);
        // Two writers racing for the same offsets: the loser is told it is not the leader.
        if ((err as { code?: string }).code === '23505') throw new KafkaError('NOT_LEADER_OR_FOLLOWER', 'another writer committed these offsets first');
        throw err;
      }
    } finally {
      // A connection that failed mid-commit (ended by the server, say) is not reused.
      client.release(broken !== undefined && !(broken instanceof KafkaError));
    }
  }

  async highWatermark(topicId: string, partition: number): Promise<number> {
    const r = await timed(this.onStatement, () => this.pool.query<{ end: string }>(`select greatest(
        coalesce((select max(last_offset) + 1 from log_index where topic_id = $1 and partition = $2), 0),
        coalesce((select log_start from partition_starts where topic_id = $1 and partition = $2), 0)) as end`, [topicId, partition]));
    return Number(r.rows[0]!.end);
  }

  async logStart(topicId: string, partition: number): Promise<number> {
    const r = await timed(this.onStatement, () => this.pool.query<{ log_start: string }>('select log_start from partition_starts where topic_id = $1 and partition = $2', [topicId, partition]));
    return r.rows[0] === undefined ? 0 : Number(r.rows[0].log_start);
  }

  async advanceLogStart(topicId: string, partition: number, offset: number, guard: LeaseGuard): Promise<{ logStart: number; removed: number }> {
    return this.guarded(guard, async (client) => {
      const r = await timed(this.onStatement, () => client.query<{ log_start: string }>(`insert into partition_starts (topic_id, partition, log_start)
          values ($1, $2, least($3::bigint, greatest(coalesce((select max(last_offset) + 1 from log_index where topic_id = $1 and partition = $2), 0),
            coalesce((select log_start from partition_starts where topic_id = $1 and partition = $2), 0))))
        on conflict (topic_id, partition) do update set log_start = greatest(partition_starts.log_start, excluded.log_start)
        returning log_start`, [topicId, partition, offset]));
      const start = Number(r.rows[0]!.log_start);
      const removed = await timed(this.onStatement, () => client.query('delete from log_index where topic_id = $1 and partition = $2 and last_offset < $3', [topicId, partition, start]));
      return { logStart: start, removed: removed.rowCount ?? 0 };
    });
  }

  async relocate(topicId: string, partition: number, moves: readonly EntryMove[], guard: LeaseGuard, dropped: readonly number[] = []): Promise<void> {
    await this.guarded(guard, async (client) => {
      const r = await timed(this.onStatement, () => client.query(`update log_index i set object_key = m.object_key, byte_start = m.byte_start, byte_end = m.byte_end
        from unnest($3::bigint[], $4::text[], $5::bigint[], $6::bigint[]) as m(base_offset, object_key, byte_start, byte_end)
        where i.topic_id = $1 and i.partition = $2 and i.base_offset = m.base_offset`,
      [topicId, partition, moves.map((m) => m.baseOffset), moves.map((m) => m.objectKey), moves.map((m) => m.byteStart), moves.map((m) => m.byteEnd)]));
      if (r.rowCount !== moves.length) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', 'an entry to relocate is gone (retention moved the log start)');
      if (dropped.length === 0) return;
      // Never the last entry: the high watermark is read from it.
      const d = await timed(this.onStatement, () => client.query(`delete from log_index where topic_id = $1 and partition = $2 and base_offset = any($3::bigint[])
        and base_offset < (select max(base_offset) from log_index where topic_id = $1 and partition = $2)`, [topicId, partition, [...dropped]]));
      if (d.rowCount !== new Set(dropped).size) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', 'an entry to forget is gone, or is the last one');
    });
  }

  async retainedFrom(topicId: string, partition: number, retentionBytes: number): Promise<number | undefined> {
    // `newer`: the bytes of the entries after each one (byte_end is inclusive); the newest (newer = 0) always stays.
    const r = await timed(this.onStatement, () => this.pool.query<{ keep: string | null }>(`select min(base_offset) as keep from (
        select base_offset, coalesce(sum(byte_end - byte_start + 1) over (order by base_offset desc rows between unbounded preceding and 1 preceding), 0) as newer
        from log_index where topic_id = $1 and partition = $2) sized
      where newer < greatest($3::bigint, 1)`, [topicId, partition, retentionBytes]));
    const keep = r.rows[0]?.keep;
    return keep === null || keep === undefined ? undefined : Number(keep);
  }

  async entries(topicId: string, partition: number, fromOffset: number, limit: number): Promise<IndexEntry[]> {
    const r = await timed(this.onStatement, () => this.pool.query<IndexRow>('select * from log_index where topic_id = $1 and partition = $2 and last_offset >= $3 order by base_offset limit $4', [topicId, partition, fromOffset, limit]));
    return r.rows.map(entryOf);
  }

  /** Runs `fn` in a transaction that holds the guard's lease row FOR SHARE (NOT_LEADER_OR_FOLLOWER when it lapsed or moved). */
  private guarded<T>(guard: LeaseGuard, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, async (client) => {
      const held = await timed(this.onStatement, () => client.query(`select 1 from leases where resource = $1 and holder = $2 and epoch = $3 and expires_at > now() for share`, [guard.resource, guard.holder, guard.epoch]));
      if (held.rowCount !== 1) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `lease ${guard.resource} is no longer held by ${guard.holder} at epoch ${guard.epoch}`);
      return fn(client);
    }, `begin; set local idle_in_transaction_session_timeout = ${COMMIT_IDLE_LIMIT_MS}`);
  }

  async referencedObjects(keys: readonly string[]): Promise<Set<string>> {
    const r = await timed(this.onStatement, () => this.pool.query<{ object_key: string }>('select distinct object_key from log_index where object_key = any($1::text[])', [keys]));
    return new Set(r.rows.map((row) => row.object_key));
  }

  async epochStarts(topicId: string, partition: number): Promise<Array<{ epoch: number; startOffset: number }>> {
    const r = await timed(this.onStatement, () => this.pool.query<{ epoch: string; start: string }>(`select leader_epoch as epoch, min(base_offset) as start from log_index
      where topic_id = $1 and partition = $2 group by leader_epoch order by leader_epoch`, [topicId, partition]));
    return r.rows.map((row) => ({ epoch: Number(row.epoch), startOffset: Number(row.start) }));
  }

  async producerEntries(topicId: string, partition: number, limit: number): Promise<IndexEntry[]> {
    const r = await timed(this.onStatement, () => this.pool.query<IndexRow>(`select * from (select * from log_index where topic_id = $1 and partition = $2 and producer_id >= 0
      order by base_offset desc limit $3) recent order by base_offset`, [topicId, partition, limit]));
    return r.rows.map(entryOf);
  }

  async close(): Promise<void> {}
}
