// A partition in cluster mode as handlers see it (PartitionStore): while this broker holds
// the partition's lease it writes and reads through a SharedPartitionLog; otherwise every
// produce and fetch answers NOT_LEADER_OR_FOLLOWER, so clients refresh their metadata and
// go to the leader. Batches are checked here as the local log checks them (header, CRC,
// records) before they reach the flush window.
//
// Not built in cluster mode yet (ADR 0011): transactions (markers), retention and
// DeleteRecords — the log always starts at 0 and nothing is ever deleted.
import { KafkaError } from '../errors.js';
import { hot } from '../native/index.js';
import { BatchStatus, CONTROL_FLAG, readBatchHeader, TRANSACTIONAL_FLAG } from '../protocol/records/batch-layout.js';
import { batchStatusError } from '../protocol/records/batch-status-error.js';
import { firstRecordAtOrAfter, type OffsetAndTimestamp } from '../protocol/records/record-scan.js';
import { validateBatchRecords } from '../protocol/records/validate-records.js';
import type { PartitionIndex } from '../services/leases.js';
import type { ActiveProducer, AppendOutcome, EpochEnd, IsolationLevel, PartitionStore, ReadOutcome, TransactionMarker } from '../services/partition-store.js';
import type { ObjectStore } from '../tier/object-store.js';
import type { SharedPartitionLog } from './shared-partition-log.js';

/** Index rows looked at per round when searching by timestamp. */
const SCAN_PAGE = 500;

export interface SharedPartitionLimits {
  /** max.message.bytes of the topic. */
  maxBatchBytes: number;
  validateRecords: boolean;
}

export class SharedPartitionStore implements PartitionStore {
  private log: SharedPartitionLog | undefined;
  /** The last high watermark this broker saw (kept when it stops leading, for metrics). */
  private lastHighWatermark = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly topic: string, readonly index: number, readonly topicId: string,
    private readonly limits: () => SharedPartitionLimits, private readonly partitionIndex: PartitionIndex, private readonly objects: ObjectStore,
  ) {}

  /** This broker took the partition's lease: it serves produce and fetch from now on. */
  lead(log: SharedPartitionLog): void {
    this.log = log;
    this.lastHighWatermark = log.highWatermark;
    this.wake();
  }

  /** The lease is gone (lost, handed off, the topic deleted): clients are sent elsewhere. */
  resign(): void {
    this.log = undefined;
    this.wake();
  }

  get leading(): boolean {
    return this.log !== undefined;
  }

  /** The log while this broker leads, else NOT_LEADER_OR_FOLLOWER. */
  private leader(): SharedPartitionLog {
    if (this.log === undefined) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `this broker does not lead ${this.topic}-${this.index}`);
    return this.log;
  }

  get logStartOffset(): number {
    return 0;
  }

  get localLogStartOffset(): number {
    return 0;
  }

  get highestTieredOffset(): number {
    return this.highWatermark - 1;
  }

  get highWatermark(): number {
    return this.log?.highWatermark ?? this.lastHighWatermark;
  }

  get lastStableOffset(): number {
    return this.highWatermark;
  }

  get logEndOffset(): number {
    return this.highWatermark;
  }

  /** Nothing is held locally: the data is in the object store. */
  get sizeBytes(): number {
    return 0;
  }

  get segmentCount(): number {
    return 0;
  }

  async append(batch: Buffer): Promise<AppendOutcome> {
    const log = this.leader();
    const { maxBatchBytes, validateRecords } = this.limits();
    const status = hot.checkBatch(batch, maxBatchBytes);
    if (status !== BatchStatus.OK) throw batchStatusError(status, batch.length, maxBatchBytes);
    if (validateRecords) validateBatchRecords(batch, maxBatchBytes);
    const h = readBatchHeader(batch, 0);
    if ((h.attributes & (TRANSACTIONAL_FLAG | CONTROL_FLAG)) !== 0) {
      throw new KafkaError('INVALID_RECORD', 'transactions are not supported in cluster mode yet');
    }
    const { baseOffset, lastOffset, duplicate } = await log.append(batch);
    this.lastHighWatermark = log.highWatermark;
    this.wake();
    return { baseOffset, lastOffset, logAppendTime: -1, logStartOffset: 0, duplicate };
  }

  writeMarker(_marker: TransactionMarker): Promise<AppendOutcome> {
    return Promise.reject(new KafkaError('INVALID_RECORD', 'transactions are not supported in cluster mode yet'));
  }

  async read(offset: number, maxBytes: number, _isolation: IsolationLevel): Promise<ReadOutcome> {
    const chunks = await this.leader().read(offset, maxBytes);
    return { chunks, bytes: chunks.reduce((n, c) => n + c.length, 0) };
  }

  /** Pages through the index for the first batch whose largest timestamp reaches `timestamp`. */
  async offsetForTimestamp(timestamp: number): Promise<OffsetAndTimestamp | undefined> {
    const end = this.leader().highWatermark;
    for (let from = 0; from < end;) {
      const entries = await this.partitionIndex.entries(this.topicId, this.index, from, SCAN_PAGE);
      if (entries.length === 0) return undefined;
      for (const e of entries) {
        if (e.baseOffset >= end) return undefined;
        if (e.maxTimestamp < timestamp) continue;
        const found = firstRecordAtOrAfter(await this.objects.get(e.objectKey, { start: e.byteStart, end: e.byteEnd }), timestamp);
        if (found !== undefined) return found;
      }
      from = entries[entries.length - 1]!.lastOffset + 1;
    }
    return undefined;
  }

  async maxTimestampRecord(): Promise<OffsetAndTimestamp | undefined> {
    const end = this.leader().highWatermark;
    let best: { maxTimestamp: number; objectKey: string; byteStart: number; byteEnd: number } | undefined;
    for (let from = 0; from < end;) {
      const entries = await this.partitionIndex.entries(this.topicId, this.index, from, SCAN_PAGE);
      if (entries.length === 0) break;
      for (const e of entries) if (e.baseOffset < end && (best === undefined || e.maxTimestamp > best.maxTimestamp)) best = e;
      from = entries[entries.length - 1]!.lastOffset + 1;
    }
    if (best === undefined) return undefined;
    return firstRecordAtOrAfter(await this.objects.get(best.objectKey, { start: best.byteStart, end: best.byteEnd }), best.maxTimestamp);
  }

  /** Retention is not applied in cluster mode yet (ADR 0011). */
  applyRetention(_now: number): Promise<number> {
    return Promise.resolve(0);
  }

  /** No local segments to truncate: the data lives in the object store. */
  truncateBelow(_offset: number): Promise<number> {
    return Promise.resolve(0);
  }

  deleteRecordsBelow(_offset: number): Promise<number> {
    return Promise.reject(new KafkaError('POLICY_VIOLATION', 'DeleteRecords is not supported in cluster mode yet'));
  }

  /**
   * Kafka's leader epoch cache answer, from the epochs of the committed data: the current
   * epoch ends at the log end; an older one where the next epoch with data starts (a leader
   * that has written nothing yet started at the log end, so its epoch starts there).
   */
  async endOffsetForEpoch(epoch: number, currentEpoch: number): Promise<EpochEnd> {
    const log = this.leader();
    if (epoch === currentEpoch) return { leaderEpoch: epoch, endOffset: log.highWatermark };
    const starts = await this.partitionIndex.epochStarts(this.topicId, this.index);
    if (!starts.some((s) => s.epoch === currentEpoch)) starts.push({ epoch: currentEpoch, startOffset: log.highWatermark });
    const higher = starts.find((s) => s.epoch > epoch);
    if (higher === undefined) return { leaderEpoch: -1, endOffset: -1 };
    const floor = starts.filter((s) => s.epoch <= epoch).pop();
    return { leaderEpoch: floor?.epoch ?? epoch, endOffset: higher.startOffset };
  }

  activeProducers(): ActiveProducer[] {
    return this.log?.activeProducers() ?? [];
  }

  onProgress(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private wake(): void {
    for (const fn of [...this.listeners]) fn();
  }
}
