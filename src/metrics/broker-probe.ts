// Requests, connections and traffic per topic.
import { droppedLogLines } from '../logger.js';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { API_SCHEMAS } from '../protocol/generated/api-keys.js';

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Why the broker closed a client's connection. */
import type { CloseReason, ConnectionMetrics } from '../network/connection.js';
import type { RequestMetrics } from '../services/metrics.js';

export type { CloseReason } from '../network/connection.js';

export class BrokerProbe implements ConnectionMetrics, RequestMetrics {
  private readonly requests: Counter<'api' | 'version'>;
  private readonly latency: Histogram<'api' | 'version'>;
  private readonly malformed: Counter;
  private readonly accepted: Counter;
  private readonly closedBad: Counter<'reason'>;
  readonly connections: Gauge;
  private readonly producedBytes: Counter<'topic'>;
  private readonly producedRecords: Counter<'topic'>;
  private readonly fetchedBytes: Counter<'topic'>;
  private readonly fetchedRecords: Counter<'topic'>;
  private readonly produceErrors: Counter<'topic' | 'error'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({ name: 'strata_requests_total', help: 'Kafka requests answered, by API and version', labelNames: ['api', 'version'], registers });
    this.latency = new Histogram({ name: 'strata_request_duration_seconds', help: 'Time from a decoded request to its encoded response', labelNames: ['api', 'version'], buckets: LATENCY_BUCKETS, registers });
    this.malformed = new Counter({ name: 'strata_malformed_requests_total', help: 'Requests that did not decode or were too large; their connections were closed', registers });
    this.closedBad = new Counter({ name: 'strata_connections_closed_total', help: 'Connections the broker closed because the client misbehaved, by reason (malformed, oversized, handler_failed, tls_handshake)', labelNames: ['reason'], registers });
    this.accepted = new Counter({ name: 'strata_connections_accepted_total', help: 'Client connections accepted', registers });
    this.connections = new Gauge({ name: 'strata_connections', help: 'Open client connections', registers });
    new Counter({
      name: 'strata_log_lines_dropped_total', help: 'Log lines dropped because stdout was not read and the 16 MiB log buffer was full', registers,
      collect() {
        this.reset();
        this.inc(droppedLogLines());
      },
    });
    this.producedBytes = new Counter({ name: 'strata_produced_bytes_total', help: 'Record batch bytes appended, by topic', labelNames: ['topic'], registers });
    this.producedRecords = new Counter({ name: 'strata_produced_records_total', help: 'Records appended, by topic', labelNames: ['topic'], registers });
    this.fetchedBytes = new Counter({ name: 'strata_fetched_bytes_total', help: 'Record batch bytes returned by Fetch, by topic', labelNames: ['topic'], registers });
    this.fetchedRecords = new Counter({ name: 'strata_fetched_records_total', help: 'Records returned by Fetch (whole batches), by topic', labelNames: ['topic'], registers });
    this.produceErrors = new Counter({ name: 'strata_produce_errors_total', help: 'Partition produce results with an error, by topic and Kafka error', labelNames: ['topic', 'error'], registers });
  }

  request(apiKey: number, version: number, seconds: number): void {
    const labels = { api: API_SCHEMAS.get(apiKey)?.name ?? String(apiKey), version: String(version) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }

  malformedRequest(): void {
    this.malformed.inc();
  }

  /** A connection closed by the broker for what its client sent. */
  connectionRefused(reason: CloseReason): void {
    this.closedBad.inc({ reason });
  }

  connectionOpened(): void {
    this.accepted.inc();
    this.connections.inc();
  }

  connectionClosed(): void {
    this.connections.dec();
  }

  produced(topic: string, bytes: number, records: number): void {
    this.producedBytes.inc({ topic }, bytes);
    this.producedRecords.inc({ topic }, records);
  }

  produceError(topic: string, error: string): void {
    this.produceErrors.inc({ topic, error });
  }

  fetched(topic: string, bytes: number, records: number): void {
    this.fetchedBytes.inc({ topic }, bytes);
    this.fetchedRecords.inc({ topic }, records);
  }
}
