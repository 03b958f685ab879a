// Where consumer groups keep what must survive a restart: committed offsets and the
// membership of each group's last generation (Kafka keeps both in __consumer_offsets).
// Ordering: a write resolves only when durable, and writes for one group apply in call
// order. Readers (get/all/groupIds/snapshots) see every resolved write at once.
// Implementations: a compacted partition log in the data directory (group/offsets-store.ts),
// memory (tests); a PostgreSQL table later.
export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  commitTimestamp: number;
}

export type StoredOffset = CommittedOffset & { topic: string; partition: number };

/** Group membership as of its last stable generation (Kafka's GroupMetadata record). */
export interface GroupSnapshot {
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    sessionTimeoutMs: number;
    rebalanceTimeoutMs: number;
    protocols: Array<{ name: string; metadata: string }>;
    assignment: string;
  }>;
}

export interface GroupStore {
  /** Stores offsets (null deletes one); resolves once durable. */
  commit(group: string, entries: Array<{ topic: string; partition: number; value: CommittedOffset | null }>): Promise<void>;
  get(group: string, topic: string, partition: number): CommittedOffset | undefined;
  all(group: string): StoredOffset[];
  /** Groups with committed offsets. */
  groupIds(): string[];
  /** Stores (or with null forgets) a group's membership; resolves once durable. */
  saveGroup(group: string, snapshot: GroupSnapshot | null): Promise<void>;
  /** Every stored membership, as of the last resolved saveGroup per group. */
  readonly snapshots: ReadonlyMap<string, GroupSnapshot>;
  /** Offsets a transaction commits: durable now, visible only once the transaction commits. */
  commitPending(group: string, producerId: number, entries: Array<{ topic: string; partition: number; value: CommittedOffset }>): Promise<void>;
  /** Applies (commit) or drops (abort) the producer's pending offsets in every group, atomically; resolves once durable. */
  completePending(producerId: number, commit: boolean): Promise<void>;
  /** Whether a transaction has an offset pending for the partition (OffsetFetch's require_stable). */
  hasPending(group: string, topic: string, partition: number): boolean;
  /** Forgets a group's offsets and membership; resolves once durable. */
  deleteGroup(group: string): Promise<void>;
  close(): Promise<void>;
}
