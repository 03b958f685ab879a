// Leadership in cluster mode (ADR 0011): a lease per resource — a partition
// (`p:<topicId>/<n>`), a group or transaction coordinator bucket — held by one broker under an
// epoch that rises with every change of holder. Times are the store's clock (PostgreSQL's
// now()), never a broker's, so skew between machines cannot stretch a lease. The committed
// data's index (`PartitionIndex`) accepts a write only while the writer's lease holds at its
// epoch: a broker that was paused or cut off past its lease can never make data visible.

export interface Lease {
  resource: string;
  /** The holder's node id. */
  holder: number;
  /** Raised on every change of holder (and on a re-take after expiry). */
  epoch: number;
  /** When it lapses unless renewed (ms since the epoch, the store's clock). */
  expiresAtMs: number;
}

/** A lease a write depends on: it must still be held by `holder` at `epoch` when the write commits. */
export interface LeaseGuard {
  resource: string;
  holder: number;
  epoch: number;
}

export interface AcquireOptions {
  /**
   * The epoch rises even when `holder` still holds the lease: a broker taking up again a
   * lease it gave up for lost (it could not renew in time) fences whatever it still had in
   * flight under the old epoch.
   */
  newEpoch?: boolean;
}

export interface LeaseStore {
  /**
   * Takes the lease when it is free or lapsed (the epoch rises), or renews it when `holder`
   * already holds it (the epoch stays). Undefined while another broker holds it.
   */
  acquire(resource: string, holder: number, ttlMs: number, options?: AcquireOptions): Promise<Lease | undefined>;
  /** Extends a lease still held at `epoch`; false when it was lost (fenced: stop acting on it). */
  renew(guard: LeaseGuard, ttlMs: number): Promise<boolean>;
  /** Extends every lease still held at its guard's epoch, in one round trip; resolves with the resources kept. */
  renewAll(guards: readonly LeaseGuard[], ttlMs: number): Promise<Set<string>>;
  /** Gives a held lease up now (hand-off, SIGTERM); false when it was no longer held. */
  release(guard: LeaseGuard): Promise<boolean>;
  /** The live leases (not lapsed), optionally those whose resource starts with `prefix`. */
  live(prefix?: string): Promise<Lease[]>;
  close(): Promise<void>;
}

/** One batch's place in the shared store: which object holds its bytes. */
export interface IndexEntry {
  topicId: string;
  partition: number;
  baseOffset: number;
  lastOffset: number;
  objectKey: string;
  byteStart: number;
  byteEnd: number;
  maxTimestamp: number;
  leaderEpoch: number;
  /** Idempotent producers' batches: the producer, its epoch and the batch's first sequence (-1 otherwise). */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

/** A committed entry's bytes moved: same offsets, another object and range. */
export interface EntryMove {
  baseOffset: number;
  objectKey: string;
  byteStart: number;
  byteEnd: number;
}

export interface PartitionIndex {
  /**
   * Commits entries atomically, only if every guard still holds (one transaction): all or
   * nothing. Throws NOT_LEADER_OR_FOLLOWER (a KafkaError) when a guard has lapsed or moved,
   * or when an entry's offsets do not follow the partition's committed end.
   */
  commit(entries: readonly IndexEntry[], guards: readonly LeaseGuard[]): Promise<void>;
  /** One past the last committed offset (0 for an empty partition; at least the log start). */
  highWatermark(topicId: string, partition: number): Promise<number>;
  /** The first offset readers may fetch (0 until records are deleted). */
  logStart(topicId: string, partition: number): Promise<number>;
  /**
   * Moves the log start up to `offset` (never down, never past the high watermark) under the
   * guard's lease, and forgets the entries wholly below it; resolves with the log start and
   * how many entries went. NOT_LEADER_OR_FOLLOWER when the guard no longer holds.
   */
  advanceLogStart(topicId: string, partition: number, offset: number, guard: LeaseGuard): Promise<{ logStart: number; removed: number }>;
  /**
   * retention.bytes, Kafka's rule by batch instead of segment: the base offset of the oldest
   * entry to keep, older ones going while the newer ones alone still hold at least
   * `retentionBytes`; the newest entry always stays. Undefined for an empty partition.
   */
  retainedFrom(topicId: string, partition: number, retentionBytes: number): Promise<number | undefined>;
  /** Committed entries whose last offset is at or past `fromOffset`, in order, at most `limit`. */
  entries(topicId: string, partition: number, fromOffset: number, limit: number): Promise<IndexEntry[]>;
  /**
   * Points committed entries at new bytes (the compactor copied them into a segment object,
   * or log compaction rewrote them), offsets unchanged, and forgets the `dropped` entries
   * (by base offset: log compaction removed all their records; never the partition's last
   * entry), all or nothing, only while the guard holds (NOT_LEADER_OR_FOLLOWER, also when an
   * entry is gone).
   */
  relocate(topicId: string, partition: number, moves: readonly EntryMove[], guard: LeaseGuard, dropped?: readonly number[]): Promise<void>;
  /** Which of `keys` committed entries still name (the others are garbage once old enough). */
  referencedObjects(keys: readonly string[]): Promise<Set<string>>;
  /** Each leader epoch with committed data and its first offset, in epoch order (OffsetForLeaderEpoch). */
  epochStarts(topicId: string, partition: number): Promise<Array<{ epoch: number; startOffset: number }>>;
  /** The last `limit` committed entries of idempotent producers, in offset order (a new leader rebuilds producer state from them). */
  producerEntries(topicId: string, partition: number, limit: number): Promise<IndexEntry[]>;
  close(): Promise<void>;
}
