// The log of one partition: an ordered list of segments, the last one active.
// All mutation happens synchronously inside append/roll/retention, so the log needs no
// lock as long as one thread owns it (the log writer); only fsyncs run asynchronously,
// batched by GroupCommit. Readers see batches below the high watermark only: with the
// `always` policy that is what has been fsynced, otherwise what has been written.
import { fdatasyncSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { KafkaError, StrataError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { hot } from '../native/index.js';
import { BatchField, BatchStatus } from '../protocol/records/batch-layout.js';
import type { OffsetAndTimestamp } from '../protocol/records/record-scan.js';
import { validateBatchRecords } from '../protocol/records/validate-records.js';
import { closedSegmentsOf, maxTimestampRecordIn, readBatches, recordForTimestampIn, totalSize, type ReadResult } from './log-reads.js';
import { walkBatches } from './batch-walk.js';
import { fsyncDir, mkdirDurable, writeFileAtomic } from './dir-sync.js';
import { GroupCommit } from './group-commit.js';
import type { Syncer } from './sync-batcher.js';
import { isCompacted, resolveLogConfig, type LogConfig } from '../config/log-config.js';
import { hasKeylessRecord } from './cleaner/batch-filter.js';
import type { CleanPlan } from './cleaner/clean-pass.js';
import { abandonSwap, commitSwap, crashPoint, finishSwapAsync, readCleanerCheckpoint, swapGroupFiles, writeCleanerCheckpointAsync } from './cleaner/cleaner-swap.js';
import { unlink } from 'node:fs/promises';
import { CLEAN_SHUTDOWN_FILE, RECOVERY_POINT_FILE } from './names.js';
import { consumeCleanMarker, openSegments, readRecoveryPoint, type RecoveryReport } from './recovery.js';
import { Segment } from './segment.js';
import { batchStatusError, storageError } from './storage-errors.js';

/** Where an appended batch went: what a read-only view on another thread needs to index it. */
export interface Placement {
  segmentBase: number;
  position: number;
  size: number;
  maxTimestamp: number;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The broker's timestamp for LogAppendTime topics, else -1. */
  logAppendTime: number;
  logStartOffset: number;
  placement?: Placement;
}

export type { ReadResult } from './log-reads.js';

import type { ClosedSegment } from './log-reads.js';

export type { ClosedSegment } from './log-reads.js';

export interface LogStats {
  appends: number;
  appendedBytes: number;
  /** Completed fdatasync rounds of the group commit. */
  flushes: number;
  rolls: number;
  segmentsDeletedByRetention: number;
  /** Cleaning passes installed (compacted logs). */
  cleanerSwaps: number;
}

export interface OpenOptions {
  logger?: Logger;
  /** Clock for segment.ms, LogAppendTime and retention; tests move it. */
  now?: () => number;
  /** Called with the duration of every completed fdatasync round (metrics). */
  onFsync?: (seconds: number) => void;
  /** Called when a rolled segment is on disk (a log writer tells the main thread's view). */
  onSealed?: () => void;
  /** fdatasyncs files; shared by the logs of a thread so their syncs are submitted together (SyncBatcher). */
  syncer?: Syncer;
}

/** Offsets within a segment are stored as 32-bit relative values. */
const MAX_RELATIVE_OFFSET = 2 ** 31 - 1;

export class PartitionLog {
  private cfg: LogConfig;
  readonly recovery: RecoveryReport;
  readonly stats: LogStats = { appends: 0, appendedBytes: 0, flushes: 0, rolls: 0, segmentsDeletedByRetention: 0, cleanerSwaps: 0 };
  private segments: Segment[];
  private nextOffset: number;
  private hw: number;
  private readonly dirty = new Set<Segment>();
  /** Bases of segments a cleaner install is replacing: retention waits for it. */
  private readonly pendingClean = new Set<number>();
  private dirDirty = false;
  private readonly commit: GroupCommit;
  private intervalTimer: NodeJS.Timeout | undefined;
  /** Seals of rolled segments, in order: each ends by advancing the recovery point. */
  private sealChain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private closed = false;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly onFsync: ((seconds: number) => void) | undefined;
  private readonly onSealed: (() => void) | undefined;
  private readonly syncer: Syncer | undefined;

  private constructor(readonly dir: string, config: LogConfig, segments: Segment[], recovery: RecoveryReport, options: OpenOptions) {
    this.cfg = config;
    this.segments = segments;
    this.recovery = recovery;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.onFsync = options.onFsync;
    this.onSealed = options.onSealed;
    this.syncer = options.syncer;
    this.nextOffset = this.active.nextOffset;
    this.hw = this.nextOffset;
    this.commit = new GroupCommit(
      {
        flushAll: () => this.flushDirty(),
        endOffset: () => this.nextOffset,
        onFailure: (err) => this.onFlushFailure(err),
      },
      this.nextOffset,
    );
    this.startTimer();
  }

  get config(): LogConfig {
    return this.cfg;
  }

  /** Applies new settings (topic configs changed); validated like those given at open. */
  reconfigure(config: Partial<LogConfig>): void {
    this.checkOpen();
    const next = resolveLogConfig({ ...this.cfg, ...config });
    const wasAlways = this.cfg.syncPolicy === 'always';
    this.cfg = next;
    // Leaving `always`: what is written is now visible, as the other policies expose.
    if (wasAlways && next.syncPolicy !== 'always') this.hw = this.nextOffset;
    if (!wasAlways && next.syncPolicy === 'always') this.commit.resetTo(Math.max(this.commit.durableOffset, this.hw));
    this.stopTimer();
    this.startTimer();
  }

  private startTimer(): void {
    if (this.cfg.syncPolicy !== 'interval') return;
    this.intervalTimer = setInterval(() => this.flushOnInterval(), this.cfg.flushIntervalMs);
    this.intervalTimer.unref();
  }

  /** Opens (creating if needed) the log in `dir`, recovering it if the last shutdown was not clean. */
  static open(dir: string, config: Partial<LogConfig> = {}, options: OpenOptions = {}): PartitionLog {
    const resolved = resolveLogConfig(config);
    mkdirDurable(dir);
    const clean = consumeCleanMarker(dir);
    const { segments, report } = openSegments(dir, clean, resolved.indexIntervalBytes, options.logger ?? silentLogger);
    if (segments.length === 0) {
      segments.push(Segment.create(dir, 0, resolved.indexIntervalBytes, (options.now ?? Date.now)()));
      fsyncDir(dir);
    }
    if (!clean) {
      // What survived the crash may still sit in the page cache only: make it durable
      // before anything new is acknowledged on top of it.
      // Synchronous on purpose: this runs once, before the log serves anything.
      const recoveryPoint = readRecoveryPoint(dir);
      for (const s of segments) if (s.baseOffset >= recoveryPoint) fdatasyncSync(s.fd);
      writeFileAtomic(dir, RECOVERY_POINT_FILE, String(segments[segments.length - 1]!.baseOffset));
    }
    return new PartitionLog(dir, resolved, segments, report, options);
  }

  get logStartOffset(): number {
    return this.segments[0]!.baseOffset;
  }

  /** The offset the next batch will get. */
  get logEndOffset(): number {
    return this.nextOffset;
  }

  /** Readers see offsets below this. */
  get highWatermark(): number {
    return this.cfg.syncPolicy === 'always' ? this.commit.durableOffset : this.hw;
  }

  get sizeBytes(): number {
    return totalSize(this.segments);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /**
   * Validates a client batch, assigns its offsets (patching the caller's buffer in
   * place), writes it, and resolves once the sync policy's durability holds.
   * Throws a KafkaError (CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE,
   * KAFKA_STORAGE_ERROR) before anything reaches the disk when the batch is bad.
   */
  append(batch: Buffer): Promise<AppendResult> {
    try {
      return this.appendNow(batch);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private appendNow(batch: Buffer): Promise<AppendResult> {
    this.checkUsable();
    const status = hot.checkBatch(batch, this.cfg.maxBatchBytes);
    if (status !== BatchStatus.OK) throw batchStatusError(status, batch.length, this.cfg.maxBatchBytes);
    if (this.cfg.validateRecords) validateBatchRecords(batch, this.cfg.maxBatchBytes);
    // As Kafka: a compacted topic keeps records by key, so one without a key has no place in it.
    if (isCompacted(this.cfg) && hasKeylessRecord(batch, this.cfg.maxBatchBytes)) {
      throw new KafkaError('INVALID_RECORD', `Compacted topic cannot accept message without key in topic partition ${basename(this.dir)}`);
    }
    const lastOffsetDelta = batch.readInt32BE(BatchField.LAST_OFFSET_DELTA);
    this.maybeRoll(batch.length, lastOffsetDelta);
    const baseOffset = this.nextOffset;
    const lastOffset = baseOffset + lastOffsetDelta;
    const logAppendTime = this.cfg.timestampType === 'LogAppendTime' ? this.now() : -1;
    hot.patchBatch(batch, baseOffset, logAppendTime);
    const maxTimestamp = logAppendTime >= 0 ? logAppendTime : Number(batch.readBigInt64BE(BatchField.MAX_TIMESTAMP));
    const seg = this.active;
    const position = seg.size;
    try {
      seg.append(batch, { baseOffset, lastOffset, maxTimestamp });
    } catch (err) {
      if (err instanceof StrataError) this.failure = err;
      throw storageError(err, `append to ${seg.logPath}`);
    }
    this.dirty.add(seg);
    this.nextOffset = lastOffset + 1;
    this.stats.appends++;
    this.stats.appendedBytes += batch.length;
    const result: AppendResult = {
      baseOffset, lastOffset, logAppendTime, logStartOffset: this.logStartOffset,
      placement: { segmentBase: seg.baseOffset, position, size: batch.length, maxTimestamp },
    };
    if (this.cfg.syncPolicy !== 'always') {
      this.hw = this.nextOffset;
      return Promise.resolve(result);
    }
    return this.commit.waitFor(this.nextOffset).then(
      () => result,
      (err: unknown) => {
        throw err instanceof KafkaError ? err : storageError(err, 'fdatasync');
      },
    );
  }

  private checkUsable(): void {
    if (this.closed) throw new StrataError('STRATA_LOG_CLOSED', `log ${this.dir} is closed`);
    if (this.failure !== undefined) throw storageError(this.failure, `log ${this.dir} is offline after an unrecoverable I/O error`);
  }

  private maybeRoll(incoming: number, lastOffsetDelta: number): void {
    const seg = this.active;
    if (seg.size === 0) return;
    const full = seg.size + incoming > this.cfg.segmentBytes;
    // A compacted log rolls by max.compaction.lag.ms too: the cleaner only takes closed segments.
    const maxAge = isCompacted(this.cfg) ? Math.min(this.cfg.segmentMs, this.cfg.maxCompactionLagMs) : this.cfg.segmentMs;
    const old = this.now() - seg.createdAtMs >= maxAge;
    const relOverflow = this.nextOffset + lastOffsetDelta - seg.baseOffset > MAX_RELATIVE_OFFSET;
    if (full || old || relOverflow) this.roll();
  }

  /** Closes the active segment and starts a new one at the log end offset. */
  roll(): void {
    this.checkUsable();
    const old = this.active;
    if (old.size === 0) return;
    let next: Segment;
    try {
      next = Segment.create(this.dir, this.nextOffset, this.cfg.indexIntervalBytes, this.now());
    } catch (err) {
      throw storageError(err, 'segment roll');
    }
    this.segments.push(next);
    this.dirDirty = true;
    this.stats.rolls++;
    try {
      old.writeIndexes();
    } catch (err) {
      // Index files are rebuilt from the segment when missing at the next open.
      this.logger.warn({ err, segment: old.logPath }, 'could not write index files at roll');
    }
    this.sealChain = this.sealChain.then(() => this.seal(old, next.baseOffset));
  }

  /** Flushes a rolled segment, then moves the recovery point past it. */
  private async seal(old: Segment, recoveryPoint: number): Promise<void> {
    try {
      if (this.dirty.has(old)) {
        this.dirty.delete(old);
        await old.flush();
      }
      if (this.dirDirty) {
        this.dirDirty = false;
        fsyncDir(this.dir);
      }
      writeFileAtomic(this.dir, RECOVERY_POINT_FILE, String(recoveryPoint));
      this.onSealed?.();
    } catch (err) {
      this.dirty.add(old);
      this.logger.warn({ err, segment: old.logPath }, 'sealing a rolled segment failed; recovery will rescan it');
    }
  }

  private async flushDirty(): Promise<void> {
    const segments = [...this.dirty];
    this.dirty.clear();
    const dir = this.dirDirty;
    this.dirDirty = false;
    const started = performance.now();
    try {
      // The syncer pins each segment open while its fdatasync is in flight.
      if (this.syncer !== undefined) await this.syncer(segments);
      else await Promise.all(segments.map((s) => s.flush()));
      if (dir) fsyncDir(this.dir);
      this.stats.flushes++;
      this.onFsync?.((performance.now() - started) / 1000);
    } catch (err) {
      for (const s of segments) this.dirty.add(s);
      this.dirDirty ||= dir;
      throw err;
    }
  }

  private flushOnInterval(): void {
    if (this.dirty.size === 0 || this.commit.flushing || this.closed) return;
    this.commit.flushNow().catch((err: unknown) => this.logger.error({ err, dir: this.dir }, 'interval flush failed'));
  }

  /**
   * With `always`, a failed fdatasync leaves unknown what reached the disk, and no
   * waiter was acknowledged: cut the log back to the last durable offset so nothing
   * unacknowledged can reappear, then let producers retry.
   */
  private onFlushFailure(err: unknown): void {
    if (this.cfg.syncPolicy !== 'always') return;
    try {
      this.truncateTo(this.commit.durableOffset);
    } catch (truncErr) {
      this.failure = truncErr;
    }
    this.logger.error({ err, dir: this.dir, durableOffset: this.commit.durableOffset }, 'fdatasync failed; log cut back to the durable offset');
  }

  /** Removes every batch at or after `offset` (a batch boundary). */
  private truncateTo(offset: number): void {
    while (this.segments.length > 1 && this.active.baseOffset >= offset) {
      const gone = this.segments.pop()!;
      this.dirty.delete(gone);
      gone.delete();
    }
    const seg = this.active;
    const position = offset >= seg.nextOffset ? seg.size : seg.findBatchPosition(offset);
    if (position >= 0 && position < seg.size) seg.truncateAt(position);
    this.nextOffset = seg.nextOffset;
    this.hw = Math.min(this.hw, this.nextOffset);
    this.commit.resetTo(Math.min(this.commit.durableOffset, this.nextOffset));
  }

  /**
   * Whole batches from the one holding `offset`, up to `maxBytes` (but always at least
   * one batch, as Kafka does, so a large batch cannot stall a consumer).
   */
  read(offset: number, maxBytes: number, limit?: number): ReadResult {
    this.checkOpen();
    return readBatches(this.segments, offset, maxBytes, this.highWatermark, limit);
  }

  /**
   * The first offset whose record timestamp is >= `timestamp` (ListOffsets by time),
   * or undefined when every record is older.
   */
  offsetForTimestamp(timestamp: number): number | undefined {
    return this.recordForTimestamp(timestamp)?.offset;
  }

  /** The first record with timestamp >= `timestamp`, with its timestamp. */
  recordForTimestamp(timestamp: number): OffsetAndTimestamp | undefined {
    this.checkOpen();
    return recordForTimestampIn(this.segments, timestamp, this.highWatermark);
  }

  /** The record with the largest timestamp (ListOffsets MAX_TIMESTAMP), the first if tied. */
  maxTimestampRecord(): OffsetAndTimestamp | undefined {
    this.checkOpen();
    return maxTimestampRecordIn(this.segments, this.highWatermark);
  }

  /**
   * Every offset below this is fdatasynced (conservative: the base of the oldest segment
   * with unsynced writes). The tier uploads only segments below it.
   */
  get flushedOffset(): number {
    let low = this.nextOffset;
    for (const s of this.dirty) low = Math.min(low, s.baseOffset);
    return low;
  }

  /** Segment bases and sizes, oldest first: what a read-only view opens. */
  segmentSizes(): Array<{ baseOffset: number; size: number }> {
    return this.segments.map((s) => ({ baseOffset: s.baseOffset, size: s.size }));
  }

  /** Closed (rolled) segments, oldest first: what the tier may upload. */
  closedSegments(): ClosedSegment[] {
    return closedSegmentsOf(this.segments, (s) => !this.dirty.has(s));
  }

  /** Every stored batch in offset order (views valid until the next step): for state rebuilds. */
  *batches(): Generator<Buffer> {
    for (const seg of this.segments) {
      // The caller runs between yields and may open other files: keep this one open.
      seg.pin();
      try {
        for (const b of walkBatches(seg.fd, 0, seg.size)) {
          if (!b.complete) break;
          yield b.bytes;
        }
      } finally {
        seg.unpin();
      }
    }
  }

  /**
   * Deletes whole segments older than retention.ms or beyond retention.bytes, oldest
   * first, never the active one or one not yet flushed. Returns the bytes removed.
   */
  applyRetention(now = this.now()): number {
    this.checkOpen();
    const { retentionMs, retentionBytes } = this.config;
    if (this.config.cleanupPolicy === 'compact') return 0; // compaction only: nothing expires
    let total = this.sizeBytes;
    let removed = 0;
    while (this.segments.length > 1) {
      const first = this.segments[0]!;
      const expired = retentionMs >= 0 && first.maxTimestamp >= 0 && now - first.maxTimestamp > retentionMs;
      const oversize = retentionBytes >= 0 && total - first.size >= retentionBytes;
      if ((!expired && !oversize) || this.dirty.has(first) || this.pendingClean.has(first.baseOffset)) break;
      this.segments.shift();
      first.delete();
      total -= first.size;
      removed += first.size;
      this.stats.segmentsDeletedByRetention++;
    }
    if (this.hw < this.logStartOffset) this.hw = this.logStartOffset;
    return removed;
  }

  /**
   * Deletes every whole segment that ends at or below `offset` (never the active one): how
   * an internal log drops what a newer snapshot made obsolete. Returns the bytes removed.
   */
  deleteSegmentsBelow(offset: number): number {
    this.checkOpen();
    let removed = 0;
    while (this.segments.length > 1 && this.segments[1]!.baseOffset <= offset && !this.dirty.has(this.segments[0]!) && !this.pendingClean.has(this.segments[0]!.baseOffset)) {
      const first = this.segments.shift()!;
      first.delete();
      removed += first.size;
    }
    if (this.hw < this.logStartOffset) this.hw = this.logStartOffset;
    return removed;
  }

  /**
   * Installs a cleaning pass's output (clean-pass.ts) if the segments it read are still
   * here as they were (retention or DeleteRecords may have removed some meanwhile);
   * otherwise throws its files away. The fsyncs run off the event loop; the switch of the
   * segment list and the renames happen in one synchronous step, so no read or append
   * sees a partial swap. Retention leaves the segments alone while an install is pending.
   * Resolves with whether it was installed.
   */
  async installCleaned(plan: CleanPlan): Promise<boolean> {
    this.checkUsable();
    if (plan.groups.length === 0) {
      // Nothing worth rewriting (every key unique so far): the dirty part is clean now.
      if (plan.cleanedUpTo > readCleanerCheckpoint(this.dir)) await writeCleanerCheckpointAsync(this.dir, plan.cleanedUpTo);
      return false;
    }
    const groups = plan.groups.map((g) => ({ base: g.base, replaced: g.replaced.map((r) => r.baseOffset), file: g.file }));
    if (this.pendingClean.size > 0 || !this.cleanedInputsUnchanged(plan)) {
      for (const g of groups) await unlink(join(this.dir, g.file)).catch(() => undefined);
      return false;
    }
    for (const g of groups) for (const b of g.replaced) this.pendingClean.add(b);
    try {
      await commitSwap(this.dir, groups, plan.cleanedUpTo);
      crashPoint('after-commit');
      if (this.closed || this.failure !== undefined) {
        await abandonSwap(this.dir, groups);
        return false;
      }
      for (const g of plan.groups) {
        const at = this.segments.findIndex((s) => s.baseOffset === g.base);
        const old = this.segments.splice(at, g.replaced.length);
        for (const s of old) s.close();
        swapGroupFiles(this.dir, { base: g.base, replaced: g.replaced.map((r) => r.baseOffset), file: g.file });
        const seg = Segment.open(this.dir, g.base, this.cfg.indexIntervalBytes);
        seg.adoptIndexSnapshot(Buffer.from(g.index, 'base64'));
        this.segments.splice(at, 0, seg);
        // Written off the event loop; until they are (or if a crash comes first) the next open rebuilds them.
        seg.writeIndexesAsync().catch((err: unknown) => this.logger.warn({ err, segment: seg.logPath }, 'could not write the index files of a cleaned segment (rebuilt at the next open)'));
      }
    } finally {
      this.pendingClean.clear();
    }
    await finishSwapAsync(this.dir, plan.cleanedUpTo);
    this.stats.cleanerSwaps++;
    return true;
  }

  /** Every segment a pass read is still here, closed, flushed and the size it was. */
  private cleanedInputsUnchanged(plan: CleanPlan): boolean {
    return plan.groups.every((g) => g.replaced.every((r) => {
      const i = this.segments.findIndex((s) => s.baseOffset === r.baseOffset);
      const seg = this.segments[i];
      return seg !== undefined && i < this.segments.length - 1 && seg.size === r.size && !this.dirty.has(seg);
    }));
  }

  /** Makes everything written so far durable, whatever the policy. */
  async flush(): Promise<void> {
    this.checkOpen();
    await this.sealChain;
    if (this.dirty.size > 0 || this.dirDirty) await this.commit.flushNow();
  }

  /** Flushes, writes the indexes and leaves the clean-shutdown marker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stopTimer();
    let clean = this.failure === undefined;
    try {
      await this.flush();
      this.active.writeIndexes();
    } catch (err) {
      clean = false;
      this.logger.error({ err, dir: this.dir }, 'close could not flush; the next open will recover');
    }
    this.closed = true;
    for (const s of this.segments) s.close();
    if (clean) writeFileAtomic(this.dir, CLEAN_SHUTDOWN_FILE, '');
  }

  /**
   * Closes a log just opened (recovered) and not written since, synchronously: how the
   * main thread hands a recovered log to its writer thread clean.
   */
  closeFresh(): void {
    if (this.dirty.size > 0 || this.dirDirty) throw new StrataError('STRATA_LOG_FAILED', `log ${this.dir} has unflushed writes`);
    this.stopTimer();
    this.active.writeIndexes();
    this.closed = true;
    for (const s of this.segments) s.close();
    writeFileAtomic(this.dir, CLEAN_SHUTDOWN_FILE, '');
  }

  /**
   * Removes a log just created and never written, synchronously: how a failed topic
   * creation gives back its file descriptors and directories before it answers.
   */
  discardFresh(): void {
    this.stopTimer();
    this.closed = true;
    for (const s of this.segments) s.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Removes the log and its directory. */
  async delete(): Promise<void> {
    this.stopTimer();
    await this.sealChain.catch(() => undefined);
    if (!this.closed) {
      this.closed = true;
      for (const s of this.segments) s.close();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private stopTimer(): void {
    if (this.intervalTimer !== undefined) clearInterval(this.intervalTimer);
    this.intervalTimer = undefined;
  }

  private checkOpen(): void {
    if (this.closed) throw new StrataError('STRATA_LOG_CLOSED', `log ${this.dir} is closed`);
  }
}

