// One subject: its versions, a side-by-side diff of any two, a compatibility tester, a new
// version, and deletion behind a confirmation.
import { diffLines } from 'diff';
import { useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { usePoll } from '../hooks.js';
import { Confirm, ErrorNote, Heading, Loading } from '../ui.js';
import { RegisterForm } from './schemas.js';

interface Version { subject: string; version: number; id: number; schemaType: string; schema: string }
interface Detail { subject: string; compatibility: string; versions: Version[] }

/** Pretty JSON for Avro and JSON Schema (one field per line diffs well); Protobuf as written. */
function pretty(v: Version): string {
  if (v.schemaType === 'PROTOBUF') return v.schema;
  try {
    return JSON.stringify(JSON.parse(v.schema), null, 2);
  } catch {
    return v.schema;
  }
}

function SideBySide({ left, right }: { left: string; right: string }) {
  const rows: Array<{ l: string | null; r: string | null; kind: 'same' | 'removed' | 'added' }> = [];
  for (const part of diffLines(left, right)) {
    const lines = part.value.replace(/\n$/, '').split('\n');
    for (const line of lines) rows.push(part.added ? { l: null, r: line, kind: 'added' } : part.removed ? { l: line, r: null, kind: 'removed' } : { l: line, r: line, kind: 'same' });
  }
  return (
    <table class="diff">
      <thead><tr><th scope="col">Older</th><th scope="col">Newer</th></tr></thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i} class={row.kind}>
            <td>{row.l === null ? '' : <><span class="sr-only">{row.kind === 'removed' ? 'removed: ' : ''}</span><code>{row.l}</code></>}</td>
            <td>{row.r === null ? '' : <><span class="sr-only">{row.kind === 'added' ? 'added: ' : ''}</span><code>{row.r}</code></>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Tester({ subject, versions }: { subject: string; versions: Version[] }) {
  const [schema, setSchema] = useState('');
  const [schemaType, setSchemaType] = useState(versions[versions.length - 1]?.schemaType ?? 'AVRO');
  const [against, setAgainst] = useState('');
  const [result, setResult] = useState<{ compatible: boolean; messages: string[] } | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const test = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      setResult(await api(`/schemas/subjects/${enc(subject)}/compatibility`, { method: 'POST', body: { schema, schemaType, ...(against === '' ? {} : { version: against }) } }));
      setError(undefined);
    } catch (err) {
      setError(err as Error);
      setResult(undefined);
    }
  };
  return (
    <form class="card" onSubmit={test} aria-labelledby="tester-h">
      <h2 id="tester-h">Compatibility tester</h2>
      <label>Type
        <select value={schemaType} onChange={(e) => setSchemaType(e.currentTarget.value)}>
          <option value="AVRO">Avro</option><option value="JSON">JSON Schema</option><option value="PROTOBUF">Protobuf</option>
        </select>
      </label>
      <label>Against
        <select value={against} onChange={(e) => setAgainst(e.currentTarget.value)}>
          <option value="">the subject's compatibility level</option>
          {versions.map((v) => <option key={v.version} value={String(v.version)}>version {v.version}</option>)}
        </select>
      </label>
      <label>Candidate schema <textarea rows={8} class="code" value={schema} onInput={(e) => setSchema(e.currentTarget.value)} required /></label>
      <button type="submit" disabled={schema === ''}>Test</button>
      <ErrorNote error={error} />
      {result !== undefined && (
        <div role="status">
          <p class={result.compatible ? 'good-text' : 'error'}><strong>{result.compatible ? 'Compatible' : 'Not compatible'}</strong></p>
          {result.messages.length > 0 && <ul>{result.messages.map((m) => <li key={m}><code>{m}</code></li>)}</ul>}
        </div>
      )}
    </form>
  );
}

export function Subject({ subject }: { subject: string }) {
  const d = usePoll(() => api<Detail>(`/schemas/subjects/${enc(subject)}`), 0, [subject]);
  const [left, setLeft] = useState<number | undefined>();
  const [right, setRight] = useState<number | undefined>();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const versions = d.data?.versions ?? [];
  const l = versions.find((v) => v.version === left) ?? versions[versions.length - 2] ?? versions[0];
  const r = versions.find((v) => v.version === right) ?? versions[versions.length - 1];
  const remove = async (): Promise<void> => {
    try {
      await api(`/schemas/subjects/${enc(subject)}`, { method: 'DELETE' });
      location.hash = '#/schemas';
    } catch (err) {
      setError(err as Error);
      setConfirming(false);
    }
  };
  return (
    <>
      <p><a href="#/schemas">← Schemas</a></p>
      <Heading>Subject {subject}</Heading>
      <ErrorNote error={d.error ?? error} />
      {d.data === undefined ? <Loading what="the subject" /> : (
        <>
          <p>Compatibility <strong>{d.data.compatibility}</strong>; {versions.length} version(s).</p>
          <table>
            <thead><tr><th scope="col" class="num">Version</th><th scope="col" class="num">Id</th><th scope="col">Type</th></tr></thead>
            <tbody>{versions.map((v) => <tr key={v.version}><td class="num">{v.version}</td><td class="num">{v.id}</td><td>{v.schemaType}</td></tr>)}</tbody>
          </table>
          {l !== undefined && r !== undefined && (
            <section aria-labelledby="diff-h">
              <h2 id="diff-h">Compare versions</h2>
              <div class="toolbar">
                <label>Older <select value={l.version} onChange={(e) => setLeft(Number(e.currentTarget.value))}>{versions.map((v) => <option key={v.version} value={v.version}>{v.version}</option>)}</select></label>
                <label>Newer <select value={r.version} onChange={(e) => setRight(Number(e.currentTarget.value))}>{versions.map((v) => <option key={v.version} value={v.version}>{v.version}</option>)}</select></label>
              </div>
              <SideBySide left={pretty(l)} right={pretty(r)} />
            </section>
          )}
          <div class="split">
            <Tester subject={subject} versions={versions} />
            <RegisterForm subject={subject} onRegistered={() => d.refresh()} />
          </div>
          <p><button type="button" class="danger" onClick={() => setConfirming(true)}>Delete subject…</button></p>
        </>
      )}
      <Confirm open={confirming} title={`Delete ${subject}?`} confirmLabel="Delete" onClose={() => setConfirming(false)} onConfirm={() => void remove()}>
        <p>A soft delete: the versions stop being served by subject, their ids still answer.</p>
      </Confirm>
    </>
  );
}
