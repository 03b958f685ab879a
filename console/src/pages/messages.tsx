// The message browser: one partition, from an offset or a timestamp (or the latest), a
// bounded page at a time; keys, values and headers decoded by the broker (Avro and JSON
// Schema through the registry, JSON, text, or hex).
import { useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { time } from '../format.js';
import { usePoll } from '../hooks.js';
import { ErrorNote, Loading } from '../ui.js';
import type { TopicDetail } from './topic.js';

interface Field { format: string; value: unknown; bytes: number; schemaId?: number; truncated?: boolean }
interface Page {
  logStartOffset: number; highWatermark: number; from: number; next: number;
  records: Array<{ offset: number; timestamp: number; key: Field; value: Field; headers: Array<{ key: string; value: Field }> }>;
}

function Shown({ f }: { f: Field }) {
  if (f.format === 'null') return <span class="muted">null</span>;
  const label = f.schemaId === undefined ? f.format : `${f.format} #${f.schemaId}`;
  const text = typeof f.value === 'string' ? f.value : JSON.stringify(f.value, null, 1);
  return <><span class="badge">{label}</span> <code class={f.format === 'hex' ? 'hex' : ''}>{text}{f.truncated ? '…' : ''}</code></>;
}

export function Messages({ topic }: { topic: TopicDetail }) {
  const [partition, setPartition] = useState(0);
  const [mode, setMode] = useState<'latest' | 'offset' | 'timestamp'>('latest');
  const [position, setPosition] = useState('');
  const [limit, setLimit] = useState(50);
  const [query, setQuery] = useState(`partition=0&limit=50`);
  const page = usePoll(() => api<Page>(`/topics/${enc(topic.name)}/messages?${query}`), 0, [query]);
  const submit = (e: Event): void => {
    e.preventDefault();
    const q = new URLSearchParams({ partition: String(partition), limit: String(limit) });
    if (mode === 'offset') q.set('offset', position || '0');
    if (mode === 'timestamp') q.set('timestamp', String(Date.parse(position) || Number(position) || 0));
    setQuery(q.toString());
  };
  const next = (): void => {
    if (page.data === undefined) return;
    setQuery(new URLSearchParams({ partition: String(partition), limit: String(limit), offset: String(page.data.next) }).toString());
  };
  return (
    <section aria-labelledby="messages-h">
      <h2 id="messages-h">Messages</h2>
      <form class="toolbar" onSubmit={submit}>
        <label>Partition
          <select value={partition} onChange={(e) => setPartition(Number(e.currentTarget.value))}>
            {topic.partitions.map((p) => <option key={p.partition} value={p.partition}>{p.partition}</option>)}
          </select>
        </label>
        <label>From
          <select value={mode} onChange={(e) => setMode(e.currentTarget.value as typeof mode)}>
            <option value="latest">the latest records</option><option value="offset">an offset</option><option value="timestamp">a time</option>
          </select>
        </label>
        {mode !== 'latest' && <label>{mode === 'offset' ? 'Offset' : 'Time (ISO or ms)'} <input value={position} onInput={(e) => setPosition(e.currentTarget.value)} /></label>}
        <label>Up to <input type="number" min={1} max={500} value={limit} onInput={(e) => setLimit(Math.min(500, Math.max(1, Number(e.currentTarget.value) || 1)))} /></label>
        <button type="submit">Show</button>
      </form>
      <ErrorNote error={page.error} />
      {page.data === undefined ? <Loading what="messages" /> : (
        <>
          <p class="muted" role="status">Offsets {page.data.from}–{page.data.next - 1} of {page.data.logStartOffset}–{page.data.highWatermark - 1}: {page.data.records.length} record(s).</p>
          <table class="messages">
            <caption class="sr-only">Records of partition {partition}</caption>
            <thead><tr><th scope="col" class="num">Offset</th><th scope="col">Time</th><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Headers</th></tr></thead>
            <tbody>
              {page.data.records.map((r) => (
                <tr key={r.offset}>
                  <td class="num">{r.offset}</td><td>{time(r.timestamp)}</td><td><Shown f={r.key} /></td><td><Shown f={r.value} /></td>
                  <td>{r.headers.length === 0 ? <span class="muted">–</span> : r.headers.map((h) => <div key={h.key}>{h.key}: <Shown f={h.value} /></div>)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.data.next < page.data.highWatermark && <button type="button" onClick={next}>Next page</button>}
        </>
      )}
    </section>
  );
}
