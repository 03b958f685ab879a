// The log cleaner (compacted topics): passes, bytes read and written, records removed, and
// each compacted partition's dirty ratio (the share of its closed segments not yet cleaned).
import { Counter, Gauge, type Registry } from 'prom-client';

export interface CleanerPassReport {
  bytesRead: number;
  bytesWritten: number;
  recordsRemoved: number;
  seconds: number;
  installed: boolean;
}

export class CleanerProbe {
  private readonly passes: Counter<'result'>;
  private readonly read: Counter;
  private readonly written: Counter;
  private readonly removed: Counter;
  private readonly seconds: Counter;
  private readonly failures: Counter;
  private readonly dirty: Gauge<'topic' | 'partition'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.passes = new Counter({ name: 'strata_log_cleaner_runs_total', help: 'Log cleaner passes by result: installed, discarded (the segments changed meanwhile) or nothing to clean', labelNames: ['result'], registers });
    this.read = new Counter({ name: 'strata_log_cleaner_read_bytes_total', help: 'Bytes of segments the log cleaner read', registers });
    this.written = new Counter({ name: 'strata_log_cleaner_written_bytes_total', help: 'Bytes of cleaned segments the log cleaner wrote', registers });
    this.removed = new Counter({ name: 'strata_log_cleaner_removed_records_total', help: 'Records the log cleaner removed (superseded values and expired tombstones)', registers });
    this.seconds = new Counter({ name: 'strata_log_cleaner_seconds_total', help: 'Wall time spent in log cleaner passes', registers });
    this.failures = new Counter({ name: 'strata_log_cleaner_failures_total', help: 'Log cleaner passes that failed (the log is left as it was)', registers });
    this.dirty = new Gauge({ name: 'strata_log_cleaner_dirty_ratio', help: 'Share of a compacted partition\'s closed segments not yet cleaned (cleaned when it reaches min.cleanable.dirty.ratio)', labelNames: ['topic', 'partition'], registers });
  }

  pass(r: CleanerPassReport): void {
    this.passes.inc({ result: r.installed ? 'installed' : r.bytesWritten === 0 && r.recordsRemoved === 0 ? 'nothing' : 'discarded' });
    this.read.inc(r.bytesRead);
    this.written.inc(r.bytesWritten);
    if (r.installed) this.removed.inc(r.recordsRemoved);
    this.seconds.inc(r.seconds);
  }

  failed(): void {
    this.failures.inc();
  }

  dirtyRatio(topic: string, partition: number, ratio: number): void {
    this.dirty.set({ topic, partition: String(partition) }, ratio);
  }

  forget(topic: string, partition: number): void {
    this.dirty.remove({ topic, partition: String(partition) });
  }
}
