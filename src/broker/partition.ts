// One partition of a topic as the broker serves it, behind the PartitionStore interface:
// where its log is written (a backend: this thread in --inline mode, a log writer thread
// otherwise), what readers see of it merged with the segments that exist only in the
// object store (tiered topics), and the long polls waiting for its high watermark to move.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaError } from '../errors.js';
import type { LogConfig } from '../config/log-config.js';
import {
  IsolationLevel, type AbortedTransaction, type ActiveProducer, type AppendOutcome, type EpochEnd, type OffsetAndTimestamp, type PartitionStore, type ReadOutcome, type TransactionMarker,
} from '../services/partition-store.js';
import { buildMarkerBatch } from '../protocol/records/control-batch.js';
import { BatchField, LOG_OVERHEAD } from '../protocol/records/batch-layout.js';
import type { ReadableLog } from '../storage/log-view.js';
import type { PartitionLog } from '../storage/partition-log.js';
import type { CleanPlan } from '../storage/cleaner/clean-pass.js';
import { PartitionWriter, type ProduceOutcome } from './partition-writer.js';

export type { ProduceOutcome } from './partition-writer.js';

/** Where a partition's writes happen. Reads go through `log` on the main thread either way. */
export interface PartitionBackend {
  readonly log: ReadableLog;
  /** The log settings in force (topic configs applied). */
  readonly config: LogConfig;
  /** The writer's last stable offset (transactions). */
  readonly lastStableOffset: number;
  /** Aborted transactions overlapping [from, to) (read_committed fetches). */
  abortedBetween(from: number, to: number): AbortedTransaction[];
  produce(batch: Buffer): Promise<ProduceOutcome>;
  applyRetention(now: number): Promise<number>;
  deleteSegmentsBelow(offset: number): Promise<number>;
  activeProducers(): Promise<ActiveProducer[]>;
  /** Installs a cleaning pass's output if the segments it read are unchanged; resolves with whether it did. */
  installCleaned(plan: CleanPlan): Promise<boolean>;
  reconfigure(config: Partial<LogConfig>): Promise<void>;
  close(): Promise<void>;
  delete(): Promise<void>;
  /** Called whenever the high watermark or log start may have moved. */
  onProgress: () => void;
}

/** --inline: the log lives on the main thread. */
export class InlineBackend implements PartitionBackend {
  private readonly writer: PartitionWriter;
  onProgress: () => void = () => undefined;

  constructor(readonly log: PartitionLog) {
    this.writer = new PartitionWriter(log);
  }

  get config(): LogConfig {
    return this.log.config;
  }

  get lastStableOffset(): number {
    return this.writer.lastStableOffset();
  }

  abortedBetween(from: number, to: number): AbortedTransaction[] {
    return this.writer.txns.abortedBetween(from, to);
  }

  async produce(batch: Buffer): Promise<ProduceOutcome> {
    const out = await this.writer.produce(batch);
    this.onProgress();
    return out;
  }

  async applyRetention(now: number): Promise<number> {
    const removed = this.log.applyRetention(now);
    this.writer.txns.trimBelow(this.log.logStartOffset);
    return removed;
  }

  async deleteSegmentsBelow(offset: number): Promise<number> {
    // The aborted-transaction index stays: the records may still be read from the tier.
    return this.log.deleteSegmentsBelow(offset);
  }

  async activeProducers(): Promise<ActiveProducer[]> {
    return this.writer.producers.active((pid) => this.writer.txns.openTransactionStart(pid));
  }

  installCleaned(plan: CleanPlan): Promise<boolean> {
    return this.log.installCleaned(plan);
  }

  async reconfigure(config: Partial<LogConfig>): Promise<void> {
    this.log.reconfigure(config);
  }

  close(): Promise<void> {
    return this.log.close();
  }

  delete(): Promise<void> {
    return this.log.delete();
  }
}

/** What a partition needs of the tier: its remote segments (once loaded) and the upload backlog. */
export interface PartitionTier {
  remote(topic: string, index: number): RemoteSegmentReader | undefined;
  /** Uploads are behind (backlog or disk past the high-water mark): producers to tiered topics must wait. */
  backlogFull(): boolean;
  remoteRead(bytes: number): void;
}

/** Reads of the segments that exist only in the object store (tier/remote-partition.ts). */
export interface RemoteSegmentReader {
  readonly remoteStartOffset: number | undefined;
  /** The offset after the last uploaded segment (0 when none is). */
  readonly uploadedUpTo: number;
  read(offset: number, maxBytes: number): Promise<Buffer>;
  /** Aborted transactions recorded with the uploaded segments overlapping [from, to). */
  abortedBetween(from: number, to: number): AbortedTransaction[];
  maxTimestampBelow(localStart: number): number;
  recordForTimestamp(timestamp: number, localStart: number): Promise<OffsetAndTimestamp | undefined>;
}

export const NO_TIER: PartitionTier = { remote: () => undefined, backlogFull: () => false, remoteRead: () => undefined };

/** How a partition finds the tier and whether its topic is tiered now (configs change at run time). */
export interface PartitionTiering {
  tier: PartitionTier;
  isTiered(): boolean;
}

/** Where DeleteRecords' floor is kept in the partition's directory (Kafka keeps it in log-start-offset-checkpoint). */
const DELETED_BELOW_FILE = 'strata-deleted-below';

function readDeletedBelow(dir: string): number {
  try {
    const n = Number(readFileSync(join(dir, DELETED_BELOW_FILE), 'utf8').trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** Written to a temporary file, fsynced and renamed over the old one: a crash leaves the old floor or the new. */
function writeDeletedBelow(dir: string, offset: number): void {
  const tmp = join(dir, `${DELETED_BELOW_FILE}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${offset}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, DELETED_BELOW_FILE));
  const d = openSync(dir, 'r');
  try {
    fsyncSync(d);
  } finally {
    closeSync(d);
  }
}

/** The whole batches of `bytes` whose base offset is below `limit`, and the offset after the last of them. */
function batchesBelow(bytes: Buffer, from: number, limit: number): { bytes: Buffer; nextOffset: number } {
  let at = 0;
  let nextOffset = from;
  while (at + LOG_OVERHEAD <= bytes.length && Number(bytes.readBigInt64BE(at + BatchField.BASE_OFFSET)) < limit) {
    nextOffset = Number(bytes.readBigInt64BE(at + BatchField.BASE_OFFSET)) + bytes.readInt32BE(at + BatchField.LAST_OFFSET_DELTA) + 1;
    at += bytes.readInt32BE(at + BatchField.BATCH_LENGTH) + LOG_OVERHEAD;
  }
  return { bytes: at >= bytes.length ? bytes : bytes.subarray(0, at), nextOffset };
}

export class Partition implements PartitionStore {
  private readonly waiters = new Set<() => void>();
  /** DeleteRecords' floor: records below it are gone for readers even where their segment remains. */
  private deletedBelow: number;

  constructor(readonly topic: string, readonly index: number, readonly backend: PartitionBackend, private readonly tiering: PartitionTiering = { tier: NO_TIER, isTiered: () => false }) {
    backend.onProgress = () => this.wake();
    this.deletedBelow = readDeletedBelow(backend.log.dir);
  }

  /** The local log (metrics, the tier's uploader). */
  get log(): ReadableLog {
    return this.backend.log;
  }

  private remote(): RemoteSegmentReader | undefined {
    const r = this.tiering.tier.remote(this.topic, this.index);
    return r?.remoteStartOffset === undefined ? undefined : r;
  }

  get logStartOffset(): number {
    const local = this.backend.log.logStartOffset;
    const remote = this.remote();
    return Math.max(this.deletedBelow, remote === undefined ? local : Math.min(local, remote.remoteStartOffset!));
  }

  get localLogStartOffset(): number {
    return Math.max(this.deletedBelow, this.backend.log.logStartOffset);
  }

  get highestTieredOffset(): number {
    const remote = this.remote();
    return remote === undefined ? -1 : remote.uploadedUpTo - 1;
  }

  get highWatermark(): number {
    return this.backend.log.highWatermark;
  }

  get lastStableOffset(): number {
    return this.backend.lastStableOffset;
  }

  get logEndOffset(): number {
    return this.backend.log.logEndOffset;
  }

  get sizeBytes(): number {
    return this.backend.log.sizeBytes;
  }

  get segmentCount(): number {
    return this.backend.log.segmentCount;
  }

  /** Appends a client batch (idempotence applied by the owner of the log). */
  append(batch: Buffer): Promise<AppendOutcome> {
    if (this.tiering.isTiered() && this.tiering.tier.backlogFull()) {
      return Promise.reject(new KafkaError('KAFKA_STORAGE_ERROR', 'tier uploads are behind (backlog over tierBacklogMaxBytes, or the disk past tierDiskHighWaterPercent); retry later'));
    }
    return this.backend.produce(batch).then((out) => (out.logStartOffset >= this.deletedBelow ? out : { ...out, logStartOffset: this.logStartOffset }));
  }

  /** Markers bypass the tier's backlog check: a transaction must be able to end. */
  writeMarker(marker: TransactionMarker): Promise<AppendOutcome> {
    return this.backend.produce(buildMarkerBatch({ ...marker, timestamp: Date.now() }));
  }

  read(offset: number, maxBytes: number, isolation: IsolationLevel): ReadOutcome | Promise<ReadOutcome> {
    if (offset < this.deletedBelow) throw new KafkaError('OFFSET_OUT_OF_RANGE', `offset ${offset} is below the log start ${this.logStartOffset} (records deleted)`);
    const log = this.backend.log;
    const committed = isolation === IsolationLevel.READ_COMMITTED;
    // read_committed stops at the last stable offset (still OFFSET_OUT_OF_RANGE only past the high watermark).
    const limit = committed ? this.backend.lastStableOffset : log.highWatermark;
    if (committed && offset >= limit && offset <= log.highWatermark) return { chunks: [], bytes: 0, abortedTransactions: [] };
    const remote = this.remote();
    // Offsets below the local log start of a tiered partition come from the object store;
    // decided synchronously, so a read of local data takes no extra asynchronous step.
    if (remote !== undefined && offset < log.logStartOffset && offset >= remote.remoteStartOffset!) {
      return remote.read(offset, maxBytes).then((bytes) => {
        this.tiering.tier.remoteRead(bytes.length);
        if (!committed) return { chunks: bytes.length > 0 ? [bytes] : [], bytes: bytes.length };
        const kept = batchesBelow(bytes, offset, limit);
        return this.withAborted(offset, kept.nextOffset, { chunks: kept.bytes.length > 0 ? [kept.bytes] : [], bytes: kept.bytes.length });
      });
    }
    if (!committed) return log.read(offset, maxBytes);
    const r = log.read(offset, maxBytes, limit);
    return this.withAborted(offset, r.nextOffset, r);
  }

  /** read_committed: the aborted transactions overlapping [offset, end), the batches read. */
  private withAborted(offset: number, end: number, r: ReadOutcome): ReadOutcome {
    const local = this.backend.abortedBetween(offset, end);
    // Offsets below the local log start: the tier's record of them (the local index may not know them after a restart).
    const remote = offset < this.backend.log.logStartOffset ? this.remote()?.abortedBetween(offset, end) ?? [] : [];
    const merged = [...local];
    for (const a of remote) if (!merged.some((m) => m.producerId === a.producerId && m.firstOffset === a.firstOffset)) merged.push(a);
    return { ...r, abortedTransactions: merged };
  }

  offsetForTimestamp(timestamp: number): OffsetAndTimestamp | undefined | Promise<OffsetAndTimestamp | undefined> {
    const found = this.lookupTimestamp(timestamp);
    return found instanceof Promise ? found.then((f) => this.aboveDeleted(f)) : this.aboveDeleted(found);
  }

  /** A lookup that landed on deleted records answers the first offset still readable. */
  private aboveDeleted(found: OffsetAndTimestamp | undefined): OffsetAndTimestamp | undefined {
    if (found === undefined || found.offset >= this.deletedBelow) return found;
    return this.deletedBelow >= this.highWatermark ? undefined : { ...found, offset: this.deletedBelow };
  }

  private lookupTimestamp(timestamp: number): OffsetAndTimestamp | undefined | Promise<OffsetAndTimestamp | undefined> {
    const log = this.backend.log;
    const remote = this.tiering.tier.remote(this.topic, this.index);
    if (remote === undefined) return log.recordForTimestamp(timestamp);
    // Older records first: the tier's segments below the local log start, then the local log.
    return remote.recordForTimestamp(timestamp, log.logStartOffset).then((found) => found ?? log.recordForTimestamp(timestamp));
  }

  async deleteRecordsBelow(offset: number): Promise<number> {
    const hw = this.highWatermark;
    const target = offset === -1 ? hw : offset;
    if (!Number.isSafeInteger(target) || target < 0 || target > hw) throw new KafkaError('OFFSET_OUT_OF_RANGE', `cannot delete records below ${offset}: the high watermark is ${hw}`);
    if (target > this.logStartOffset) {
      // Durable first: once answered, the records stay deleted across a crash.
      writeDeletedBelow(this.backend.log.dir, target);
      this.deletedBelow = target;
      await this.backend.deleteSegmentsBelow(target);
      this.wake();
    }
    return this.logStartOffset;
  }

  maxTimestampRecord(): OffsetAndTimestamp | undefined | Promise<OffsetAndTimestamp | undefined> {
    const log = this.backend.log;
    const local = log.maxTimestampRecord();
    const remote = this.tiering.tier.remote(this.topic, this.index);
    // Segments that exist only in the tier may hold the largest timestamp.
    const remoteBest = remote?.maxTimestampBelow(log.logStartOffset) ?? -1;
    if (remote === undefined || remoteBest <= (local?.timestamp ?? -1)) return local;
    return remote.recordForTimestamp(remoteBest, log.logStartOffset).then((found) => found ?? local);
  }

  applyRetention(now: number): Promise<number> {
    return this.backend.applyRetention(now);
  }

  truncateBelow(offset: number): Promise<number> {
    return this.backend.deleteSegmentsBelow(offset);
  }

  /** One broker: leadership never moved, so only the current epoch is known (it ends at the log end). */
  endOffsetForEpoch(epoch: number, currentEpoch: number): EpochEnd {
    return epoch === currentEpoch ? { leaderEpoch: epoch, endOffset: this.logEndOffset } : { leaderEpoch: -1, endOffset: -1 };
  }

  activeProducers(): Promise<ActiveProducer[]> {
    return this.backend.activeProducers();
  }

  onProgress(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  /** Wakes every long poll waiting on this partition (progress, deletion, shutdown). */
  wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
