// GroupStore on PostgreSQL: committed offsets, group memberships and pending transactional
// offsets as rows. Reads are synchronous (the interface's), so the store loads every row at
// open and keeps them in memory; each write is one PostgreSQL transaction, applied to memory
// once it commits. Writes run one at a time (call order per group, as the contract wants).
import type pg from 'pg';
import { KafkaError } from '../../errors.js';
import type { LeaseGuard } from '../../services/leases.js';
import { PendingTxnOffsets } from '../../group/pending-txn-offsets.js';
import type { CommittedOffset, GroupSnapshot, GroupStore, StoredOffset } from '../../services/group-store.js';
import { inTransaction } from './transaction.js';

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

interface OffsetRow { group_id: string; topic: string; partition: number; committed_offset: string; leader_epoch: number; metadata: string | null; commit_timestamp: string }

const offsetOf = (r: OffsetRow): CommittedOffset => ({ offset: Number(r.committed_offset), leaderEpoch: r.leader_epoch, metadata: r.metadata, commitTimestamp: Number(r.commit_timestamp) });

const UPSERT_OFFSET = `insert into group_offsets (group_id, topic, partition, committed_offset, leader_epoch, metadata, commit_timestamp)
  values ($1, $2, $3, $4, $5, $6, $7)
  on conflict (group_id, topic, partition) do update set committed_offset = excluded.committed_offset, leader_epoch = excluded.leader_epoch,
    metadata = excluded.metadata, commit_timestamp = excluded.commit_timestamp`;

export class PgGroupStore implements GroupStore {
  private readonly offsets = new Map<string, Map<string, StoredOffset>>();
  private readonly members = new Map<string, GroupSnapshot>();
  private readonly pending = new PendingTxnOffsets();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly pool: pg.Pool, private readonly guard: LeaseGuard | undefined) {}

  /**
   * Loads the rows of the groups it `owns` (all by default; a coordinator bucket's groups in
   * cluster mode; the caller has applied the migrations). With a `guard` (the coordinator
   * lease this broker holds), every write commits only while that lease is still held at its
   * epoch: a coordinator that was paused past its lease cannot store an offset or a
   * membership after another broker took over (NOT_COORDINATOR instead).
   */
  static async open(pool: pg.Pool, guard?: LeaseGuard, owns: (groupId: string) => boolean = () => true): Promise<PgGroupStore> {
    const store = new PgGroupStore(pool, guard);
    for (const r of (await pool.query<OffsetRow>('select * from group_offsets')).rows) if (owns(r.group_id)) store.setOffset(r.group_id, r.topic, r.partition, offsetOf(r));
    for (const r of (await pool.query<{ group_id: string; snapshot: GroupSnapshot }>('select * from group_members')).rows) if (owns(r.group_id)) store.members.set(r.group_id, r.snapshot);
    for (const r of (await pool.query<OffsetRow & { producer_id: string }>('select * from pending_txn_offsets')).rows) {
      if (owns(r.group_id)) store.pending.add(Number(r.producer_id), { group: r.group_id, topic: r.topic, partition: r.partition, value: offsetOf(r) });
    }
    return store;
  }

  private setOffset(group: string, topic: string, partition: number, value: CommittedOffset | null): void {
    let g = this.offsets.get(group);
    if (value === null) {
      g?.delete(keyOf(topic, partition));
      if (g?.size === 0) this.offsets.delete(group);
      return;
    }
    if (g === undefined) this.offsets.set(group, (g = new Map()));
    g.set(keyOf(topic, partition), { topic, partition, ...value });
  }

  /** Runs `fn` in a transaction, after every earlier write. */
  private write(fn: (c: pg.PoolClient) => Promise<void>, apply: () => void): Promise<void> {
    const run = this.queue.then(async () => {
      await inTransaction(this.pool, async (c) => {
        if (this.guard !== undefined) {
          // FOR SHARE: a takeover (an update of the lease row) waits for this write to end.
          const held = await c.query(`select 1 from leases where resource = $1 and holder = $2 and epoch = $3 and expires_at > now() for share`,
            [this.guard.resource, this.guard.holder, this.guard.epoch]);
          if (held.rowCount !== 1) throw new KafkaError('NOT_COORDINATOR', `the group coordinator lease ${this.guard.resource} is no longer held by ${this.guard.holder} at epoch ${this.guard.epoch}`);
        }
        await fn(c);
      });
      apply();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  commit(group: string, entries: Array<{ topic: string; partition: number; value: CommittedOffset | null }>): Promise<void> {
    return this.write(async (c) => {
      for (const e of entries) {
        if (e.value === null) await c.query('delete from group_offsets where group_id = $1 and topic = $2 and partition = $3', [group, e.topic, e.partition]);
        else await c.query(UPSERT_OFFSET, [group, e.topic, e.partition, e.value.offset, e.value.leaderEpoch, e.value.metadata, e.value.commitTimestamp]);
      }
    }, () => {
      for (const e of entries) this.setOffset(group, e.topic, e.partition, e.value);
    });
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    const o = this.offsets.get(group)?.get(keyOf(topic, partition));
    if (o === undefined) return undefined;
    const { topic: _t, partition: _p, ...value } = o;
    return value;
  }

  all(group: string): StoredOffset[] {
    return [...(this.offsets.get(group)?.values() ?? [])].map((o) => ({ ...o }));
  }

  groupIds(): string[] {
    return [...this.offsets.keys()];
  }

  saveGroup(group: string, snapshot: GroupSnapshot | null): Promise<void> {
    return this.write(async (c) => {
      if (snapshot === null) await c.query('delete from group_members where group_id = $1', [group]);
      else await c.query('insert into group_members (group_id, snapshot) values ($1, $2) on conflict (group_id) do update set snapshot = excluded.snapshot', [group, JSON.stringify(snapshot)]);
    }, () => {
      if (snapshot === null) this.members.delete(group);
      else this.members.set(group, snapshot);
    });
  }

  get snapshots(): ReadonlyMap<string, GroupSnapshot> {
    return this.members;
  }

  commitPending(group: string, producerId: number, entries: Array<{ topic: string; partition: number; value: CommittedOffset }>): Promise<void> {
    return this.write(async (c) => {
      for (const e of entries) {
        await c.query(`insert into pending_txn_offsets (producer_id, group_id, topic, partition, committed_offset, leader_epoch, metadata, commit_timestamp)
          values ($1, $2, $3, $4, $5, $6, $7, $8)
          on conflict (producer_id, group_id, topic, partition) do update set committed_offset = excluded.committed_offset, leader_epoch = excluded.leader_epoch,
            metadata = excluded.metadata, commit_timestamp = excluded.commit_timestamp`,
        [producerId, group, e.topic, e.partition, e.value.offset, e.value.leaderEpoch, e.value.metadata, e.value.commitTimestamp]);
      }
    }, () => {
      for (const e of entries) this.pending.add(producerId, { group, ...e });
    });
  }

  completePending(producerId: number, commit: boolean): Promise<void> {
    // What is pending when the write runs (earlier queued writes may have added to it).
    let taken: ReturnType<PendingTxnOffsets['peek']> = [];
    return this.write(async (c) => {
      taken = this.pending.peek(producerId);
      if (commit) for (const e of taken) await c.query(UPSERT_OFFSET, [e.group, e.topic, e.partition, e.value.offset, e.value.leaderEpoch, e.value.metadata, e.value.commitTimestamp]);
      await c.query('delete from pending_txn_offsets where producer_id = $1', [producerId]);
    }, () => {
      this.pending.take(producerId);
      if (commit) for (const e of taken) this.setOffset(e.group, e.topic, e.partition, e.value);
    });
  }

  hasPending(group: string, topic: string, partition: number): boolean {
    return this.pending.has(group, topic, partition);
  }

  deleteGroup(group: string): Promise<void> {
    return this.write(async (c) => {
      await c.query('delete from group_offsets where group_id = $1', [group]);
      await c.query('delete from group_members where group_id = $1', [group]);
    }, () => {
      this.offsets.delete(group);
      this.members.delete(group);
    });
  }

  async close(): Promise<void> {
    await this.queue;
  }
}
