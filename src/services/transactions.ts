// Transactions as handlers see them: the transaction coordinator (InitProducerId with a
// transactional id, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, Describe/ListTransactions,
// the produce path's check that a partition is in its transaction) and where it keeps its
// state (TransactionStateStore: an internal compacted log on one node; a table shared by
// brokers later, so coordinators can move between them).

/** Kafka's transaction states, as DescribeTransactions and ListTransactions name them. */
export type TransactionStateName =
  | 'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort' | 'Dead' | 'PrepareEpochFence';

export const TRANSACTION_STATES: readonly TransactionStateName[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

/** One transactional id's state (Kafka's TransactionMetadata). */
export interface TransactionRecord {
  transactionalId: string;
  producerId: number;
  /** The id before the last change of id (epoch exhaustion), for KIP-360 retries; -1. */
  previousProducerId: number;
  producerEpoch: number;
  /** The epoch before the last bump (a retried InitProducerId is recognised by it); -1. */
  lastProducerEpoch: number;
  timeoutMs: number;
  state: TransactionStateName;
  /** Partitions in the transaction ("topic\0partition"). */
  partitions: string[];
  /** Consumer groups whose offsets the transaction commits. */
  groups: string[];
  /** When the transaction started (its first partition or group), -1 when none is open. */
  startTimeMs: number;
  updateTimeMs: number;
}

export interface TransactionStateStore {
  /** Every stored transactional id, as last written. */
  load(): TransactionRecord[];
  /** Stores the state (null forgets the id); resolves once durable. */
  write(transactionalId: string, record: TransactionRecord | null): Promise<void>;
  close(): Promise<void>;
}

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

export interface InitProducerIdInput {
  transactionalId: string;
  transactionTimeoutMs: number;
  /** KIP-360: the id and epoch the producer had (-1, -1 on first init). */
  producerId: number;
  producerEpoch: number;
}

export interface TransactionDescription {
  transactionalId: string;
  state: TransactionStateName;
  timeoutMs: number;
  startTimeMs: number;
  producerId: number;
  producerEpoch: number;
  partitions: TopicPartitionRef[];
}

export interface TransactionCoordinatorService {
  /** Errors are thrown as KafkaErrors (INVALID_TRANSACTION_TIMEOUT, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS…). */
  initProducerId(input: InitProducerIdInput): Promise<{ producerId: number; producerEpoch: number }>;
  /**
   * Adds partitions (or, with verifyOnly, checks they are in the transaction: INVALID_TXN_STATE
   * when not). Whole-request errors are thrown; the partitions are known to exist.
   */
  addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: TopicPartitionRef[], verifyOnly: boolean): Promise<void>;
  /** Adds a consumer group's offsets to the transaction (TxnOffsetCommit follows). */
  addOffsets(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): Promise<void>;
  /**
   * Commits or aborts: markers are in every partition (and the offsets applied) when this
   * resolves. `bumpEpoch` (transaction version 2, EndTxn v5): the epoch goes up by one with
   * every end, the markers carry the new one, and the answer names it.
   */
  endTransaction(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean, bumpEpoch?: boolean): Promise<{ producerId: number; producerEpoch: number }>;
  /**
   * Transaction version 2 (Produce v12): the partition joins the producer's transaction if it
   * is not in it yet (starting one). Synchronous when it already is, so the hot path takes
   * no extra step.
   */
  ensureInTransaction(transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number): void | Promise<void>;
  /**
   * The produce path's check (synchronous: no hop on the hot path): the transactional id is
   * this producer's, its epoch current, and the partition in its open transaction. Throws
   * INVALID_PRODUCER_ID_MAPPING, INVALID_PRODUCER_EPOCH or INVALID_TXN_STATE.
   */
  verifyProduce(transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number): void;
  /** The transactional id's producer and epoch, if the coordinator knows it (TxnOffsetCommit checks). */
  producerOf(transactionalId: string): { producerId: number; producerEpoch: number; groups: readonly string[]; state: TransactionStateName } | undefined;
  describe(transactionalId: string): TransactionDescription | undefined;
  list(): TransactionDescription[];
}
