/*
 * GraphiQL, bundled (no CDN), served for `GET /graphql` with `Accept: text/html` when
 * TENANCY_GRAPHIQL allows (src/http/web-routes.ts). It sends the same bearer token as the app
 * (kept in this tab's session storage), entered in the bar above the editor. React without JSX:
 * the rest of the app's JSX is Preact's.
 */
import { GraphiQL } from 'graphiql';
import type { ExecutionResult } from 'graphql';
import 'graphiql/graphiql.css';
import { createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import './graphiql.css';
import { storedToken, storeToken } from './token-store.ts';

async function fetcher(params: unknown): Promise<ExecutionResult> {
  const token = storedToken();
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(params),
  });
  // The service answers GraphQL's result shape (or a JSON error body, which GraphiQL shows as it is).
  return (await response.json()) as ExecutionResult;
}

function TokenBar() {
  const [draft, setDraft] = useState('');
  const token = storedToken();
  const set = (value: string | null) => {
    storeToken(value);
    location.reload();
  };
  const home = h('a', { href: '/' }, 'Tenancy Scale');
  if (token) return h('div', { className: 'token-bar' }, home, h('span', null, 'Using a bearer token for this tab.'), h('button', { type: 'button', onClick: () => set(null) }, 'Forget token'));
  return h(
    'form',
    { className: 'token-bar', onSubmit: (e: Event) => (e.preventDefault(), draft.trim() && set(draft)) },
    home,
    h('label', { htmlFor: 'token-input' }, 'Bearer token'),
    h('input', { id: 'token-input', type: 'password', autoComplete: 'off', value: draft, onInput: (e: Event) => setDraft((e.target as HTMLInputElement).value) }),
    h('button', { type: 'submit' }, 'Use token'),
  );
}

const DEFAULT_QUERY = `# The verdict the README opens with: press the run button (or Ctrl-Enter).
{
  isolation(workload: "genome-pipeline", tenant: "geology") {
    outcome required actual explanation
  }
}
`;

createRoot(document.getElementById('graphiql')!).render(
  h('div', { className: 'graphiql-shell' }, h(TokenBar), h('div', { className: 'graphiql-editor' }, h(GraphiQL, { fetcher, defaultQuery: DEFAULT_QUERY, shouldPersistHeaders: false }))),
);
