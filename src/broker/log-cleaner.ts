// The log cleaner: every `logCleanerBackoffMs`, the compacted partition with the dirtiest
// closed segments (the uncleaned share at least min.cleanable.dirty.ratio, or records
// older than max.compaction.lag.ms waiting) gets one cleaning pass. The pass runs off the
// request path (the CPU pool in threaded mode; slices on the main thread in --inline
// mode, clean-pass.ts) and the partition's owner installs it (cleaner-swap.ts). One pass
// at a time: cleaning is background work with an I/O budget, not a race.
import { isCompacted } from '../config/log-config.js';
import type { Logger } from '../logger.js';
import type { CleanerProbe } from '../metrics/cleaner-probe.js';
import type { CleanPassInput, CleanPlan, CleanerSegment } from '../storage/cleaner/clean-pass.js';
import { readCleanerCheckpoint } from '../storage/cleaner/cleaner-swap.js';
import type { PartitionBackend } from './partition.js';
import type { PartitionLog } from '../storage/partition-log.js';

export interface CleanablePartition {
  topic: string;
  index: number;
  backend: Pick<PartitionBackend, 'log' | 'config' | 'installCleaned' | 'lastStableOffset' | 'abortedBetween'>;
}

/**
 * One of the broker's internal logs (`<name>-0`: the offsets log, the transaction state log)
 * as the cleaner sees it: no transactions of its own, so all of it is stable.
 */
export function internalLogCleanable(dirName: string, log: PartitionLog): CleanablePartition {
  return {
    topic: dirName.replace(/-0$/, ''),
    index: 0,
    backend: {
      log, get config() { return log.config; }, get lastStableOffset() { return log.highWatermark; }, abortedBetween: () => [], installCleaned: (plan) => log.installCleaned(plan),
    },
  };
}

export interface LogCleanerOptions {
  backoffMs: number;
  ioBytesPerSecond: number;
  maxKeys: number;
  /** Runs a pass (CpuPool.cleanPass). */
  runPass: (input: CleanPassInput) => Promise<CleanPlan>;
  now?: () => number;
}

/** What the cleaner knows of a partition before choosing it. */
export interface Dirtiness {
  segments: CleanerSegment[];
  firstDirty: number;
  dirtyBytes: number;
  totalBytes: number;
  ratio: number;
  /** Records older than max.compaction.lag.ms wait in the dirty part. */
  overdue: boolean;
}

/** The closed, flushed segments of a partition and how much of them is dirty. */
export function dirtinessOf(p: CleanablePartition, now: number): Dirtiness {
  const closed = p.backend.log.closedSegments();
  const flushedCount = closed.findIndex((s) => !s.flushed);
  // Flushed, and wholly below the last stable offset (an undecided transaction is not cleaned yet).
  const lso = p.backend.lastStableOffset;
  const flushed = flushedCount < 0 ? closed : closed.slice(0, flushedCount);
  const stableCount = flushed.findIndex((s) => s.nextBase > lso);
  const usable = stableCount < 0 ? flushed : flushed.slice(0, stableCount);
  const segments = usable.map((s) => ({ baseOffset: s.baseOffset, size: s.size, maxTimestamp: s.maxTimestamp, nextBase: s.nextBase }));
  const firstDirty = Math.max(readCleanerCheckpoint(p.backend.log.dir), segments[0]?.baseOffset ?? 0);
  let dirtyBytes = 0;
  let totalBytes = 0;
  let overdue = false;
  const { maxCompactionLagMs } = p.backend.config;
  for (const s of segments) {
    totalBytes += s.size;
    if (s.nextBase <= firstDirty) continue;
    dirtyBytes += s.size;
    // A segment's oldest record is at most its max timestamp: waiting past the lag by that measure is overdue.
    if (s.maxTimestamp >= 0 && now - s.maxTimestamp > maxCompactionLagMs) overdue = true;
  }
  return { segments, firstDirty, dirtyBytes, totalBytes, ratio: totalBytes === 0 ? 0 : dirtyBytes / totalBytes, overdue };
}

export class LogCleaner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly now: () => number;

  constructor(
    private readonly partitions: () => CleanablePartition[],
    private readonly options: LogCleanerOptions,
    private readonly probe: CleanerProbe,
    private readonly logger: Logger,
  ) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.options.backoffMs);
    this.timer.unref();
  }

  /** One round: cleans the dirtiest eligible partition, if any. Resolves with whether a pass was installed. */
  runOnce(): Promise<boolean> {
    if (this.running !== undefined || this.stopped) return Promise.resolve(false);
    let installed = false;
    this.running = this.round()
      .then((done) => {
        installed = done;
      })
      .catch((err: unknown) => {
        this.probe.failed();
        this.logger.error({ err }, 'log cleaner pass failed; the log is left as it was');
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running.then(() => installed);
  }

  private async round(): Promise<boolean> {
    const now = this.now();
    let best: { p: CleanablePartition; d: Dirtiness } | undefined;
    for (const p of this.partitions()) {
      if (!isCompacted(p.backend.config)) continue;
      const d = dirtinessOf(p, now);
      this.probe.dirtyRatio(p.topic, p.index, d.ratio);
      if (d.dirtyBytes === 0) continue;
      if (d.ratio < p.backend.config.minCleanableDirtyRatio && !d.overdue) continue;
      if (best === undefined || d.ratio > best.d.ratio) best = { p, d };
    }
    if (best === undefined) return false;
    return this.clean(best.p, best.d, now);
  }

  /** Cleans one partition now (tests, the admin API), whatever its dirty ratio. */
  async cleanNow(p: CleanablePartition): Promise<boolean> {
    await this.running;
    const now = this.now();
    return this.clean(p, dirtinessOf(p, now), now);
  }

  private async clean(p: CleanablePartition, d: Dirtiness, now: number): Promise<boolean> {
    if (d.segments.length === 0) return false;
    const c = p.backend.config;
    const started = performance.now();
    const plan = await this.options.runPass({
      dir: p.backend.log.dir, segments: d.segments, firstDirty: d.firstDirty, now,
      segmentBytes: c.segmentBytes, deleteRetentionMs: c.deleteRetentionMs, minCompactionLagMs: c.minCompactionLagMs,
      maxRecordsBytes: Math.max(c.maxBatchBytes, 1 << 20) * 4, maxKeys: this.options.maxKeys, ioBytesPerSecond: this.options.ioBytesPerSecond,
      indexIntervalBytes: c.indexIntervalBytes, aborted: p.backend.abortedBetween(d.segments[0]!.baseOffset, d.segments.at(-1)!.nextBase),
    });
    const installed = plan.cleanedUpTo > d.firstDirty && await p.backend.installCleaned(plan);
    const seconds = (performance.now() - started) / 1000;
    this.probe.pass({ bytesRead: plan.bytesRead, bytesWritten: plan.bytesWritten, recordsRemoved: plan.recordsRemoved, seconds, installed });
    if (installed) {
      this.logger.info({ topic: p.topic, partition: p.index, groups: plan.groups.length, bytesCleaned: plan.bytesCleaned, bytesRead: plan.bytesRead, bytesWritten: plan.bytesWritten, recordsRemoved: plan.recordsRemoved, cleanedUpTo: plan.cleanedUpTo, seconds }, 'log cleaned');
    }
    return installed;
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
  }
}
