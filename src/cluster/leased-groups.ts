// Group coordination in cluster mode: the broker holding the group coordinator lease runs a
// GroupCoordinator over the PostgreSQL group store, loaded afresh when it takes the lease (so
// it starts from what the previous coordinator committed); every other broker answers
// NOT_COORDINATOR, and clients ask FindCoordinator again. One lease covers every group for
// now (ADR 0011: buckets later).
import { KafkaError } from '../errors.js';
import type { GroupCoordinator } from '../group/coordinator.js';
import type { CommittedOffset, StoredOffset } from '../services/group-store.js';
import type { ClassicGroup, ConsumerGroupView, GroupCoordinatorService } from '../services/groups.js';

export const GROUP_COORDINATOR_RESOURCE = 'g:0';

export class LeasedGroups implements GroupCoordinatorService {
  private current: GroupCoordinator | undefined;

  /** The coordinator while this broker holds the lease. */
  get coordinator(): GroupCoordinator | undefined {
    return this.current;
  }

  /** This broker took the lease: `coordinator` serves from now on. */
  take(coordinator: GroupCoordinator): void {
    this.current = coordinator;
  }

  /** The lease is gone: requests go elsewhere; the old coordinator is returned for closing. */
  drop(): GroupCoordinator | undefined {
    const old = this.current;
    this.current = undefined;
    return old;
  }

  private get c(): GroupCoordinator {
    if (this.current === undefined) throw new KafkaError('NOT_COORDINATOR', 'this broker is not the group coordinator');
    return this.current;
  }

  group(groupId: string): ClassicGroup {
    return this.c.group(groupId);
  }

  existing(groupId: string): ClassicGroup | undefined {
    return this.c.existing(groupId);
  }

  /** Empty on a broker that does not coordinate: ListGroups asks every broker. */
  list(): ReturnType<GroupCoordinatorService['list']> {
    return this.current?.list() ?? [];
  }

  consumerGroup(groupId: string): ConsumerGroupView {
    return this.c.consumerGroup(groupId);
  }

  existingConsumerGroup(groupId: string): ConsumerGroupView | undefined {
    return this.c.existingConsumerGroup(groupId);
  }

  commit(groupId: string, memberId: string, generationId: number, groupInstanceId: string | null, entries: Array<{ topic: string; partition: number; value: CommittedOffset }>): Promise<Map<string, Error | undefined>> {
    return this.c.commit(groupId, memberId, generationId, groupInstanceId, entries);
  }

  commitInTransaction(groupId: string, producerId: number, memberId: string, generationId: number, groupInstanceId: string | null, entries: Array<{ topic: string; partition: number; value: CommittedOffset }>): Promise<Map<string, Error | undefined>> {
    return this.c.commitInTransaction(groupId, producerId, memberId, generationId, groupInstanceId, entries);
  }

  completeTransaction(producerId: number, commit: boolean): Promise<void> {
    return this.c.completeTransaction(producerId, commit);
  }

  noteReadCommitted(groupId: string): void {
    this.c.noteReadCommitted(groupId);
  }

  hasPendingOffset(groupId: string, topic: string, partition: number): boolean {
    return this.c.hasPendingOffset(groupId, topic, partition);
  }

  committed(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.c.committed(groupId, topic, partition);
  }

  allCommitted(groupId: string): StoredOffset[] {
    return this.c.allCommitted(groupId);
  }

  delete(groupId: string): Promise<void> {
    return this.c.delete(groupId);
  }

  deleteOffsets(groupId: string, partitions: Array<{ topic: string; partition: number }>): Promise<Map<string, Error | undefined>> {
    return this.c.deleteOffsets(groupId, partitions);
  }
}
