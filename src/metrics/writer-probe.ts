// Log writer threads and their rings: occupancy, queue depth, utilisation, restarts
// (read at scrape time from the shared counters; nothing is added on the hot path).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PoolStats } from '../pool/cpu-pool.js';

export interface WriterView {
  writer: number;
  requestRingUsed: number;
  completionRingUsed: number;
  ringCapacity: number;
  queueDepth: number;
  busySeconds: number;
  partitions: number;
}

export class WriterProbe {
  private readonly restarts: Counter<'writer' | 'reason'>;
  private readonly threads: Gauge;
  private writers: () => WriterView[] = () => [];
  private pool: () => PoolStats = () => ({ threads: 0, queueSize: 0, utilization: 0, completed: 0 });

  constructor(registry: Registry) {
    const registers = [registry];
    const self = this;
    this.threads = new Gauge({ name: 'strata_log_writers', help: 'Log writer threads (0: --inline, every log on the main thread)', registers });
    new Gauge({
      name: 'strata_ring_used_bytes', help: 'Bytes waiting in a log writer ring (requests: main to writer; completions: writer to main)',
      labelNames: ['writer', 'ring'], registers,
      collect() {
        this.reset();
        for (const w of self.writers()) {
          this.set({ writer: String(w.writer), ring: 'requests' }, w.requestRingUsed);
          this.set({ writer: String(w.writer), ring: 'completions' }, w.completionRingUsed);
        }
      },
    });
    new Gauge({
      name: 'strata_ring_capacity_bytes', help: 'Size of each log writer ring', labelNames: ['writer', 'ring'], registers,
      collect() {
        this.reset();
        for (const w of self.writers()) {
          this.set({ writer: String(w.writer), ring: 'requests' }, w.ringCapacity);
          this.set({ writer: String(w.writer), ring: 'completions' }, w.ringCapacity);
        }
      },
    });
    new Gauge({
      name: 'strata_log_writer_queue_depth', help: 'Requests sent to a log writer and not answered yet', labelNames: ['writer'], registers,
      collect() {
        this.reset();
        for (const w of self.writers()) this.set({ writer: String(w.writer) }, w.queueDepth);
      },
    });
    new Counter({
      name: 'strata_log_writer_busy_seconds_total', help: 'Time a log writer spent handling requests (its rate is the utilisation, 0 to 1)', labelNames: ['writer'], registers,
      collect() {
        this.reset();
        for (const w of self.writers()) this.inc({ writer: String(w.writer) }, w.busySeconds);
      },
    });
    new Gauge({
      name: 'strata_log_writer_partitions', help: 'Partitions owned by each log writer', labelNames: ['writer'], registers,
      collect() {
        this.reset();
        for (const w of self.writers()) this.set({ writer: String(w.writer) }, w.partitions);
      },
    });
    const poolGauge = (name: string, help: string, pick: (s: PoolStats) => number): void => {
      new Gauge({ name, help, registers, collect() { this.set(pick(self.pool())); } });
    };
    poolGauge('strata_cpu_pool_threads', 'Threads of the CPU pool (0: --inline, the work runs on the main thread)', (s) => s.threads);
    poolGauge('strata_cpu_pool_queue_depth', 'Tasks waiting for a CPU pool thread', (s) => s.queueSize);
    poolGauge('strata_cpu_pool_utilization_ratio', 'Share of the CPU pool capacity spent running tasks since start (0 to 1)', (s) => s.utilization);
    new Counter({ name: 'strata_cpu_pool_tasks_total', help: 'Tasks the CPU pool finished (recompressions, segment hashes)', registers, collect() { this.reset(); this.inc(self.pool().completed); } });
    this.restarts = new Counter({ name: 'strata_log_writer_restarts_total', help: 'Log writer threads replaced after a crash or hang', labelNames: ['writer', 'reason'], registers });
  }

  /** The CPU pool (Piscina): queue depth, utilisation, threads, tasks done. */
  watchPool(stats: () => PoolStats): void {
    this.pool = stats;
  }

  watch(count: number, writers: () => WriterView[]): void {
    this.threads.set(count);
    this.writers = writers;
  }

  restarted(writer: number, reason: string): void {
    this.restarts.inc({ writer: String(writer), reason });
  }
}
