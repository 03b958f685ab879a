// One registry for the broker; each component has a probe that owns its metric names
// (redpanda's *_probe pattern): components call the probe, the registry exports.
// Names follow Prometheus practice: strata_ prefix, base units, _total for counters.
import { collectDefaultMetrics, Registry } from 'prom-client';
import { BrokerProbe } from './broker-probe.js';
import { CleanerProbe } from './cleaner-probe.js';
import { ClusterProbe } from './cluster-probe.js';
import { GroupProbe } from './group-probe.js';
import { StorageProbe } from './storage-probe.js';
import { TierProbe } from './tier-probe.js';
import { WriterProbe } from './writer-probe.js';
import type { MetricSample, MetricSamples } from '../services/metrics.js';

export class Metrics implements MetricSamples {
  readonly registry = new Registry();
  readonly broker: BrokerProbe;
  readonly storage: StorageProbe;
  readonly groups: GroupProbe;
  readonly tier: TierProbe;
  readonly writers: WriterProbe;
  readonly cleaner: CleanerProbe;
  readonly cluster: ClusterProbe;

  constructor() {
    collectDefaultMetrics({ register: this.registry }); // process_* and nodejs_* metrics
    // prom-client exports these sums as gauges named *_total, which Prometheus reserves for
    // counters (`promtool check metrics` refuses them). The per-type gauges without the
    // suffix (nodejs_active_handles{type=…}, …) carry the same information.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
    this.broker = new BrokerProbe(this.registry);
    this.storage = new StorageProbe(this.registry);
    this.groups = new GroupProbe(this.registry);
    this.tier = new TierProbe(this.registry);
    this.writers = new WriterProbe(this.registry);
    this.cleaner = new CleanerProbe(this.registry);
    this.cluster = new ClusterProbe(this.registry);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Every metric's values (the console's charts and alerts read them in process). */
  async sample(): Promise<MetricSample[]> {
    return (await this.registry.getMetricsAsJSON()) as unknown as MetricSample[];
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
