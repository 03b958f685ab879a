// A partition in cluster mode as handlers see it (PartitionStore): while this broker holds
// the partition's lease it writes and reads through a SharedPartitionLog; otherwise every
// produce and fetch answers NOT_LEADER_OR_FOLLOWER, so clients refresh their metadata and
// go to the leader. Batches are checked here as the local log checks them (header, CRC,
// records) before they reach the flush window.
//
// The log start (DeleteRecords, retention by time and size) lives in the index and moves under the
// leader's lease; entries below it are forgotten (their objects are garbage for a collector
// not built yet). Not built in cluster mode yet (ADR 0011): transactions (markers).
import { KafkaError } from '../errors.js';
import { hot } from '../native/index.js';
import { BatchStatus, CONTROL_FLAG, readBatchHeader, TRANSACTIONAL_FLAG } from '../protocol/records/batch-layout.js';
import { batchStatusError } from '../protocol/records/batch-status-error.js';
import { firstRecordAtOrAfter, type OffsetAndTimestamp } from '../protocol/records/record-scan.js';
import { validateBatchRecords } from '../protocol/records/validate-records.js';
import type { IndexEntry, PartitionIndex } from '../services/leases.js';
import type { ActiveProducer, AppendOutcome, EpochEnd, IsolationLevel, PartitionStore, ReadOutcome, TransactionMarker } from '../services/partition-store.js';
import type { ObjectStore } from '../tier/object-store.js';
import type { SharedPartitionLog } from './shared-partition-log.js';
import type { KeyCompactionReport } from './key-compaction.js';
import { isCompacted, type CleanupPolicy } from '../config/log-config.js';
import { hasKeylessRecord } from '../storage/cleaner/batch-filter.js';

export interface SharedPartitionLimits {
  /** max.message.bytes of the topic. */
  maxBatchBytes: number;
  validateRecords: boolean;
  /** retention.ms of the topic (-1: keep everything). */
  retentionMs: number;
  /** retention.bytes of the topic (-1: no limit). */
  retentionBytes: number;
  cleanupPolicy: CleanupPolicy;
  deleteRetentionMs: number;
  minCompactionLagMs: number;
  /** min.cleanable.dirty.ratio and max.compaction.lag.ms: when log compaction starts a pass. */
  minCleanableDirtyRatio: number;
  maxCompactionLagMs: number;
}

export class SharedPartitionStore implements PartitionStore {
  private log: SharedPartitionLog | undefined;
  /** The last high watermark and log start this broker saw (kept when it stops leading, for metrics). */
  private lastHighWatermark = 0;
  private lastLogStart = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly topic: string, readonly index: number, readonly topicId: string,
    private readonly limits: () => SharedPartitionLimits, private readonly partitionIndex: PartitionIndex, private readonly objects: ObjectStore,
  ) {}

  /** This broker took the partition's lease: it serves produce and fetch from now on. */
  lead(log: SharedPartitionLog): void {
    this.log = log;
    this.lastHighWatermark = log.highWatermark;
    this.lastLogStart = log.logStart;
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
    return this.log?.logStart ?? this.lastLogStart;
  }

  /** Nothing is local: the whole log is in the object store. */
  get localLogStartOffset(): number {
    return this.logStartOffset;
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
    const limits = this.limits();
    const { maxBatchBytes, validateRecords } = limits;
    const status = hot.checkBatch(batch, maxBatchBytes);
    if (status !== BatchStatus.OK) throw batchStatusError(status, batch.length, maxBatchBytes);
    if (validateRecords) validateBatchRecords(batch, maxBatchBytes);
    const h = readBatchHeader(batch, 0);
    if ((h.attributes & (TRANSACTIONAL_FLAG | CONTROL_FLAG)) !== 0) {
      throw new KafkaError('INVALID_RECORD', 'transactions are not supported in cluster mode yet');
    }
    if (isCompacted(limits) && hasKeylessRecord(batch, maxBatchBytes)) {
      throw new KafkaError('INVALID_RECORD', `Compacted topic cannot accept message without key in topic partition ${this.topic}-${this.index}`);
    }
    const { baseOffset, lastOffset, duplicate } = await log.append(batch);
    this.lastHighWatermark = log.highWatermark;
    this.wake();
    return { baseOffset, lastOffset, logAppendTime: -1, logStartOffset: log.logStart, duplicate };
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
    const log = this.leader();
    for await (const e of log.committedEntries()) {
      if (e.maxTimestamp < timestamp) continue;
      const found = firstRecordAtOrAfter(await this.objects.get(e.objectKey, { start: e.byteStart, end: e.byteEnd }), timestamp);
      // A batch straddling the log start: its first readable record (as the local log answers).
      if (found !== undefined) return { ...found, offset: Math.max(found.offset, log.logStart) };
    }
    return undefined;
  }

  async maxTimestampRecord(): Promise<OffsetAndTimestamp | undefined> {
    const log = this.leader();
    let best: IndexEntry | undefined;
    for await (const e of log.committedEntries()) if (best === undefined || e.maxTimestamp > best.maxTimestamp) best = e;
    if (best === undefined) return undefined;
    const found = firstRecordAtOrAfter(await this.objects.get(best.objectKey, { start: best.byteStart, end: best.byteEnd }), best.maxTimestamp);
    return found === undefined ? undefined : { ...found, offset: Math.max(found.offset, log.logStart) };
  }

  /**
   * retention.ms and retention.bytes, by whole batches: the log starts at the first batch
   * with a record young enough, and late enough that what follows it stays within the bytes
   * (Kafka's rules, with a batch where Kafka has a segment; the newest batch always stays).
   */
  async applyRetention(now: number): Promise<number> {
    const log = this.leader();
    const { retentionMs, retentionBytes, cleanupPolicy } = this.limits();
    if (cleanupPolicy === 'compact') return 0; // compaction only: nothing expires
    let keepFrom = log.logStart;
    if (retentionMs >= 0) {
      keepFrom = log.highWatermark;
      for await (const e of log.committedEntries()) {
        if (e.maxTimestamp >= now - retentionMs) {
          keepFrom = e.baseOffset;
          break;
        }
      }
    }
    if (retentionBytes >= 0) keepFrom = Math.max(keepFrom, (await this.partitionIndex.retainedFrom(this.topicId, this.index, retentionBytes)) ?? log.logStart);
    return keepFrom > log.logStart ? this.advance(log, keepFrom) : 0;
  }

  /** Whole batches entirely below `offset` go, never the last one (the tier's local retention; not used by a cluster broker). */
  async truncateBelow(offset: number): Promise<number> {
    const log = this.leader();
    let target = log.logStart;
    for await (const e of log.committedEntries()) {
      if (e.lastOffset >= offset || e.lastOffset + 1 >= log.highWatermark) break;
      target = e.lastOffset + 1;
    }
    return target > log.logStart ? this.advance(log, target) : 0;
  }

  /** DeleteRecords: -1 is the high watermark; past it OFFSET_OUT_OF_RANGE; the start never moves back. */
  async deleteRecordsBelow(offset: number): Promise<number> {
    const log = this.leader();
    const target = offset === -1 ? log.highWatermark : offset;
    if (target < 0 || target > log.highWatermark) throw new KafkaError('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside [${log.logStart}, ${log.highWatermark}]`);
    if (target > log.logStart) await this.advance(log, target);
    return log.logStart;
  }

  /** The compactor's pass for this partition (see SharedPartitionLog.compact); 0 when not leading. */
  compact(o: Parameters<SharedPartitionLog['compact']>[0]): Promise<number> {
    return this.log === undefined ? Promise.resolve(0) : this.log.compact(o);
  }

  /** Log compaction (cleanup.policy with compact) when leading: what it found and did (undefined: not leading, or not compacted). */
  compactKeys(o: { now: number; maxKeys: number; maxRewriteBytes: number; segmentPrefix: string }): Promise<KeyCompactionReport | undefined> {
    const limits = this.limits();
    if (this.log === undefined || !isCompacted(limits)) return Promise.resolve(undefined);
    return this.log.compactKeys({
      ...o, deleteRetentionMs: limits.deleteRetentionMs, minCompactionLagMs: limits.minCompactionLagMs, maxRecordsBytes: limits.maxBatchBytes,
      minCleanableDirtyRatio: limits.minCleanableDirtyRatio, maxCompactionLagMs: limits.maxCompactionLagMs,
    });
  }

  private async advance(log: SharedPartitionLog, offset: number): Promise<number> {
    const removed = await log.advanceLogStart(offset);
    this.lastLogStart = log.logStart;
    this.wake();
    return removed;
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
