// The request metrics handlers report; the Prometheus probes implement them.
export interface RequestMetrics {
  produced(topic: string, bytes: number, records: number): void;
  produceError(topic: string, errorName: string): void;
  fetched(topic: string, bytes: number, records: number): void;
}

/** One metric's current values, as prom-client's getMetricsAsJSON gives them. */
export interface MetricSample {
  name: string;
  type: string;
  values: Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>;
}

/** The broker's own metrics, read in process (the console's charts and alerts). */
export interface MetricSamples {
  sample(): Promise<MetricSample[]>;
}
