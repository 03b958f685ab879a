// LeaseStore and PartitionIndex in memory, with an injected clock: the contract suites'
// reference implementation and the unit tests' (cluster mode itself runs on PostgreSQL).
import { KafkaError } from '../errors.js';
import type { AcquireOptions, EntryMove, IndexEntry, Lease, LeaseGuard, LeaseStore, PartitionIndex } from '../services/leases.js';

export class MemoryLeases implements LeaseStore {
  readonly rows = new Map<string, Lease>();

  constructor(readonly now: () => number = Date.now) {}

  async acquire(resource: string, holder: number, ttlMs: number, options: AcquireOptions = {}): Promise<Lease | undefined> {
    const t = this.now();
    const cur = this.rows.get(resource);
    if (cur !== undefined && cur.expiresAtMs > t && cur.holder !== holder) return undefined;
    const renewing = cur !== undefined && cur.expiresAtMs > t && cur.holder === holder && options.newEpoch !== true;
    const lease = { resource, holder, epoch: renewing ? cur.epoch : (cur?.epoch ?? 0) + 1, expiresAtMs: t + ttlMs };
    this.rows.set(resource, lease);
    return { ...lease };
  }

  /** Whether the guard's lease is held now. */
  holds(g: LeaseGuard): boolean {
    const cur = this.rows.get(g.resource);
    return cur !== undefined && cur.holder === g.holder && cur.epoch === g.epoch && cur.expiresAtMs > this.now();
  }

  async renew(g: LeaseGuard, ttlMs: number): Promise<boolean> {
    if (!this.holds(g)) return false;
    this.rows.get(g.resource)!.expiresAtMs = this.now() + ttlMs;
    return true;
  }

  async renewAll(guards: readonly LeaseGuard[], ttlMs: number): Promise<Set<string>> {
    const kept = new Set<string>();
    for (const g of guards) if (await this.renew(g, ttlMs)) kept.add(g.resource);
    return kept;
  }

  async release(g: LeaseGuard): Promise<boolean> {
    if (!this.holds(g)) return false;
    this.rows.get(g.resource)!.expiresAtMs = this.now();
    return true;
  }

  async live(prefix = ''): Promise<Lease[]> {
    const t = this.now();
    return [...this.rows.values()].filter((l) => l.expiresAtMs > t && l.resource.startsWith(prefix)).map((l) => ({ ...l })).sort((a, b) => a.resource.localeCompare(b.resource));
  }

  async close(): Promise<void> {}
}

export class MemoryPartitionIndex implements PartitionIndex {
  private readonly byPartition = new Map<string, IndexEntry[]>();

  constructor(private readonly leases: MemoryLeases) {}

  async commit(entries: readonly IndexEntry[], guards: readonly LeaseGuard[]): Promise<void> {
    for (const g of guards) if (!this.leases.holds(g)) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `lease ${g.resource} is no longer held by ${g.holder} at epoch ${g.epoch}`);
    const ends = new Map<string, number>();
    for (const e of entries) {
      const key = `${e.topicId}/${e.partition}`;
      const end = ends.get(key) ?? (await this.highWatermark(e.topicId, e.partition));
      if (e.baseOffset !== end || e.lastOffset < e.baseOffset) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `${key}: entry at ${e.baseOffset} does not follow the committed end ${end}`);
      ends.set(key, e.lastOffset + 1);
    }
    for (const e of entries) {
      const key = `${e.topicId}/${e.partition}`;
      let list = this.byPartition.get(key);
      if (list === undefined) this.byPartition.set(key, (list = []));
      list.push({ ...e });
    }
  }

  private readonly starts = new Map<string, number>();

  async highWatermark(topicId: string, partition: number): Promise<number> {
    const list = this.byPartition.get(`${topicId}/${partition}`);
    const end = list === undefined || list.length === 0 ? 0 : list[list.length - 1]!.lastOffset + 1;
    return Math.max(end, this.starts.get(`${topicId}/${partition}`) ?? 0);
  }

  async logStart(topicId: string, partition: number): Promise<number> {
    return this.starts.get(`${topicId}/${partition}`) ?? 0;
  }

  async advanceLogStart(topicId: string, partition: number, offset: number, guard: LeaseGuard): Promise<{ logStart: number; removed: number }> {
    if (!this.leases.holds(guard)) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `lease ${guard.resource} is no longer held by ${guard.holder} at epoch ${guard.epoch}`);
    const key = `${topicId}/${partition}`;
    const start = Math.max(await this.logStart(topicId, partition), Math.min(offset, await this.highWatermark(topicId, partition)));
    this.starts.set(key, start);
    const list = this.byPartition.get(key) ?? [];
    const kept = list.filter((e) => e.lastOffset >= start);
    this.byPartition.set(key, kept);
    return { logStart: start, removed: list.length - kept.length };
  }

  async retainedFrom(topicId: string, partition: number, retentionBytes: number): Promise<number | undefined> {
    const list = this.byPartition.get(`${topicId}/${partition}`) ?? [];
    let newer = 0;
    let keep: number | undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      if (i < list.length - 1 && newer >= retentionBytes) break;
      keep = list[i]!.baseOffset;
      newer += list[i]!.byteEnd - list[i]!.byteStart + 1; // byteEnd is inclusive
    }
    return keep;
  }

  async entries(topicId: string, partition: number, fromOffset: number, limit: number): Promise<IndexEntry[]> {
    return (this.byPartition.get(`${topicId}/${partition}`) ?? []).filter((e) => e.lastOffset >= fromOffset).slice(0, limit).map((e) => ({ ...e }));
  }

  async relocate(topicId: string, partition: number, moves: readonly EntryMove[], guard: LeaseGuard, dropped: readonly number[] = []): Promise<void> {
    if (!this.leases.holds(guard)) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `lease ${guard.resource} is no longer held by ${guard.holder} at epoch ${guard.epoch}`);
    const key = `${topicId}/${partition}`;
    const list = this.byPartition.get(key) ?? [];
    const at = new Map(list.map((e, i) => [e.baseOffset, i]));
    if (moves.some((m) => !at.has(m.baseOffset))) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', 'an entry to relocate is gone (retention moved the log start)');
    const last = list[list.length - 1]?.baseOffset;
    if (dropped.some((o) => !at.has(o) || o === last)) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', 'an entry to forget is gone, or is the last one');
    for (const m of moves) Object.assign(list[at.get(m.baseOffset)!]!, { objectKey: m.objectKey, byteStart: m.byteStart, byteEnd: m.byteEnd });
    const gone = new Set(dropped);
    if (gone.size > 0) this.byPartition.set(key, list.filter((e) => !gone.has(e.baseOffset)));
  }

  async referencedObjects(keys: readonly string[]): Promise<Set<string>> {
    const named = new Set<string>();
    for (const list of this.byPartition.values()) for (const e of list) named.add(e.objectKey);
    return new Set(keys.filter((k) => named.has(k)));
  }

  async epochStarts(topicId: string, partition: number): Promise<Array<{ epoch: number; startOffset: number }>> {
    const starts = new Map<number, number>();
    for (const e of this.byPartition.get(`${topicId}/${partition}`) ?? []) if (!starts.has(e.leaderEpoch)) starts.set(e.leaderEpoch, e.baseOffset);
    return [...starts].sort((a, b) => a[0] - b[0]).map(([epoch, startOffset]) => ({ epoch, startOffset }));
  }

  async producerEntries(topicId: string, partition: number, limit: number): Promise<IndexEntry[]> {
    return (this.byPartition.get(`${topicId}/${partition}`) ?? []).filter((e) => e.producerId >= 0).slice(-limit).map((e) => ({ ...e }));
  }

  async close(): Promise<void> {}
}
