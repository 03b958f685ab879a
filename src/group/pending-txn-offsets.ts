// Offsets committed inside a transaction (TxnOffsetCommit), per producer, until the
// transaction ends: applied on commit, dropped on abort. While any are pending for a
// partition, OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT for it.
import type { CommittedOffset } from '../services/group-store.js';

export interface PendingOffset {
  group: string;
  topic: string;
  partition: number;
  value: CommittedOffset;
}

const keyOf = (group: string, topic: string, partition: number): string => `${group}\u0000${topic}\u0000${partition}`;

export class PendingTxnOffsets {
  private readonly byProducer = new Map<number, Map<string, PendingOffset>>();
  /** How many producers have an offset pending per group+partition. */
  private readonly pendingCount = new Map<string, number>();

  add(producerId: number, entry: PendingOffset): void {
    let mine = this.byProducer.get(producerId);
    if (mine === undefined) {
      mine = new Map();
      this.byProducer.set(producerId, mine);
    }
    const key = keyOf(entry.group, entry.topic, entry.partition);
    if (!mine.has(key)) this.pendingCount.set(key, (this.pendingCount.get(key) ?? 0) + 1);
    mine.set(key, entry);
  }

  /** Forgets one pending offset (a replayed tombstone). */
  remove(producerId: number, group: string, topic: string, partition: number): void {
    const mine = this.byProducer.get(producerId);
    const key = keyOf(group, topic, partition);
    if (mine?.delete(key) !== true) return;
    this.release(key);
    if (mine.size === 0) this.byProducer.delete(producerId);
  }

  /** The producer's pending offsets, forgotten here. */
  take(producerId: number): PendingOffset[] {
    const mine = this.byProducer.get(producerId);
    if (mine === undefined) return [];
    this.byProducer.delete(producerId);
    for (const key of mine.keys()) this.release(key);
    return [...mine.values()];
  }

  /** Without forgetting them. */
  peek(producerId: number): PendingOffset[] {
    return [...(this.byProducer.get(producerId)?.values() ?? [])];
  }

  has(group: string, topic: string, partition: number): boolean {
    return this.pendingCount.has(keyOf(group, topic, partition));
  }

  private release(key: string): void {
    const n = (this.pendingCount.get(key) ?? 1) - 1;
    if (n <= 0) this.pendingCount.delete(key);
    else this.pendingCount.set(key, n);
  }
}
