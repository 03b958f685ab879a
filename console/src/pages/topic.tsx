// One topic: partitions (offsets, sizes, what is local and what only remote), configs (the
// overrides edited in place), the message browser, and deletion behind a confirmation.
import { useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { bytes, count } from '../format.js';
import { usePoll } from '../hooks.js';
import { Confirm, ErrorNote, Heading, Loading } from '../ui.js';
import { Messages } from './messages.js';

interface PartitionRow {
  partition: number; leader: number; logStartOffset: number; localLogStartOffset: number; highestTieredOffset: number;
  logEndOffset: number; highWatermark: number; sizeBytes: number; segments: number;
}
export interface TopicDetail { name: string; id: string; partitions: PartitionRow[]; configs: Record<string, string>; overrides: Record<string, string> }

const TABS = [['partitions', 'Partitions'], ['configs', 'Configs'], ['messages', 'Messages']] as const;

function Partitions({ t }: { t: TopicDetail }) {
  return (
    <table>
      <caption class="sr-only">Partitions of {t.name}</caption>
      <thead><tr>
        <th scope="col" class="num">Partition</th><th scope="col" class="num">Leader</th><th scope="col" class="num">Log start</th>
        <th scope="col" class="num">High watermark</th><th scope="col" class="num">Records</th><th scope="col" class="num">Local size</th>
        <th scope="col">Local / remote</th>
      </tr></thead>
      <tbody>
        {t.partitions.map((p) => {
          const total = Math.max(0, p.highWatermark - p.logStartOffset);
          const remote = Math.max(0, p.localLogStartOffset - p.logStartOffset);
          return (
            <tr key={p.partition}>
              <td class="num">{p.partition}</td><td class="num">{p.leader}</td><td class="num">{count(p.logStartOffset)}</td>
              <td class="num">{count(p.highWatermark)}</td><td class="num">{count(total)}</td><td class="num">{bytes(p.sizeBytes)}</td>
              <td>{remote === 0 ? 'all local' : `${count(remote)} offsets remote only (below ${count(p.localLogStartOffset)}), tiered up to ${count(p.highestTieredOffset)}`}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Configs({ t, onSaved }: { t: TopicDetail; onSaved: () => void }) {
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [error, setError] = useState<Error | undefined>();
  const [saved, setSaved] = useState(false);
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    const changes: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(edits)) changes[k] = v === '' ? null : v;
    try {
      await api(`/topics/${enc(t.name)}`, { method: 'PATCH', body: { configs: changes } });
      setEdits({});
      setError(undefined);
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err as Error);
      setSaved(false);
    }
  };
  return (
    <form onSubmit={save}>
      <table>
        <caption class="sr-only">Configs of {t.name}</caption>
        <thead><tr><th scope="col">Config</th><th scope="col">Value</th><th scope="col">Source</th></tr></thead>
        <tbody>
          {Object.entries(t.configs).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => (
            <tr key={k}>
              <th scope="row"><label for={`cfg-${k}`}>{k}</label></th>
              <td><input id={`cfg-${k}`} value={edits[k] ?? (t.overrides[k] ?? '')} placeholder={v} onInput={(e) => setEdits({ ...edits, [k]: e.currentTarget.value })} /></td>
              <td>{k in t.overrides ? 'topic' : 'default'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">An empty value removes the override (the default applies).</p>
      <ErrorNote error={error} />
      {saved && <p role="status" class="good-text">Saved.</p>}
      <button type="submit" disabled={Object.keys(edits).length === 0}>Save configs</button>
    </form>
  );
}

export function Topic({ name, tab }: { name: string; tab: string }) {
  const t = usePoll(() => api<TopicDetail>(`/topics/${enc(name)}`), 5000, [name]);
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const remove = async (): Promise<void> => {
    try {
      await api(`/topics/${enc(name)}`, { method: 'DELETE' });
      location.hash = '#/topics';
    } catch (err) {
      setError(err as Error);
      setConfirming(false);
    }
  };
  return (
    <>
      <p><a href="#/topics">← Topics</a></p>
      <Heading>Topic {name}</Heading>
      <ErrorNote error={t.error ?? error} />
      <nav aria-label="Topic sections" class="tabs">
        {TABS.map(([key, label]) => <a key={key} href={`#/topics/${enc(name)}/${key}`} aria-current={tab === key ? 'page' : undefined}>{label}</a>)}
        <button type="button" class="danger" onClick={() => { setTyped(''); setConfirming(true); }}>Delete topic…</button>
      </nav>
      {t.data === undefined ? <Loading what="the topic" /> : tab === 'configs' ? <Configs t={t.data} onSaved={t.refresh} /> : tab === 'messages' ? <Messages topic={t.data} /> : <Partitions t={t.data} />}
      <Confirm open={confirming} title={`Delete ${name}?`} confirmLabel="Delete" onClose={() => setConfirming(false)} onConfirm={() => { if (typed === name) void remove(); }}>
        <p>Every record of every partition is deleted for good.</p>
        <label>Type the topic's name to confirm <input value={typed} onInput={(e) => setTyped(e.currentTarget.value)} /></label>
      </Confirm>
    </>
  );
}
