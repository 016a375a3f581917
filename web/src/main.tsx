/*
 * The app shell: the pages' navigation, the token field, and the page the path names.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { gql, Unauthenticated } from './graphql-client.ts';
import { ErrorNote } from './error-note.tsx';
import './styles.css';
import './drawing.css';
import { onLinkClick, useRoute, type Route } from './router.ts';
import { storedToken, storeToken } from './token-store.ts';
import { ReportPage } from './pages/report-page.tsx';
import { SpreadPage } from './pages/spread-page.tsx';
import { VerdictPage } from './pages/verdict-page.tsx';
import { WhatIfPage } from './pages/what-if-page.tsx';

/** The pages, in the navigation's order: path, name, component. */
const PAGES: { path: string; name: string; page: (props: { route: Route }) => preact.JSX.Element }[] = [
  { path: '/verdict', name: 'Verdict', page: VerdictPage },
  { path: '/what-if', name: 'What if', page: WhatIfPage },
  { path: '/spread', name: 'Spread', page: SpreadPage },
  { path: '/report', name: 'Report', page: ReportPage },
];

function App() {
  const route = useRoute();
  const [, setTokenShown] = useState(storedToken());
  const page = PAGES.find((p) => p.path === route.path) ?? PAGES[0];
  const Page = page.page;
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header>
        <nav aria-label="Pages">
          <span class="brand">Tenancy Scale</span>
          {PAGES.map((p) => (
            <a href={p.path} onClick={onLinkClick} aria-current={p === page ? 'page' : undefined}>{p.name}</a>
          ))}
          <a href="/graphql">GraphiQL</a>
        </nav>
        <TokenForm onChange={setTokenShown} />
      </header>
      {/* Keyed by path and query: a new URL is a fresh page, with its own pickers' state. */}
      <main id="main" tabIndex={-1}>
        <Page key={`${route.path}?${route.query}`} route={route} />
      </main>
    </>
  );
}

/** Who the service takes this tab for: its actor and role, or why it refused. */
function useViewer(): { actor: string; role: string } | Error | null {
  const [viewer, setViewer] = useState<{ actor: string; role: string } | Error | null>(null);
  useEffect(() => {
    gql<{ viewer: { actor: string; role: string } }>('{ viewer { actor role } }').then((d) => setViewer(d.viewer), setViewer);
  }, []);
  return viewer;
}

function TokenForm({ onChange }: { onChange: (token: string | null) => void }) {
  const [draft, setDraft] = useState('');
  const token = storedToken();
  const viewer = useViewer();
  const who = viewer && !(viewer instanceof Error) ? <span class="viewer" id="viewer">{`${viewer.actor} (${viewer.role.toLowerCase()})`}</span> : null;
  const set = (value: string | null) => {
    storeToken(value);
    onChange(value);
    location.reload();
  };
  if (token) {
    return (
      <p class="token">{who} <button type="button" onClick={() => set(null)}>Forget token</button></p>
    );
  }
  return (
    <form class="token" aria-label="Bearer token" onSubmit={(e) => (e.preventDefault(), draft.trim() && set(draft))}>
      <label for="token-input">Bearer token</label>
      <input id="token-input" type="password" autocomplete="off" value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
      <button type="submit">Use token</button>
      {who}
      {viewer instanceof Unauthenticated ? <span class="needs-token">This service needs a token.</span> : viewer instanceof Error ? <ErrorNote error={viewer} /> : null}
    </form>
  );
}

render(<App />, document.getElementById('app')!);
