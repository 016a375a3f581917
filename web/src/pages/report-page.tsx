/*
 * The report page: the isolation report or the anti-affinity violations as one table, read in
 * pages of 1000 (rows show as the first page arrives), filtered and sorted in the browser and
 * drawn virtualized (only the rows in view are in the DOM), so 100k rows stay smooth. The CSV
 * is the CLI's own export (src/cli/result-table.ts formatCsv over the same selection), so the
 * file equals `tenancy report --format csv`.
 */
import { useEffect, useState } from 'preact/hooks';
import { REPORT_SELECTION, VIOLATIONS_SELECTION } from '../../../src/cli/export-selections.ts';
import { flattenRow, formatCsv } from '../../../src/cli/result-table.ts';
import { ErrorNote } from '../error-note.tsx';
import { gql } from '../graphql-client.ts';
import { navigate, type Route } from '../router.ts';
import { VirtualTable, type Row } from '../virtual-table.tsx';

/** The two lists the page shows: the field, its selection and its columns. */
const LISTS = {
  report: { field: 'isolationReport', selection: REPORT_SELECTION, title: 'Isolation report', args: 'outcome: $outcome', declared: '$outcome: IsolationOutcome' },
  violations: { field: 'antiAffinityViolations', selection: VIOLATIONS_SELECTION, title: 'Anti-affinity violations', args: '', declared: '' },
} as const;
type ListName = keyof typeof LISTS;
const PAGE = 1000;

export function ReportPage({ route }: { route: Route }) {
  const list: ListName = route.query.get('list') === 'violations' ? 'violations' : 'report';
  const outcome = route.query.get('outcome') ?? '';
  const { nodes, rows, total, error } = useEveryPage(list, outcome);
  const [filter, setFilter] = useState(route.query.get('filter') ?? '');
  const go = (next: Record<string, string>) => navigate(`/report?${new URLSearchParams({ list, ...(outcome ? { outcome } : {}), ...next })}`);
  const download = () => {
    const csv = formatCsv({ [LISTS[list].field]: { nodes } });
    const anchor = document.createElement('a');
    anchor.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    anchor.download = `${LISTS[list].field}${outcome ? `-${outcome}` : ''}.csv`;
    anchor.click();
  };
  return (
    <section aria-labelledby="report-heading">
      <h1 id="report-heading">{LISTS[list].title}</h1>
      <form class="pickers" onSubmit={(e) => e.preventDefault()}>
        <label class="picker" for="list">
          <span>List</span>
          <select id="list" value={list} onChange={(e) => navigate(`/report?list=${(e.target as HTMLSelectElement).value}`)}>
            <option value="report">isolation report</option>
            <option value="violations">anti-affinity violations</option>
          </select>
        </label>
        {list === 'report' ? (
          <label class="picker" for="outcome">
            <span>Outcome</span>
            <select id="outcome" value={outcome} onChange={(e) => go({ outcome: (e.target as HTMLSelectElement).value })}>
              <option value="">every pair not isolated</option>
              <option value="NOT_ISOLATED">NOT_ISOLATED</option>
              <option value="UNPROVEN">UNPROVEN</option>
            </select>
          </label>
        ) : null}
        <label class="picker" for="filter">
          <span>Filter (any column)</span>
          <input id="filter" type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
        </label>
        <button type="button" onClick={download} disabled={total === null || nodes.length < total}>Download CSV</button>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      <p role="status" id="report-progress">{total === null ? 'Loading…' : nodes.length < total ? `${nodes.length} of ${total} rows loaded…` : `${total} rows`}</p>
      <VirtualTable rows={rows} filter={filter} label={LISTS[list].title} />
    </section>
  );
}

/** Every node of the list, page after page; what has arrived so far is shown at once (each page flattened once, as it comes). */
function useEveryPage(list: ListName, outcome: string) {
  const [state, setState] = useState<{ nodes: unknown[]; rows: Row[]; total: number | null; error: unknown }>({ nodes: [], rows: [], total: null, error: null });
  useEffect(() => {
    let current = true;
    const { field, selection, args, declared } = LISTS[list];
    const query = `query(${declared ? `${declared}, ` : ''}$first: Int!, $after: String) { ${field}(${args ? `${args}, ` : ''}first: $first, after: $after) { totalCount nodes { ${selection} } pageInfo { hasNextPage endCursor } } }`;
    (async () => {
      let nodes: unknown[] = [];
      let rows: Row[] = [];
      let after: string | null = null;
      do {
        const data: Record<string, { totalCount: number; nodes: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }> = await gql(query, { outcome: outcome || null, first: PAGE, after });
        if (!current) return;
        const page = data[field];
        nodes = nodes.concat(page.nodes);
        rows = rows.concat(page.nodes.map((n) => flattenRow(n as Record<string, unknown>) as Row));
        setState({ nodes, rows, total: page.totalCount, error: null });
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
    })().catch((error) => current && setState((s) => ({ ...s, error })));
    return () => {
      current = false;
    };
  }, [list, outcome]);
  return state;
}
