// Topics: search, the list with partitions, and creation with validation (the name and
// counts checked here, the configs by the broker, whose message is shown as it is).
import { useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { count } from '../format.js';
import { usePoll } from '../hooks.js';
import { ErrorNote, Heading, Loading } from '../ui.js';

interface TopicRow { name: string; id: string; partitions: number }

const LEGAL = /^[a-zA-Z0-9._-]{1,249}$/;

function CreateTopic({ onCreated }: { onCreated: (name: string) => void }) {
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState('1');
  const [configs, setConfigs] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const nameProblem = name === '' ? undefined : !LEGAL.test(name) || name === '.' || name === '..' ? 'Up to 249 letters, digits, ".", "_" or "-".' : name.startsWith('__') ? 'Names starting with "__" are internal.' : undefined;
  const partitionsProblem = /^[1-9]\d*$/.test(partitions) ? undefined : 'A whole number, at least 1.';
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (nameProblem !== undefined || partitionsProblem !== undefined || name === '') return;
    const parsed: Record<string, string> = {};
    for (const line of configs.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const eq = line.indexOf('=');
      if (eq <= 0) return setError(new Error(`"${line}" is not KEY=VALUE`));
      parsed[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
    setBusy(true);
    try {
      await api('/topics', { method: 'POST', body: { name, partitions: Number(partitions), configs: parsed } });
      onCreated(name);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="create-h" noValidate>
      <h2 id="create-h">Create a topic</h2>
      <label>Name <input name="name" value={name} onInput={(e) => { setName(e.currentTarget.value); setError(undefined); }} aria-invalid={nameProblem !== undefined} aria-describedby="name-help" required /></label>
      <small id="name-help" class={nameProblem ? 'error' : 'muted'}>{nameProblem ?? 'Letters, digits, ".", "_" and "-".'}</small>
      <label>Partitions <input name="partitions" inputMode="numeric" value={partitions} onInput={(e) => setPartitions(e.currentTarget.value)} aria-invalid={partitionsProblem !== undefined} aria-describedby="partitions-help" /></label>
      {partitionsProblem && <small id="partitions-help" class="error">{partitionsProblem}</small>}
      <label>Configs, one KEY=VALUE per line <textarea name="configs" rows={3} value={configs} onInput={(e) => setConfigs(e.currentTarget.value)} placeholder="retention.ms=86400000" /></label>
      <ErrorNote error={error} />
      <button type="submit" disabled={busy || name === '' || nameProblem !== undefined || partitionsProblem !== undefined}>Create topic</button>
    </form>
  );
}

export function Topics() {
  const [search, setSearch] = useState('');
  const [internal, setInternal] = useState(false);
  const topics = usePoll(() => api<TopicRow[]>(`/topics${internal ? '?internal=true' : ''}`), 10_000, [internal]);
  const shown = (topics.data ?? []).filter((t) => t.name.toLowerCase().includes(search.toLowerCase()));
  return (
    <>
      <Heading>Topics</Heading>
      <div class="split">
        <section aria-labelledby="list-h">
          <h2 id="list-h" class="sr-only">Topic list</h2>
          <div class="toolbar">
            <label>Search <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} /></label>
            <label class="inline"><input type="checkbox" checked={internal} onChange={(e) => setInternal(e.currentTarget.checked)} /> internal topics</label>
          </div>
          <ErrorNote error={topics.error} />
          {topics.data === undefined ? <Loading what="topics" /> : (
            <table>
              <caption class="sr-only">{shown.length} topics</caption>
              <thead><tr><th scope="col">Topic</th><th scope="col" class="num">Partitions</th></tr></thead>
              <tbody>
                {shown.map((t) => <tr key={t.name}><td><a href={`#/topics/${enc(t.name)}`}>{t.name}</a></td><td class="num">{count(t.partitions)}</td></tr>)}
                {shown.length === 0 && <tr><td colSpan={2} class="muted">No topic matches.</td></tr>}
              </tbody>
            </table>
          )}
        </section>
        <CreateTopic onCreated={(name) => { location.hash = `#/topics/${enc(name)}`; }} />
      </div>
    </>
  );
}
