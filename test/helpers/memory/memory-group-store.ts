// A GroupStore in memory (handler unit tests, and the contract suite's reference).
import type { CommittedOffset, GroupSnapshot, GroupStore, StoredOffset } from '../../../src/services/group-store.js';
import { PendingTxnOffsets } from '../../../src/group/pending-txn-offsets.js';

export class MemoryGroupStore implements GroupStore {
  private readonly offsets = new Map<string, Map<string, StoredOffset>>();
  readonly snapshots = new Map<string, GroupSnapshot>();
  private readonly pending = new PendingTxnOffsets();

  async commitPending(group: string, producerId: number, entries: Array<{ topic: string; partition: number; value: CommittedOffset }>): Promise<void> {
    for (const e of entries) this.pending.add(producerId, { group, ...e });
  }

  async completePending(producerId: number, commit: boolean): Promise<void> {
    for (const e of this.pending.take(producerId)) if (commit) await this.commit(e.group, [e]);
  }

  hasPending(group: string, topic: string, partition: number): boolean {
    return this.pending.has(group, topic, partition);
  }

  async commit(group: string, entries: Array<{ topic: string; partition: number; value: CommittedOffset | null }>): Promise<void> {
    const g = this.offsets.get(group) ?? new Map<string, StoredOffset>();
    for (const e of entries) {
      const key = `${e.topic}\u0000${e.partition}`;
      if (e.value === null) g.delete(key);
      else g.set(key, { ...e.value, topic: e.topic, partition: e.partition });
    }
    if (g.size > 0) this.offsets.set(group, g);
    else this.offsets.delete(group);
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    const o = this.offsets.get(group)?.get(`${topic}\u0000${partition}`);
    return o === undefined ? undefined : { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestamp };
  }

  all(group: string): StoredOffset[] {
    return [...(this.offsets.get(group)?.values() ?? [])].map((o) => ({ ...o }));
  }

  groupIds(): string[] {
    return [...this.offsets.keys()];
  }

  async saveGroup(group: string, snapshot: GroupSnapshot | null): Promise<void> {
    if (snapshot === null) this.snapshots.delete(group);
    else this.snapshots.set(group, structuredClone(snapshot));
  }

  async deleteGroup(group: string): Promise<void> {
    this.offsets.delete(group);
    this.snapshots.delete(group);
  }

  async close(): Promise<void> {}
}
