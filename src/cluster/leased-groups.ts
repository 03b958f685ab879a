// Group coordination in cluster mode: for each coordinator bucket (group-buckets.ts) whose
// lease this broker holds, a GroupCoordinator over the PostgreSQL group store, loaded afresh
// when the lease is taken (so it starts from what the previous holder committed). A request
// for a group in a bucket held elsewhere answers NOT_COORDINATOR, and the client asks
// FindCoordinator again.
import { KafkaError } from '../errors.js';
import type { GroupCoordinator } from '../group/coordinator.js';
import type { CommittedOffset, StoredOffset } from '../services/group-store.js';
import type { ClassicGroup, ConsumerGroupView, GroupCoordinatorService } from '../services/groups.js';
import { groupBucket } from './group-buckets.js';

export class LeasedGroups implements GroupCoordinatorService {
  private readonly buckets = new Map<number, GroupCoordinator>();

  /** Whether this broker coordinates the bucket now. */
  holds(bucket: number): boolean {
    return this.buckets.has(bucket);
  }

  /** This broker took the bucket's lease: its coordinator serves the bucket's groups from now on. */
  take(bucket: number, coordinator: GroupCoordinator): void {
    this.buckets.set(bucket, coordinator);
  }

  /** The bucket's lease is gone: its requests go elsewhere; the old coordinator is returned for closing. */
  drop(bucket: number): GroupCoordinator | undefined {
    const old = this.buckets.get(bucket);
    this.buckets.delete(bucket);
    return old;
  }

  /** Every bucket given up at once (the broker is closing). */
  dropAll(): GroupCoordinator[] {
    const all = [...this.buckets.values()];
    this.buckets.clear();
    return all;
  }

  private c(groupId: string): GroupCoordinator {
    const bucket = groupBucket(groupId);
    const coordinator = this.buckets.get(bucket);
    if (coordinator === undefined) throw new KafkaError('NOT_COORDINATOR', `this broker does not coordinate group ${groupId} (bucket ${bucket})`);
    return coordinator;
  }

  group(groupId: string): ClassicGroup {
    return this.c(groupId).group(groupId);
  }

  existing(groupId: string): ClassicGroup | undefined {
    return this.c(groupId).existing(groupId);
  }

  /** The groups of the buckets held here: ListGroups asks every broker. */
  list(): ReturnType<GroupCoordinatorService['list']> {
    return [...this.buckets.values()].flatMap((c) => c.list());
  }

  consumerGroup(groupId: string): ConsumerGroupView {
    return this.c(groupId).consumerGroup(groupId);
  }

  existingConsumerGroup(groupId: string): ConsumerGroupView | undefined {
    return this.c(groupId).existingConsumerGroup(groupId);
  }

  commit(groupId: string, memberId: string, generationId: number, groupInstanceId: string | null, entries: Array<{ topic: string; partition: number; value: CommittedOffset }>): Promise<Map<string, Error | undefined>> {
    return this.c(groupId).commit(groupId, memberId, generationId, groupInstanceId, entries);
  }

  commitInTransaction(groupId: string, producerId: number, memberId: string, generationId: number, groupInstanceId: string | null, entries: Array<{ topic: string; partition: number; value: CommittedOffset }>): Promise<Map<string, Error | undefined>> {
    return this.c(groupId).commitInTransaction(groupId, producerId, memberId, generationId, groupInstanceId, entries);
  }

  /** A transaction's pending offsets may be in any bucket held here (transactions are refused in cluster mode today). */
  async completeTransaction(producerId: number, commit: boolean): Promise<void> {
    await Promise.all([...this.buckets.values()].map((c) => c.completeTransaction(producerId, commit)));
  }

  noteReadCommitted(groupId: string): void {
    this.c(groupId).noteReadCommitted(groupId);
  }

  hasPendingOffset(groupId: string, topic: string, partition: number): boolean {
    return this.c(groupId).hasPendingOffset(groupId, topic, partition);
  }

  committed(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.c(groupId).committed(groupId, topic, partition);
  }

  allCommitted(groupId: string): StoredOffset[] {
    return this.c(groupId).allCommitted(groupId);
  }

  delete(groupId: string): Promise<void> {
    return this.c(groupId).delete(groupId);
  }

  deleteOffsets(groupId: string, partitions: Array<{ topic: string; partition: number }>): Promise<Map<string, Error | undefined>> {
    return this.c(groupId).deleteOffsets(groupId, partitions);
  }
}
