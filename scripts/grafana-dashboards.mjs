#!/usr/bin/env node
// Writes the Grafana dashboards in deploy/grafana/ from the panel lists below, so every
// dashboard has the same shape (Prometheus datasource variable, 2-column grid).
// Run: node scripts/grafana-dashboards.mjs   (a test checks every metric they use exists)
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'grafana');

const dashboards = {
  'broker-overview': {
    title: 'Strata: broker overview',
    panels: [
      ['Requests/s by API', 'sum by (api) (rate(strata_requests_total[1m]))', 'reqps'],
      ['Produce p99 latency', 'histogram_quantile(0.99, sum by (le) (rate(strata_request_duration_seconds_bucket{api="Produce"}[5m])))', 's'],
      ['Fetch p99 latency (includes long-poll waits)', 'histogram_quantile(0.99, sum by (le) (rate(strata_request_duration_seconds_bucket{api="Fetch"}[5m])))', 's'],
      ['Bytes in/s by topic', 'sum by (topic) (rate(strata_produced_bytes_total[1m]))', 'Bps'],
      ['Records in/s by topic', 'sum by (topic) (rate(strata_produced_records_total[1m]))', 'short'],
      ['Bytes out/s by topic', 'sum by (topic) (rate(strata_fetched_bytes_total[1m]))', 'Bps'],
      ['Connections', 'strata_connections', 'short'],
      ['Produce errors/s', 'sum by (topic, error) (rate(strata_produce_errors_total[5m]))', 'short'],
      ['Malformed requests/s', 'rate(strata_malformed_requests_total[5m])', 'short'],
      ['CPU (cores)', 'rate(process_cpu_seconds_total[1m])', 'short'],
      ['Resident memory', 'process_resident_memory_bytes', 'bytes'],
      ['Event loop lag p99', 'nodejs_eventloop_lag_p99_seconds', 's'],
      ['Log writer threads (0: --inline)', 'strata_log_writers', 'short'],
      ['Log writer utilisation', 'rate(strata_log_writer_busy_seconds_total[1m])', 'percentunit'],
      ['Ring occupancy', 'strata_ring_used_bytes / strata_ring_capacity_bytes', 'percentunit'],
      ['Log writer queue depth', 'strata_log_writer_queue_depth', 'short'],
      ['Log writer restarts', 'increase(strata_log_writer_restarts_total[1h])', 'short'],
      ['CPU pool queue depth', 'strata_cpu_pool_queue_depth', 'short'],
      ['CPU pool utilisation', 'strata_cpu_pool_utilization_ratio', 'percentunit'],
      ['CPU pool tasks/s', 'rate(strata_cpu_pool_tasks_total[1m])', 'short'],
    ],
  },
  'consumer-lag': {
    title: 'Strata: consumer lag',
    panels: [
      ['Lag by group', 'strata_consumer_group_total_lag', 'short'],
      ['Lag by group and partition', 'strata_consumer_group_lag', 'short'],
      ['Committed offset', 'strata_consumer_group_committed_offset', 'short'],
      ['Commit progress (offsets/s)', 'sum by (group) (deriv(strata_consumer_group_committed_offset[5m]))', 'short'],
      ['Members by group', 'strata_consumer_group_members', 'short'],
      ['High watermark', 'strata_log_high_watermark', 'short'],
    ],
  },
  'storage-and-tier': {
    title: 'Strata: storage and tier',
    panels: [
      ['Data dir free', 'strata_data_dir_free_bytes', 'bytes'],
      ['Data dir used %', '100 * (1 - strata_data_dir_free_bytes / strata_data_dir_capacity_bytes)', 'percent'],
      ['Log size by partition', 'strata_log_size_bytes', 'bytes'],
      ['Segments by partition', 'strata_log_segments', 'short'],
      ['fsync p50 / p99', 'histogram_quantile(0.99, sum by (le) (rate(strata_fsync_duration_seconds_bucket[5m])))', 's'],
      ['fsyncs/s', 'rate(strata_fsync_duration_seconds_count[1m])', 'short'],
      ['Log end offset', 'strata_log_end_offset', 'short'],
      ['Log start offset (retention)', 'strata_log_start_offset', 'short'],
      ['Recovery: bytes cut', 'increase(strata_log_recovery_truncated_bytes_total[1h])', 'bytes'],
      ['Recoveries by clean shutdown', 'sum by (clean) (strata_log_recoveries_total)', 'short'],
      ['I/O mode', 'strata_io_mode', 'short'],
      ['Native addon', 'strata_native_addon', 'short'],
      ['Tier: uploaded bytes/s', 'rate(strata_tier_uploaded_bytes_total[5m])', 'Bps'],
      ['Tier: upload backlog', 'strata_tier_backlog_bytes', 'bytes'],
      ['Tier: requests/s by outcome', 'sum by (op, outcome) (rate(strata_tier_requests_total[1m]))', 'reqps'],
      ['Tier: request p99 latency', 'histogram_quantile(0.99, sum by (le, op) (rate(strata_tier_request_duration_seconds_bucket[5m])))', 's'],
      ['Tier: allowed rate (adaptive)', 'strata_tier_rate_limit', 'reqps'],
      ['Tier: circuit breaker', 'strata_tier_breaker_state', 'short'],
      ['Tier: retries and fast rejections/s', 'sum by (op) (rate(strata_tier_retries_total[5m])) + sum by (op) (rate(strata_tier_rejected_total[5m]))', 'short'],
      ['Tier: remote reads bytes/s', 'rate(strata_tier_remote_read_bytes_total[5m])', 'Bps'],
      ['Tier: read cache hit ratio', 'strata_tier_cache_hits / (strata_tier_cache_hits + strata_tier_cache_misses)', 'percentunit'],
    ],
  },
};

for (const [file, d] of Object.entries(dashboards)) {
  const panels = d.panels.map(([title, expr, unit], i) => ({
    id: i + 1,
    type: 'timeseries',
    title,
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: [{ refId: 'A', expr, legendFormat: '__auto', datasource: { type: 'prometheus', uid: '${datasource}' } }],
  }));
  const dashboard = {
    uid: `strata-${file}`,
    title: d.title,
    tags: ['strata', 'kafka'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    refresh: '10s',
    time: { from: 'now-1h', to: 'now' },
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }] },
    panels,
  };
  writeFileSync(join(out, `${file}.json`), JSON.stringify(dashboard, null, 2) + '\n');
}
console.log(`wrote ${Object.keys(dashboards).length} dashboards to ${out}`);
