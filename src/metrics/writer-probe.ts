// Log writer threads and their rings: occupancy, queue depth, utilisation, restarts
// (read at scrape time from the shared counters; nothing is added on the hot path).
import { Counter, Gauge, type Registry } from 'prom-client';

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
    this.restarts = new Counter({ name: 'strata_log_writer_restarts_total', help: 'Log writer threads replaced after a crash or hang', labelNames: ['writer', 'reason'], registers });
  }

  watch(count: number, writers: () => WriterView[]): void {
    this.threads.set(count);
    this.writers = writers;
  }

  restarted(writer: number, reason: string): void {
    this.restarts.inc({ writer: String(writer), reason });
  }
}
