// Cluster mode (ADR 0011): leases held and moved, flush windows (size, latency, PUTs), and
// PostgreSQL statement latency. Registered in every broker so dashboards and alerts have
// the names; a single-node broker leaves them at zero.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { FlushStats } from '../cluster/flush-window.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class ClusterProbe {
  private readonly held: Gauge<'kind'>;
  private readonly transfers: Counter<'kind' | 'reason'>;
  private readonly flushBytes: Histogram;
  private readonly flushBatches: Histogram;
  private readonly flushSeconds: Histogram<'stage'>;
  private readonly puts: Counter<'outcome'>;
  private readonly statements: Histogram;
  private readonly uncompactedBytes: Gauge;
  private readonly collected: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.held = new Gauge({ name: 'strata_cluster_leases', help: 'Leases this broker holds, by kind (partition, group, transaction)', labelNames: ['kind'], registers });
    this.transfers = new Counter({ name: 'strata_cluster_lease_transfers_total', help: 'Leases this broker took, handed off or lost, by kind and reason (acquired, handed_off, lost)', labelNames: ['kind', 'reason'], registers });
    this.flushBytes = new Histogram({ name: 'strata_cluster_flush_bytes', help: 'Bytes per flush window (one object)', buckets: [1024, 16384, 65536, 262144, 1048576, 4194304, 16777216], registers });
    this.flushBatches = new Histogram({ name: 'strata_cluster_flush_batches', help: 'Record batches per flush window (one object, one PUT)', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500], registers });
    this.flushSeconds = new Histogram({ name: 'strata_cluster_flush_seconds', help: 'Flush window latency by stage: put (the object), commit (the index), total (first append to acknowledgement)', labelNames: ['stage'], buckets: LATENCY_BUCKETS, registers });
    this.puts = new Counter({ name: 'strata_cluster_flush_puts_total', help: 'Flush window objects written, by outcome (ok, failed)', labelNames: ['outcome'], registers });
    this.uncompactedBytes = new Gauge({ name: 'strata_cluster_uncompacted_bytes', help: 'Committed bytes still in flush-window objects, not merged into per-partition segments (reported by the group coordinator broker; every byte until a compactor exists)', registers });
    this.collected = new Counter({ name: 'strata_cluster_objects_collected_total', help: 'Flush-window objects deleted because no index entry names them any more (retention, DeleteRecords, failed or fenced windows)', registers });
    this.statements = new Histogram({ name: 'strata_cluster_postgres_statement_seconds', help: 'PostgreSQL statement latency (metadata and index)', buckets: LATENCY_BUCKETS, registers });
  }

  leases(kind: string, count: number): void {
    this.held.set({ kind }, count);
  }

  transfer(kind: string, reason: 'acquired' | 'handed_off' | 'lost'): void {
    this.transfers.inc({ kind, reason });
  }

  flush(s: FlushStats): void {
    this.puts.inc({ outcome: s.ok ? 'ok' : 'failed' });
    this.flushBytes.observe(s.bytes);
    this.flushBatches.observe(s.batches);
    if (!s.ok) return;
    this.flushSeconds.observe({ stage: 'put' }, s.putSeconds);
    this.flushSeconds.observe({ stage: 'commit' }, s.commitSeconds);
    this.flushSeconds.observe({ stage: 'total' }, s.windowSeconds);
  }

  objectsCollected(n: number): void {
    this.collected.inc(n);
  }

  uncompacted(bytes: number): void {
    this.uncompactedBytes.set(bytes);
  }

  statement(seconds: number): void {
    this.statements.observe(seconds);
  }
}

/** A lease's kind from its resource name (p:…, g:…, t:…, b:…). */
export function leaseKind(resource: string): string {
  return { p: 'partition', g: 'group', t: 'transaction', b: 'broker' }[resource[0] ?? ''] ?? 'other';
}
