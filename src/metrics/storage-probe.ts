// Partition logs: offsets and sizes (read at scrape time), fsync latency, recovery.
import { statfsSync } from 'node:fs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RecoveryReport } from '../storage/recovery.js';
import { ioMode } from '../native/durable-append.js';
import { fdCache } from '../storage/fd-cache.js';

export interface LogView {
  topic: string;
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  sizeBytes: number;
  segments: number;
}

const FSYNC_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

export class StorageProbe {
  private readonly fsync: Histogram;
  private readonly recoveries: Counter<'clean'>;
  private readonly openFailures: Counter;
  private readonly truncatedBytes: Counter;
  private readonly truncatedBatches: Counter;
  private readonly rebuilt: Counter;
  private readonly ioMode: Gauge<'mode'>;
  private readonly nativeMode: Gauge<'mode'>;
  private logs: () => LogView[] = () => [];

  constructor(registry: Registry) {
    const registers = [registry];
    const self = this;
    const perLog = (name: string, help: string, pick: (v: LogView) => number): void => {
      new Gauge({
        name, help, labelNames: ['topic', 'partition'], registers,
        collect() {
          this.reset();
          for (const v of self.logs()) this.set({ topic: v.topic, partition: String(v.partition) }, pick(v));
        },
      });
    };
    perLog('strata_log_start_offset', 'First offset still stored, per partition', (v) => v.logStartOffset);
    perLog('strata_log_end_offset', 'Offset the next record will get, per partition', (v) => v.logEndOffset);
    perLog('strata_log_high_watermark', 'Offset below which consumers can read, per partition', (v) => v.highWatermark);
    perLog('strata_log_size_bytes', 'Bytes of record batches stored, per partition', (v) => v.sizeBytes);
    perLog('strata_log_segments', 'Segment files, per partition', (v) => v.segments);
    this.fsync = new Histogram({ name: 'strata_fsync_duration_seconds', help: 'fdatasync rounds of partition logs (one round covers every dirty segment)', buckets: FSYNC_BUCKETS, registers });
    new Gauge({
      name: 'strata_open_segment_files', help: 'Segment files the main thread holds open (the descriptor cache; each log writer thread keeps its own)', registers,
      collect() {
        this.set(fdCache.openCount);
      },
    });
    new Gauge({
      name: 'strata_segment_file_budget', help: 'How many segment files the main thread may hold open before closing the least recently used (shrinks after running out of descriptors)', registers,
      collect() {
        this.set(fdCache.budget);
      },
    });
    new Counter({
      name: 'strata_segment_file_evictions_total', help: 'Segment files closed by the descriptor cache to stay within its budget', registers,
      collect() {
        this.reset();
        this.inc(fdCache.evictions);
      },
    });
    new Counter({
      name: 'strata_fd_exhaustions_total', help: 'Times opening a segment file found the process out of descriptors (the cache shrank and the open was retried)', registers,
      collect() {
        this.reset();
        this.inc(fdCache.exhaustions);
      },
    });
    this.openFailures = new Counter({ name: 'strata_partition_open_failures_total', help: 'Topic creations or partition additions that could not open their logs (out of file descriptors, disk) and were rolled back', registers });
    this.recoveries = new Counter({ name: 'strata_log_recoveries_total', help: 'Partition logs opened, by whether the last shutdown was clean', labelNames: ['clean'], registers });
    this.truncatedBytes = new Counter({ name: 'strata_log_recovery_truncated_bytes_total', help: 'Bytes cut from logs at recovery (torn tails, corruption)', registers });
    this.truncatedBatches = new Counter({ name: 'strata_log_recovery_truncated_batches_total', help: 'Whole batches cut from logs at recovery', registers });
    this.rebuilt = new Counter({ name: 'strata_log_indexes_rebuilt_total', help: 'Segment indexes rebuilt at open', registers });
    this.ioMode = new Gauge({ name: 'strata_io_mode', help: 'How partition logs fdatasync (1 for the mode in use): uring = one io_uring submission for every dirty file, pwrite = the addon, one file after another, fs = Node fs', labelNames: ['mode'], registers });
    this.nativeMode = new Gauge({ name: 'strata_native_addon', help: 'Hot-path implementation in use (1): native addon or TypeScript fallback', labelNames: ['mode'], registers });
    this.ioMode.set({ mode: ioMode }, 1);
  }

  /** Free and total bytes of the file system holding the data directory (disk pressure). */
  watchDataDir(dir: string, registry: Registry): void {
    const fs = (): { free: number; total: number } | undefined => {
      try {
        const s = statfsSync(dir);
        return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
      } catch {
        return undefined;
      }
    };
    new Gauge({ name: 'strata_data_dir_free_bytes', help: 'Bytes available to the broker on the data directory file system', registers: [registry], collect() { const v = fs(); if (v) this.set(v.free); } });
    new Gauge({ name: 'strata_data_dir_capacity_bytes', help: 'Size of the data directory file system', registers: [registry], collect() { const v = fs(); if (v) this.set(v.total); } });
  }

  /** Where the per-partition gauges read from at scrape time. */
  watch(logs: () => LogView[]): void {
    this.logs = logs;
  }

  observeFsync(seconds: number): void {
    this.fsync.observe(seconds);
  }

  partitionOpenFailed(): void {
    this.openFailures.inc();
  }

  recovered(r: RecoveryReport): void {
    this.recoveries.inc({ clean: String(r.clean) });
    this.truncatedBytes.inc(r.truncatedBytes);
    this.truncatedBatches.inc(r.truncatedBatches);
    this.rebuilt.inc(r.indexesRebuilt);
  }

  native(mode: 'native' | 'fallback'): void {
    this.nativeMode.set({ mode }, 1);
  }
}
