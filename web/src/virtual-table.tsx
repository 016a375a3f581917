/*
 * A table that puts only the rows in view into the DOM (fixed row height; spacer rows above and
 * below keep the scroll bar true), filtered by a substring of any cell and sorted by a column
 * (its header is a button; aria-sort says which way).
 */
import { useMemo, useState } from 'preact/hooks';

export type Row = Record<string, string | number | boolean | null>;

const ROW_H = 30;
const VIEW_H = 540;
const OVERSCAN = 10;

export function VirtualTable({ rows, filter, label }: { rows: Row[]; filter: string; label: string }) {
  const [sort, setSort] = useState<{ column: string; ascending: boolean } | null>(null);
  const [top, setTop] = useState(0);
  const columns = useMemo(() => [...new Set(rows.slice(0, 50).flatMap((r) => Object.keys(r)))], [rows]);
  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const kept = needle ? rows.filter((r) => columns.some((c) => String(r[c] ?? '').toLowerCase().includes(needle))) : rows;
    if (!sort) return kept;
    const { column, ascending } = sort;
    const order = ascending ? 1 : -1;
    return [...kept].sort((a, b) => order * compare(a[column], b[column]));
  }, [rows, filter, sort, columns]);
  const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
  const last = Math.min(shown.length, Math.ceil((top + VIEW_H) / ROW_H) + OVERSCAN);
  const toggle = (column: string) => setSort(sort?.column === column ? { column, ascending: !sort.ascending } : { column, ascending: true });
  return (
    <div class="virtual" tabIndex={0} aria-label={`${label}: ${shown.length} rows, scrollable`} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
      <table class="rows" aria-rowcount={shown.length + 1}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" aria-sort={sort?.column === c ? (sort.ascending ? 'ascending' : 'descending') : undefined}>
                <button type="button" class="sort" onClick={() => toggle(c)}>{c}{sort?.column === c ? (sort.ascending ? ' ▲' : ' ▼') : ''}</button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr class="spacer" aria-hidden="true"><td colSpan={columns.length} height={first * ROW_H} /></tr>
          {shown.slice(first, last).map((row, i) => (
            <tr aria-rowindex={first + i + 2}>
              {columns.map((c) => <td title={String(row[c] ?? '')}>{row[c] === null || row[c] === undefined ? '—' : String(row[c])}</td>)}
            </tr>
          ))}
          <tr class="spacer" aria-hidden="true"><td colSpan={columns.length} height={(shown.length - last) * ROW_H} /></tr>
        </tbody>
      </table>
    </div>
  );
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a ?? '').localeCompare(String(b ?? ''));
}
