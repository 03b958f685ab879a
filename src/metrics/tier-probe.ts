// The S3 tier: uploads, bytes, errors, throttle decisions, current rates, breaker state,
// backlog, remote reads and cache hits.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ThrottleEvent } from '../tier/throttled-object-store.js';

interface TierView {
  backlogBytes: number;
  cacheHits: number;
  cacheMisses: number;
  cacheBytes: number;
}

export class TierProbe {
  private readonly segmentsUploaded: Counter;
  private readonly bytesUploaded: Counter;
  private readonly uploadFailures: Counter;
  private readonly localDeletedBytes: Counter;
  private readonly remoteDeletedBytes: Counter;
  private readonly requests: Counter<'op' | 'outcome'>;
  private readonly latency: Histogram<'op'>;
  private readonly retries: Counter<'op'>;
  private readonly rejected: Counter<'op'>;
  private readonly rate: Gauge<'op'>;
  private readonly breaker: Gauge<'state'>;
  private readonly remoteReadBytes: Counter;
  private view: () => TierView = () => ({ backlogBytes: 0, cacheHits: 0, cacheMisses: 0, cacheBytes: 0 });

  constructor(registry: Registry) {
    const registers = [registry];
    const self = this;
    this.segmentsUploaded = new Counter({ name: 'strata_tier_segments_uploaded_total', help: 'Segments uploaded and confirmed in the object store', registers });
    this.bytesUploaded = new Counter({ name: 'strata_tier_uploaded_bytes_total', help: 'Segment bytes uploaded and confirmed', registers });
    this.uploadFailures = new Counter({ name: 'strata_tier_upload_failures_total', help: 'Upload cycles of a partition that failed (retried next cycle)', registers });
    this.localDeletedBytes = new Counter({ name: 'strata_tier_local_deleted_bytes_total', help: 'Local segment bytes deleted after upload (local retention)', registers });
    this.remoteDeletedBytes = new Counter({ name: 'strata_tier_remote_deleted_bytes_total', help: 'Remote segment bytes deleted by total retention', registers });
    this.requests = new Counter({ name: 'strata_tier_requests_total', help: 'Object store requests by operation and outcome (ok, throttled, error, not_found)', labelNames: ['op', 'outcome'], registers });
    this.latency = new Histogram({ name: 'strata_tier_request_duration_seconds', help: 'Successful object store requests', labelNames: ['op'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers });
    this.retries = new Counter({ name: 'strata_tier_retries_total', help: 'Object store requests retried after a backoff', labelNames: ['op'], registers });
    this.rejected = new Counter({ name: 'strata_tier_rejected_total', help: 'Requests refused at once because the circuit breaker is open', labelNames: ['op'], registers });
    this.rate = new Gauge({ name: 'strata_tier_rate_limit', help: 'Current allowed requests per second, by operation (adaptive)', labelNames: ['op'], registers });
    this.breaker = new Gauge({ name: 'strata_tier_breaker_state', help: 'Circuit breaker state (1 for the current one)', labelNames: ['state'], registers });
    this.remoteReadBytes = new Counter({ name: 'strata_tier_remote_read_bytes_total', help: 'Bytes served to fetches from the object store', registers });
    new Gauge({ name: 'strata_tier_backlog_bytes', help: 'Closed local segment bytes not uploaded yet', registers, collect() { this.set(self.view().backlogBytes); } });
    new Gauge({ name: 'strata_tier_cache_bytes', help: 'Bytes held by the remote-read cache', registers, collect() { this.set(self.view().cacheBytes); } });
    new Gauge({ name: 'strata_tier_cache_hits', help: 'Remote-read cache hits since start', registers, collect() { this.set(self.view().cacheHits); } });
    new Gauge({ name: 'strata_tier_cache_misses', help: 'Remote-read cache misses since start', registers, collect() { this.set(self.view().cacheMisses); } });
    for (const s of ['closed', 'open', 'half-open']) this.breaker.set({ state: s }, s === 'closed' ? 1 : 0);
  }

  watch(view: () => TierView): void {
    this.view = view;
  }

  event(e: ThrottleEvent): void {
    switch (e.kind) {
      case 'success':
        this.requests.inc({ op: e.op, outcome: 'ok' });
        this.latency.observe({ op: e.op }, e.seconds);
        break;
      case 'error':
        this.requests.inc({ op: e.op, outcome: e.error === 'not-found' ? 'not_found' : e.error });
        break;
      case 'retry':
        this.retries.inc({ op: e.op });
        break;
      case 'rejected':
        this.rejected.inc({ op: e.op });
        break;
      case 'rate':
        this.rate.set({ op: e.op }, e.rate);
        break;
      case 'breaker':
        for (const s of ['closed', 'open', 'half-open']) this.breaker.set({ state: s }, s === e.state ? 1 : 0);
        break;
    }
  }

  initialRates(rates: Record<string, number>): void {
    for (const [op, r] of Object.entries(rates)) this.rate.set({ op }, r);
  }

  uploaded(segments: number, bytes: number): void {
    this.segmentsUploaded.inc(segments);
    this.bytesUploaded.inc(bytes);
  }

  uploadFailed(): void {
    this.uploadFailures.inc();
  }

  localDeleted(bytes: number): void {
    this.localDeletedBytes.inc(bytes);
  }

  remoteDeleted(bytes: number): void {
    this.remoteDeletedBytes.inc(bytes);
  }

  remoteRead(bytes: number): void {
    this.remoteReadBytes.inc(bytes);
  }
}
