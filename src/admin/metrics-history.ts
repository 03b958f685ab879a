// The console's view of the broker's own metrics: a sample every few seconds, kept for the
// last ten minutes, turned into rates (bytes in and out, requests), latency quantiles from
// the histogram buckets' deltas, and the alerts of deploy/prometheus/alerts.yml that one
// broker can evaluate on itself. Prometheus remains the place for long history.
import type { MetricSample, MetricSamples } from '../services/metrics.js';

export interface MetricsPoint {
  /** Unix ms. */
  t: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
  recordsInPerSec: number;
  requestsPerSec: number;
  /** 99th percentile over the interval, ms (null: no such request in it). */
  produceP99Ms: number | null;
  fetchP99Ms: number | null;
  connections: number;
}

export interface FiringAlert {
  name: string;
  severity: 'critical' | 'warning';
  summary: string;
}

interface Totals {
  t: number;
  bytesIn: number;
  bytesOut: number;
  recordsIn: number;
  requests: number;
  buckets: Map<string, Map<number, number>>;
  storageErrors: number;
  malformed: number;
  writerRestarts: number;
  truncatedBytes: number;
}

const sum = (m: MetricSample | undefined, filter: (labels: Record<string, string | number>) => boolean = () => true): number =>
  (m?.values ?? []).filter((v) => filter(v.labels)).reduce((n, v) => n + v.value, 0);

/** Cumulative bucket counts of a latency histogram for one API: upper bound (s) → count. */
function bucketsOf(m: MetricSample | undefined, api: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const v of m?.values ?? []) {
    if (v.metricName?.endsWith('_bucket') !== true || v.labels.api !== api) continue;
    const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
    out.set(le, (out.get(le) ?? 0) + v.value);
  }
  return out;
}

/** The bound under which `q` of the requests between two cumulative bucket sets fell, in ms. */
export function quantileMs(before: Map<number, number> | undefined, after: Map<number, number>, q: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = bounds.map((b) => (after.get(b) ?? 0) - (before?.get(b) ?? 0));
  const total = delta[delta.length - 1] ?? 0;
  if (total <= 0) return null;
  const i = delta.findIndex((c) => c >= q * total);
  const bound = bounds[i] ?? Infinity;
  return Number.isFinite(bound) ? bound * 1000 : (bounds[bounds.length - 2] ?? 0) * 1000;
}

export class MetricsHistory {
  private readonly points: MetricsPoint[] = [];
  private last: Totals | undefined;
  private latest: MetricSample[] = [];
  private firstTotals: Totals | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly source: MetricSamples, private readonly intervalMs = 5000, private readonly keep = 120) {}

  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  /** Takes a sample now (also what the interval does). */
  async tick(now = Date.now()): Promise<void> {
    let samples: MetricSample[];
    try {
      samples = await this.source.sample();
    } catch {
      return;
    }
    const by = new Map(samples.map((m) => [m.name, m]));
    const latency = by.get('strata_request_duration_seconds');
    const totals: Totals = {
      t: now,
      bytesIn: sum(by.get('strata_produced_bytes_total')),
      bytesOut: sum(by.get('strata_fetched_bytes_total')),
      recordsIn: sum(by.get('strata_produced_records_total')),
      requests: sum(by.get('strata_requests_total')),
      buckets: new Map([['Produce', bucketsOf(latency, 'Produce')], ['Fetch', bucketsOf(latency, 'Fetch')]]),
      storageErrors: sum(by.get('strata_produce_errors_total'), (l) => l.error === 'KAFKA_STORAGE_ERROR'),
      malformed: sum(by.get('strata_malformed_requests_total')),
      writerRestarts: sum(by.get('strata_log_writer_restarts_total')),
      truncatedBytes: sum(by.get('strata_log_recovery_truncated_bytes_total')),
    };
    const prev = this.last;
    if (prev !== undefined && now > prev.t) {
      const s = (now - prev.t) / 1000;
      this.points.push({
        t: now,
        bytesInPerSec: Math.max(0, totals.bytesIn - prev.bytesIn) / s,
        bytesOutPerSec: Math.max(0, totals.bytesOut - prev.bytesOut) / s,
        recordsInPerSec: Math.max(0, totals.recordsIn - prev.recordsIn) / s,
        requestsPerSec: Math.max(0, totals.requests - prev.requests) / s,
        produceP99Ms: quantileMs(prev.buckets.get('Produce'), totals.buckets.get('Produce')!, 0.99),
        fetchP99Ms: quantileMs(prev.buckets.get('Fetch'), totals.buckets.get('Fetch')!, 0.99),
        connections: sum(by.get('strata_connections')),
      });
      if (this.points.length > this.keep) this.points.splice(0, this.points.length - this.keep);
    }
    this.firstTotals ??= totals;
    this.last = totals;
    this.latest = samples;
  }

  history(): MetricsPoint[] {
    return [...this.points];
  }

  /** A gauge's value from the latest sample (summed over labels matching `filter`). */
  gauge(name: string, filter?: (labels: Record<string, string | number>) => boolean): number | undefined {
    const m = this.latest.find((x) => x.name === name);
    return m === undefined ? undefined : sum(m, filter);
  }

  /** The alerts of deploy/prometheus/alerts.yml this broker can evaluate on its own samples. */
  alerts(): FiringAlert[] {
    const out: FiringAlert[] = [];
    const free = this.gauge('strata_data_dir_free_bytes');
    const capacity = this.gauge('strata_data_dir_capacity_bytes');
    if (free !== undefined && capacity !== undefined && capacity > 0 && free / capacity < 0.1) {
      out.push({ name: 'StrataDiskPressure', severity: 'critical', summary: `data directory ${((100 * free) / capacity).toFixed(1)}% free` });
    }
    if (this.gauge('strata_tier_breaker_state', (l) => l.state === 'open') === 1) out.push({ name: 'StrataTierBreakerOpen', severity: 'warning', summary: 'the object store circuit breaker is open: tiering and remote reads are paused' });
    if (this.gauge('strata_native_addon', (l) => l.mode === 'fallback') === 1) out.push({ name: 'StrataNativeAddonMissing', severity: 'warning', summary: 'hot paths run on the TypeScript fallback' });
    const lags = this.latest.find((x) => x.name === 'strata_consumer_group_total_lag')?.values ?? [];
    for (const v of lags) if (v.value > 100_000) out.push({ name: 'StrataConsumerLagHigh', severity: 'warning', summary: `group ${String(v.labels.group)} is ${v.value} records behind` });
    const first = this.firstTotals;
    const last = this.last;
    if (first !== undefined && last !== undefined) {
      if (last.storageErrors > first.storageErrors) out.push({ name: 'StrataStorageErrors', severity: 'critical', summary: `${last.storageErrors - first.storageErrors} produce(s) failed with KAFKA_STORAGE_ERROR since the console started watching` });
      if (last.writerRestarts > first.writerRestarts) out.push({ name: 'StrataLogWriterRestarted', severity: 'warning', summary: 'a log writer thread restarted' });
      // As the Prometheus rule (increase over 1h): recovery happens at start, so for the first hour.
      if (last.truncatedBytes > 0 && process.uptime() < 3600) out.push({ name: 'StrataLogRecoveryCutData', severity: 'warning', summary: `recovery cut ${last.truncatedBytes} bytes of torn or corrupt log tail at start` });
    }
    const recent = this.points.slice(-60);
    const p99 = recent.map((p) => p.produceP99Ms).filter((x): x is number => x !== null);
    if (p99.length > 0 && Math.max(...p99) > 500) out.push({ name: 'StrataProduceLatencyHigh', severity: 'warning', summary: `produce p99 reached ${Math.max(...p99).toFixed(0)} ms in the last 5 minutes` });
    return out;
  }
}
