// One consumer group: members and their assignments, committed offsets and lag per
// partition with a live lag chart, offset resets previewed (dry run) before they are
// applied, and deletion behind a confirmation.
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { Chart } from '../chart.js';
import { count } from '../format.js';
import { usePoll } from '../hooks.js';
import { Confirm, ErrorNote, Heading, Loading } from '../ui.js';

interface GroupDetail {
  group: string; state: string; generation: number; protocol: string | null;
  members: Array<{ memberId: string; clientId: string; clientHost: string; assignment: Array<{ topic: string; partitions: number[] }> | null }>;
  offsets: Array<{ topic: string; partition: number; committed: number; highWatermark: number | null; lag: number | null }>;
}
interface Plan { offsets: Array<{ topic: string; partition: number; current: number | null; target: number; lag: number }> }

const LAG_POINTS = 150;
/** Partitions charted one line each (the table lists them all). */
const MAX_SERIES = 12;
const COLORS = ['#c53', '#37c', '#2a7', '#86c', '#c90', '#0aa', '#a36', '#555', '#7a3', '#36a', '#d70', '#699'];

function ResetOffsets({ group, topics, onDone }: { group: string; topics: string[]; onDone: () => void }) {
  const [topic, setTopic] = useState(topics[0] ?? '');
  const [to, setTo] = useState('earliest');
  const [value, setValue] = useState('');
  const [plan, setPlan] = useState<Plan | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const body = (dryRun: boolean) => ({ topic, to, dryRun, ...(to === 'offset' || to === 'timestamp' ? { value: Number(to === 'timestamp' ? (Date.parse(value) || Number(value)) : value) } : {}) });
  const preview = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      setPlan(await api<Plan>(`/groups/${enc(group)}/reset-offsets`, { method: 'POST', body: body(true) }));
      setError(undefined);
    } catch (err) {
      setError(err as Error);
    }
  };
  const apply = async (): Promise<void> => {
    try {
      await api(`/groups/${enc(group)}/reset-offsets`, { method: 'POST', body: body(false) });
      setPlan(undefined);
      setError(undefined);
      onDone();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="card" onSubmit={preview} aria-labelledby="reset-h">
      <h2 id="reset-h">Reset offsets</h2>
      <p class="muted">The group must have no active members. Preview first: nothing changes until you apply.</p>
      <div class="toolbar">
        <label>Topic <input value={topic} onInput={(e) => setTopic(e.currentTarget.value)} list="group-topics" required /></label>
        <datalist id="group-topics">{topics.map((t) => <option key={t} value={t} />)}</datalist>
        <label>To
          <select value={to} onChange={(e) => setTo(e.currentTarget.value)}>
            <option value="earliest">earliest</option><option value="latest">latest</option><option value="offset">an offset</option><option value="timestamp">a time</option>
          </select>
        </label>
        {(to === 'offset' || to === 'timestamp') && <label>{to === 'offset' ? 'Offset' : 'Time (ISO or ms)'} <input value={value} onInput={(e) => setValue(e.currentTarget.value)} required /></label>}
        <button type="submit">Preview (dry run)</button>
      </div>
      <ErrorNote error={error} />
      {plan !== undefined && (
        <>
          <table>
            <caption>Planned offsets</caption>
            <thead><tr><th scope="col">Topic</th><th scope="col" class="num">Partition</th><th scope="col" class="num">Now</th><th scope="col" class="num">After</th><th scope="col" class="num">Lag after</th></tr></thead>
            <tbody>{plan.offsets.map((o) => <tr key={`${o.topic}-${o.partition}`}><td>{o.topic}</td><td class="num">{o.partition}</td><td class="num">{o.current ?? '–'}</td><td class="num">{o.target}</td><td class="num">{count(o.lag)}</td></tr>)}</tbody>
          </table>
          <button type="button" onClick={() => void apply()}>Apply reset</button>
        </>
      )}
    </form>
  );
}

export function Group({ id }: { id: string }) {
  const g = usePoll(() => api<GroupDetail>(`/groups/${enc(id)}`), 2000, [id]);
  // Lag per partition over time (the live chart), one point per poll.
  const [lagHistory, setLagHistory] = useState<Array<{ t: number; lags: Record<string, number> }>>([]);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const total = g.data?.offsets.reduce((n, o) => n + (o.lag ?? 0), 0);
  useEffect(() => {
    if (g.data === undefined) return;
    const lags = Object.fromEntries(g.data.offsets.map((o) => [`${o.topic}-${o.partition}`, o.lag ?? 0]));
    setLagHistory((h) => [...h, { t: Date.now() / 1000, lags }].slice(-LAG_POINTS));
  }, [g.data]);
  const partitions = [...new Set(lagHistory.flatMap((p) => Object.keys(p.lags)))].slice(0, MAX_SERIES);
  const remove = async (): Promise<void> => {
    try {
      await api(`/groups/${enc(id)}`, { method: 'DELETE' });
      location.hash = '#/groups';
    } catch (err) {
      setError(err as Error);
      setConfirming(false);
    }
  };
  const d = g.data;
  return (
    <>
      <p><a href="#/groups">← Consumer groups</a></p>
      <Heading>Group {id}</Heading>
      <ErrorNote error={g.error ?? error} />
      {d === undefined ? <Loading what="the group" /> : (
        <>
          <p>State <strong>{d.state}</strong>{d.protocol ? `, assignor ${d.protocol}` : ''}, generation {d.generation}, total lag <strong data-testid="total-lag">{count(total)}</strong>.</p>
          <Chart title="Lag per partition" unit="records" times={lagHistory.map((p) => p.t)} series={partitions.map((key, i) => ({ label: key, color: COLORS[i % COLORS.length]!, values: lagHistory.map((p) => p.lags[key] ?? null) }))} />
          <h2>Members</h2>
          {d.members.length === 0 ? <p class="muted">No active members.</p> : (
            <table>
              <thead><tr><th scope="col">Member</th><th scope="col">Client</th><th scope="col">Host</th><th scope="col">Assignment</th></tr></thead>
              <tbody>{d.members.map((m) => <tr key={m.memberId}><td><code>{m.memberId}</code></td><td>{m.clientId}</td><td>{m.clientHost}</td><td>{m.assignment === null ? '–' : m.assignment.map((a) => `${a.topic} [${a.partitions.join(', ')}]`).join('; ')}</td></tr>)}</tbody>
            </table>
          )}
          <h2>Offsets and lag</h2>
          <table>
            <thead><tr><th scope="col">Topic</th><th scope="col" class="num">Partition</th><th scope="col" class="num">Committed</th><th scope="col" class="num">High watermark</th><th scope="col" class="num">Lag</th></tr></thead>
            <tbody>{d.offsets.map((o) => <tr key={`${o.topic}-${o.partition}`}><td>{o.topic}</td><td class="num">{o.partition}</td><td class="num">{count(o.committed)}</td><td class="num">{count(o.highWatermark)}</td><td class="num">{count(o.lag)}</td></tr>)}</tbody>
          </table>
          <ResetOffsets group={id} topics={[...new Set(d.offsets.map((o) => o.topic))]} onDone={g.refresh} />
          <p><button type="button" class="danger" onClick={() => setConfirming(true)}>Delete group…</button></p>
        </>
      )}
      <Confirm open={confirming} title={`Delete group ${id}?`} confirmLabel="Delete" onClose={() => setConfirming(false)} onConfirm={() => void remove()}>
        <p>Its committed offsets are deleted; the group must have no active members.</p>
      </Confirm>
    </>
  );
}
