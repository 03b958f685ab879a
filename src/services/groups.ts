// Consumer groups as handlers see them: the classic protocol's coordinator. The state
// machine lives in group/group.ts; persistence behind GroupStore.
import type { ErrorCodeName } from '../protocol/generated/error-codes.js';
import type { CommittedOffset, StoredOffset } from './group-store.js';

/** What a ConsumerGroupHeartbeat asks (KIP-848). */
export interface ConsumerHeartbeatInput {
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  /** The partitions the member owns (null: unchanged since its last heartbeat). */
  ownedPartitions: Array<{ topicId: string; partitions: number[] }> | null;
  clientId: string;
  clientHost: string;
}

export interface ConsumerHeartbeatOutput {
  memberId: string;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** The member's assignment when it changed (or on joining), else null. */
  assignment: Array<{ topicId: string; partitions: number[] }> | null;
}

/** topic id → partitions. */
export type PartitionSet = Map<string, Set<number>>;

export interface ConsumerMemberView {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly memberEpoch: number;
  readonly subscribedTopicNames: readonly string[];
  readonly subscribedTopicRegex: string | null;
  readonly assigned: PartitionSet;
}

/** A KIP-848 group as the ConsumerGroupHeartbeat and ConsumerGroupDescribe handlers use it. */
export interface ConsumerGroupView {
  readonly groupId: string;
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly assignorName: string;
  readonly members: ReadonlyMap<string, ConsumerMemberView>;
  readonly state: string;
  heartbeat(req: ConsumerHeartbeatInput): ConsumerHeartbeatOutput;
  targetOf(memberId: string): PartitionSet;
}

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinRequest {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  /** JoinGroup v4+: a new member must first fetch its id (MEMBER_ID_REQUIRED). */
  requireKnownMemberId: boolean;
}

export interface JoinResult {
  error?: ErrorCodeName;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncResult {
  error?: ErrorCodeName;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface MemberView {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  protocols: Protocol[];
  assignment: Buffer;
}

/** One classic group, as the JoinGroup/SyncGroup/Heartbeat/LeaveGroup/DescribeGroups handlers use it. */
export interface ClassicGroup {
  readonly state: GroupState;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly size: number;
  memberList(): ReadonlyArray<Readonly<MemberView>>;
  join(req: JoinRequest): Promise<JoinResult>;
  sync(memberId: string, generationId: number, groupInstanceId: string | null, assignments: Array<{ memberId: string; assignment: Buffer }>, protocol?: { type: string | null; name: string | null }): Promise<SyncResult>;
  heartbeat(memberId: string, generationId: number, groupInstanceId: string | null): void;
  leave(memberId: string, groupInstanceId: string | null): ErrorCodeName | undefined;
}

export interface GroupCoordinatorService {
  /** The group, created (Empty) on first use; INVALID_GROUP_ID for "". */
  group(groupId: string): ClassicGroup;
  existing(groupId: string): ClassicGroup | undefined;
  /** Every group with members or committed offsets. */
  list(): Array<{ groupId: string; protocolType: string; state: string; type: 'classic' | 'consumer' }>;
  /** A KIP-848 group (ConsumerGroupHeartbeat), created on first use; GROUP_ID_NOT_FOUND while classic members hold the id. */
  consumerGroup(groupId: string): ConsumerGroupView;
  existingConsumerGroup(groupId: string): ConsumerGroupView | undefined;
  /**
   * Stores offsets after the generation check; per-partition errors keyed
   * "topic\0partition" (OFFSET_METADATA_TOO_LARGE), group errors thrown.
   */
  commit(groupId: string, memberId: string, generationId: number, groupInstanceId: string | null, entries: Array<{ topic: string; partition: number; value: CommittedOffset }>): Promise<Map<string, Error | undefined>>;
  /**
   * TxnOffsetCommit: the same checks as commit (a generation of -1 skips them, as Kafka
   * does for producers without group metadata), stored pending for the producer's transaction.
   */
  commitInTransaction(groupId: string, producerId: number, memberId: string, generationId: number, groupInstanceId: string | null, entries: Array<{ topic: string; partition: number; value: CommittedOffset }>): Promise<Map<string, Error | undefined>>;
  /** The transaction of `producerId` ended: its pending offsets are applied (commit) or dropped. */
  completeTransaction(producerId: number, commit: boolean): Promise<void>;
  /**
   * The group's consumers read with read_committed (they fetch offsets with require_stable,
   * as the Java client and librdkafka do then): its lag counts to the last stable offset.
   */
  noteReadCommitted(groupId: string): void;
  /** A transaction's offset is pending for the partition (OffsetFetch require_stable: UNSTABLE_OFFSET_COMMIT). */
  hasPendingOffset(groupId: string, topic: string, partition: number): boolean;
  committed(groupId: string, topic: string, partition: number): CommittedOffset | undefined;
  allCommitted(groupId: string): StoredOffset[];
  /** GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, or done. */
  delete(groupId: string): Promise<void>;
  /**
   * OffsetDelete: GROUP_ID_NOT_FOUND or NON_EMPTY_GROUP thrown; per partition (keyed
   * "topic\0partition") GROUP_SUBSCRIBED_TO_TOPIC for topics the members consume, else deleted.
   */
  deleteOffsets(groupId: string, partitions: Array<{ topic: string; partition: number }>): Promise<Map<string, Error | undefined>>;
}
