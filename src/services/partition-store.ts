// One partition as every request handler and the admin API see it, whatever holds its
// data: a log on this thread (--inline), a log writer thread, segments in an object store
// below the local log start (tiered), memory (tests), or shared storage later. Reads merge
// local and remote segments behind it, so no caller branches on where bytes live.
//
// Methods return `T | Promise<T>`: the local implementations answer produce and fetch
// synchronously where they can (no microtask hop on the hot path); a remote read or a
// network-backed store answers with a promise. Callers accept either.
import type { OffsetAndTimestamp } from '../protocol/records/record-scan.js';
import type { MarkerInput } from '../protocol/records/control-batch.js';

export type { OffsetAndTimestamp } from '../protocol/records/record-scan.js';

/** One idempotent producer as DescribeProducers reports it (`kafka-transactions describe-producers`). */
export interface ActiveProducer {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  /** The first offset of the producer's open transaction in this partition, or -1. */
  currentTxnStartOffset: number;
}

/** A transaction aborted in a partition: its producer, its first offset there and its marker's offset. */
export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
}

/** A transaction marker to write (the transaction coordinator ends a transaction with one per partition); the store stamps the time. */
export type TransactionMarker = Omit<MarkerInput, 'timestamp'>;

/** Kafka's isolation levels (Fetch, ListOffsets): read_committed reads up to the last stable offset. */
export const IsolationLevel = { READ_UNCOMMITTED: 0, READ_COMMITTED: 1 } as const;
export type IsolationLevel = (typeof IsolationLevel)[keyof typeof IsolationLevel];

export interface EpochEnd {
  leaderEpoch: number;
  endOffset: number;
}

export interface AppendOutcome {
  baseOffset: number;
  lastOffset: number;
  /** The broker's timestamp for LogAppendTime topics, else -1. */
  logAppendTime: number;
  logStartOffset: number;
  /** An idempotent retry of a batch already in the log: nothing was appended. */
  duplicate: boolean;
}

export interface ReadOutcome {
  /** Whole batches, in order, as stored. */
  chunks: Buffer[];
  bytes: number;
  /** read_committed: the aborted transactions overlapping what was read (clients drop their batches). */
  abortedTransactions?: AbortedTransaction[];
}

export interface PartitionStore {
  readonly topic: string;
  readonly index: number;
  /** The first offset a reader can fetch, counting segments that exist only remotely. */
  readonly logStartOffset: number;
  /** The first offset held on local disk (ListOffsets' earliest-local, -4); logStartOffset when not tiered. */
  readonly localLogStartOffset: number;
  /** The last offset in the object store (ListOffsets' latest-tiered, -5); -1 when nothing is there. */
  readonly highestTieredOffset: number;
  /** One past the last offset readers may see (acknowledged appends). */
  readonly highWatermark: number;
  /** The first offset of the oldest transaction not yet decided (and acknowledged); the high watermark when none is open. */
  readonly lastStableOffset: number;
  readonly logEndOffset: number;
  /** Bytes held locally (metrics, admin). */
  readonly sizeBytes: number;
  readonly segmentCount: number;

  /**
   * Appends one magic-2 batch from a client, producer fields checked (idempotence). Resolves
   * once durable as the store's sync policy defines it. Errors are KafkaErrors with the code
   * the client gets (CORRUPT_MESSAGE, OUT_OF_ORDER_SEQUENCE_NUMBER, KAFKA_STORAGE_ERROR…).
   */
  append(batch: Buffer): Promise<AppendOutcome>;

  /** Appends a transaction marker (control batch); resolves once durable. */
  writeMarker(marker: TransactionMarker): Promise<AppendOutcome>;

  /**
   * Whole batches from `offset`, at most `maxBytes` (at least one batch if the first is larger,
   * KIP-74 is the caller's choice: pass the budget). Empty at the high watermark (read_committed:
   * at the last stable offset, with the aborted transactions in the range); throws
   * OFFSET_OUT_OF_RANGE outside [logStartOffset, highWatermark].
   */
  read(offset: number, maxBytes: number, isolation: IsolationLevel): ReadOutcome | Promise<ReadOutcome>;

  /** The first record at or after `timestamp` (ListOffsets), searching remote segments first. */
  offsetForTimestamp(timestamp: number): OffsetAndTimestamp | undefined | Promise<OffsetAndTimestamp | undefined>;

  /** The record with the largest timestamp (ListOffsets -3). */
  maxTimestampRecord(): OffsetAndTimestamp | undefined | Promise<OffsetAndTimestamp | undefined>;

  /** Deletes whole segments past the retention settings; resolves with how many. */
  applyRetention(now: number): Promise<number>;

  /** Deletes whole segments entirely below `offset` (tier local retention). */
  truncateBelow(offset: number): Promise<number>;

  /**
   * DeleteRecords: every record below `offset` (-1: the high watermark) is gone for
   * readers at once and for good (it survives a restart); whole segments below it are
   * deleted. OFFSET_OUT_OF_RANGE past the high watermark. Resolves with the new log start.
   */
  deleteRecordsBelow(offset: number): Promise<number>;

  /**
   * OffsetForLeaderEpoch: the largest leader epoch at or below `epoch` that this partition
   * has, and the offset where it ended (the next epoch's first offset, or the log end for
   * `currentEpoch`, the leader's epoch now); {-1, -1} when the partition cannot say.
   */
  endOffsetForEpoch(epoch: number, currentEpoch: number): EpochEnd | Promise<EpochEnd>;

  /** The idempotent producers the partition keeps state for (DescribeProducers). */
  activeProducers(): ActiveProducer[] | Promise<ActiveProducer[]>;

  /** Runs `fn` whenever the high watermark or log start may have moved (or the partition went away); returns its removal. */
  onProgress(fn: () => void): () => void;
}

/**
 * Resolves when any of `stores` makes progress, after `ms`, or when `signal` aborts: one
 * timer and one abort listener however many partitions a long poll covers.
 */
export function waitForAnyProgress(stores: readonly PartitionStore[], ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const removals: Array<() => void> = [];
    const done = (): void => {
      clearTimeout(timer);
      for (const remove of removals) remove();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of stores) removals.push(s.onProgress(done));
    signal?.addEventListener('abort', done, { once: true });
  });
}
