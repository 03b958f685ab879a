// The request metrics handlers report; the Prometheus probes implement them.
export interface RequestMetrics {
  produced(topic: string, bytes: number, records: number): void;
  produceError(topic: string, errorName: string): void;
  fetched(topic: string, bytes: number, records: number): void;
}
