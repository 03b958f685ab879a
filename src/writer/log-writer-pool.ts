// The log writer threads and which partitions each owns. A partition is assigned to the
// writer with the fewest partitions when it is opened and stays there; exactly one thread
// ever writes a partition's files.
import { availableParallelism } from 'node:os';
import type { Logger } from '../logger.js';
import type { PartitionBackend } from '../broker/partition.js';
import { resolveLogConfig, type LogConfig } from '../config/log-config.js';
import { LogView } from '../storage/log-view.js';
import { PartitionLog } from '../storage/partition-log.js';
import type { RecoveryReport } from '../storage/recovery.js';
import { LogWriterThread } from './log-writer-thread.js';
import { ThreadedBackend, type IndexRebuilder } from './threaded-backend.js';

/** Spin windows can be tuned for measurements (docs/perf.md); the defaults are what was measured best. */
function spinFromEnv(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v >= 0 ? v : fallback;
}

export interface WriterPoolOptions {
  writers: number;
  ringBytes: number;
  hangTimeoutMs: number;
  logLevel: string;
  logger: Logger;
  onFsync: (seconds: number) => void;
  onRestart: (writer: number, reason: string) => void;
  /** Index rebuilds for the views of recovered logs (the CPU pool). */
  rebuildIndexes: IndexRebuilder;
}

export class LogWriterPool {
  readonly threads: LogWriterThread[];
  private nextSlot = 1;

  constructor(private readonly opts: WriterPoolOptions) {
    // Spinning only pays when the waiting thread has a core of its own: one each for the
    // main thread and every writer. On 2 cores with 1 writer the spin took CPU the main
    // thread and clients needed (measured: 15.3k / 14.1k single-record requests/s with a
    // 50 µs spin against 17.6k / 18.9k without; docs/perf.md).
    const spare = availableParallelism() > opts.writers + 1;
    this.threads = Array.from({ length: opts.writers }, (_, id) => new LogWriterThread({
      id, ringBytes: opts.ringBytes, hangTimeoutMs: opts.hangTimeoutMs, logLevel: opts.logLevel, logger: opts.logger,
      writerSpinMicros: spinFromEnv('STRATA_WRITER_SPIN_MICROS', spare ? 50 : 0), mainSpinMicros: spinFromEnv('STRATA_MAIN_SPIN_MICROS', 0),
      onFsync: opts.onFsync, onRestart: (reason) => opts.onRestart(id, reason),
    }));
  }

  /**
   * Recovers the log here (so a broker is ready only once its logs are), hands it over
   * clean to the least-loaded writer, and returns the partition's backend.
   */
  open(dir: string, config: Partial<LogConfig>, onRecovered: (r: RecoveryReport) => void): PartitionBackend {
    const log = PartitionLog.open(dir, config, { logger: this.opts.logger });
    onRecovered(log.recovery);
    const sizes = log.segmentSizes();
    const state = { highWatermark: log.highWatermark, logStartOffset: log.logStartOffset, flushedOffset: log.flushedOffset };
    log.closeFresh();
    const view = LogView.open(dir, sizes, log.config.indexIntervalBytes, state);
    // The writer with the fewest open partitions (deleted topics free their places).
    let w = 0;
    for (let i = 1; i < this.threads.length; i++) if (this.threads[i]!.clients.size < this.threads[w]!.clients.size) w = i;
    return new ThreadedBackend(this.threads[w]!, this.nextSlot++, dir, resolveLogConfig(config), view, onRecovered, this.opts.rebuildIndexes);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.stop()));
  }
}
