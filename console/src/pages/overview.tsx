// Cluster overview: the broker, its listeners, disk, tier and circuit breaker state, alerts
// firing, and throughput and latency charts from the broker's own metrics.
import { api } from '../api.js';
import { Chart } from '../chart.js';
import { bytes, count } from '../format.js';
import { usePoll } from '../hooks.js';
import { ErrorNote, Heading, Loading } from '../ui.js';

interface Overview {
  broker: { nodeId: number; clusterId: string; version: string | null; node: string; native: string; uptimeSeconds: number };
  listeners: Array<{ name: string; host: string; port: number }>;
  schemaRegistry: string | null;
  disk: { dataDir: string; freeBytes: number | null; capacityBytes: number | null; logBytes: number };
  counts: { topics: number; partitions: number; groups: number };
  tier: { breaker: string | null; backlogBytes: number | null; cacheBytes: number | null };
  alerts: Array<{ name: string; severity: string; summary: string }>;
}

interface Point { t: number; bytesInPerSec: number; bytesOutPerSec: number; requestsPerSec: number; produceP99Ms: number | null; fetchP99Ms: number | null }

export function Overview() {
  const o = usePoll(() => api<Overview>('/overview'), 5000);
  const h = usePoll(() => api<Point[]>('/metrics/history'), 5000);
  const d = o.data;
  const points = h.data ?? [];
  const times = points.map((p) => p.t / 1000);
  return (
    <>
      <Heading>Overview</Heading>
      <ErrorNote error={o.error} />
      {d === undefined ? <Loading what="the broker's state" /> : (
        <div class="cards">
          <section class="card" aria-labelledby="broker-h">
            <h2 id="broker-h">Broker</h2>
            <dl>
              <dt>Node</dt><dd>{d.broker.nodeId}</dd>
              <dt>Cluster</dt><dd><code>{d.broker.clusterId}</code></dd>
              <dt>Version</dt><dd>{d.broker.version ?? '–'} on Node {d.broker.node}</dd>
              <dt>Hot paths</dt><dd>{d.broker.native}</dd>
              <dt>Up</dt><dd>{Math.floor(d.broker.uptimeSeconds / 60)} min</dd>
            </dl>
          </section>
          <section class="card" aria-labelledby="listeners-h">
            <h2 id="listeners-h">Listeners</h2>
            <ul class="plain">
              {d.listeners.map((l) => <li key={l.name}><strong>{l.name}</strong> {l.host}:{l.port}</li>)}
              <li><strong>Schema registry</strong> {d.schemaRegistry ?? 'off'}</li>
            </ul>
          </section>
          <section class="card" aria-labelledby="disk-h">
            <h2 id="disk-h">Disk</h2>
            <p><code>{d.disk.dataDir}</code></p>
            {d.disk.freeBytes !== null && d.disk.capacityBytes !== null && (
              <>
                <meter min={0} max={d.disk.capacityBytes} value={d.disk.capacityBytes - d.disk.freeBytes} high={d.disk.capacityBytes * 0.9} aria-label="Data directory use" />
                <p>{bytes(d.disk.freeBytes)} free of {bytes(d.disk.capacityBytes)}</p>
              </>
            )}
            <p>Logs: {bytes(d.disk.logBytes)} in {count(d.counts.partitions)} partitions of {count(d.counts.topics)} topics; {count(d.counts.groups)} groups</p>
          </section>
          <section class="card" aria-labelledby="tier-h">
            <h2 id="tier-h">Tiered storage</h2>
            <dl>
              <dt>Circuit breaker</dt><dd><span class={`badge ${d.tier.breaker === 'open' ? 'bad' : 'good'}`}>{d.tier.breaker ?? 'unknown'}</span></dd>
              <dt>Upload backlog</dt><dd>{bytes(d.tier.backlogBytes)}</dd>
              <dt>Read cache</dt><dd>{bytes(d.tier.cacheBytes)}</dd>
            </dl>
          </section>
          <section class="card wide" aria-labelledby="alerts-h">
            <h2 id="alerts-h">Alerts</h2>
            {d.alerts.length === 0 ? <p class="good-text">No alerts firing.</p> : (
              <ul class="plain">{d.alerts.map((a) => <li key={a.name + a.summary}><span class={`badge ${a.severity === 'critical' ? 'bad' : 'warn'}`}>{a.severity}</span> <strong>{a.name}</strong>: {a.summary}</li>)}</ul>
            )}
          </section>
        </div>
      )}
      <section aria-labelledby="charts-h">
        <h2 id="charts-h">Throughput and latency <span class="muted">(last {Math.round(points.length * 5 / 60)} min, 5 s samples)</span></h2>
        <ErrorNote error={h.error} />
        <div class="charts">
          <Chart title="Throughput" unit="MB/s" times={times} series={[
            { label: 'in (produce)', color: '#2a7', values: points.map((p) => p.bytesInPerSec / 1e6) },
            { label: 'out (fetch)', color: '#37c', values: points.map((p) => p.bytesOutPerSec / 1e6) },
          ]} />
          <Chart title="Request latency p99" unit="ms" times={times} series={[
            { label: 'Produce', color: '#c53', values: points.map((p) => p.produceP99Ms) },
            { label: 'Fetch', color: '#86c', values: points.map((p) => p.fetchP99Ms) },
          ]} />
          <Chart title="Requests" unit="/s" times={times} series={[{ label: 'all APIs', color: '#555', values: points.map((p) => p.requestsPerSec) }]} />
        </div>
      </section>
    </>
  );
}
