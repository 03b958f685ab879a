// The console's shell: navigation, the page for the current route, and the admin token
// prompt when the API asks for one.
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { setToken, setUnauthorizedHandler } from './api.js';
import { useRoute } from './hooks.js';
import { Overview } from './pages/overview.js';
import { Topics } from './pages/topics.js';
import { Topic } from './pages/topic.js';
import { Groups } from './pages/groups.js';
import { Group } from './pages/group.js';
import { Schemas } from './pages/schemas.js';
import { Subject } from './pages/subject.js';
import './style.css';

const NAV = [['overview', 'Overview'], ['topics', 'Topics'], ['groups', 'Consumer groups'], ['schemas', 'Schemas']] as const;

function TokenPrompt({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState('');
  return (
    <form class="card token" onSubmit={(e) => { e.preventDefault(); setToken(value); onDone(); }}>
      <h2>Admin token</h2>
      <p>This broker's admin API needs a token (from its --admin-token-file).</p>
      <label>Token <input type="password" value={value} onInput={(e) => setValue(e.currentTarget.value)} autoComplete="off" required /></label>
      <button type="submit">Use token</button>
    </form>
  );
}

function App() {
  const route = useRoute();
  const [needToken, setNeedToken] = useState(false);
  const [generation, setGeneration] = useState(0);
  setUnauthorizedHandler(() => setNeedToken(true));
  const [page, a, b] = route;
  let content;
  if (page === 'topics' && a !== undefined) content = <Topic name={a} tab={b ?? 'partitions'} />;
  else if (page === 'topics') content = <Topics />;
  else if (page === 'groups' && a !== undefined) content = <Group id={a} />;
  else if (page === 'groups') content = <Groups />;
  else if (page === 'schemas' && a !== undefined) content = <Subject subject={a} />;
  else if (page === 'schemas') content = <Schemas />;
  else content = <Overview />;
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header>
        <span class="brand" aria-hidden="true">▤</span> <strong>Strata</strong>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([key, label]) => <li key={key}><a href={`#/${key}`} aria-current={page === key ? 'page' : undefined}>{label}</a></li>)}
          </ul>
        </nav>
      </header>
      <main id="main" key={`${route.join('/')}#${generation}`}>
        {needToken ? <TokenPrompt onDone={() => { setNeedToken(false); setGeneration((g) => g + 1); }} /> : content}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
