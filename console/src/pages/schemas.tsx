// Schemas: the registry's subjects with their latest version, and registering a schema.
import { useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { usePoll } from '../hooks.js';
import { ErrorNote, Heading, Loading } from '../ui.js';

interface SubjectRow { subject: string; latestVersion: number; id: number; schemaType: string; compatibility: string }

export function RegisterForm({ subject: fixed, onRegistered }: { subject?: string; onRegistered: (subject: string, r: { id: number; version: number }) => void }) {
  const [subject, setSubject] = useState(fixed ?? '');
  const [schemaType, setSchemaType] = useState('AVRO');
  const [schema, setSchema] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      const r = await api<{ id: number; version: number }>(`/schemas/subjects/${enc(subject)}/versions`, { method: 'POST', body: { schema, schemaType } });
      setError(undefined);
      onRegistered(subject, r);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="register-h">
      <h2 id="register-h">Register a {fixed === undefined ? 'schema' : 'new version'}</h2>
      {fixed === undefined && <label>Subject <input value={subject} onInput={(e) => setSubject(e.currentTarget.value)} placeholder="orders-value" required /></label>}
      <label>Type
        <select value={schemaType} onChange={(e) => setSchemaType(e.currentTarget.value)}>
          <option value="AVRO">Avro</option><option value="JSON">JSON Schema</option><option value="PROTOBUF">Protobuf</option>
        </select>
      </label>
      <label>Schema <textarea rows={8} class="code" value={schema} onInput={(e) => setSchema(e.currentTarget.value)} required /></label>
      <ErrorNote error={error} />
      <button type="submit" disabled={subject === '' || schema === ''}>Register</button>
    </form>
  );
}

export function Schemas() {
  const subjects = usePoll(() => api<SubjectRow[]>('/schemas/subjects'), 10_000);
  return (
    <>
      <Heading>Schemas</Heading>
      <div class="split">
        <section aria-labelledby="subjects-h">
          <h2 id="subjects-h" class="sr-only">Subjects</h2>
          <ErrorNote error={subjects.error} />
          {subjects.data === undefined ? <Loading what="subjects" /> : (
            <table>
              <thead><tr><th scope="col">Subject</th><th scope="col">Type</th><th scope="col" class="num">Latest version</th><th scope="col" class="num">Id</th><th scope="col">Compatibility</th></tr></thead>
              <tbody>
                {subjects.data.map((s) => <tr key={s.subject}><td><a href={`#/schemas/${enc(s.subject)}`}>{s.subject}</a></td><td>{s.schemaType}</td><td class="num">{s.latestVersion}</td><td class="num">{s.id}</td><td>{s.compatibility}</td></tr>)}
                {subjects.data.length === 0 && <tr><td colSpan={5} class="muted">No subjects yet.</td></tr>}
              </tbody>
            </table>
          )}
        </section>
        <RegisterForm onRegistered={(subject) => { location.hash = `#/schemas/${enc(subject)}`; }} />
      </div>
    </>
  );
}
