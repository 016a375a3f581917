import { canonicalJson, resultLists, rowKey } from "./result-rows.ts";

/** What appeared, disappeared and changed between two results of one saved query. */
export interface ResultDiff {
  appeared: { list: string; key: string; row: unknown }[];
  disappeared: { list: string; key: string; row: unknown }[];
  changed: { list: string; key: string; before: unknown; after: unknown }[];
}

function keyedRows(data: unknown): Map<string, { list: string; key: string; row: Record<string, unknown> }> {
  const rows = new Map<string, { list: string; key: string; row: Record<string, unknown> }>();
  for (const { list, rows: items } of resultLists(data)) {
    for (const row of items) {
      const base = rowKey(row);
      // Two rows with one key in one list (a query that selects no identifying field) stay apart.
      let key = base;
      for (let n = 2; rows.has(`${list}\u0000${key}`); n++) key = `${base} #${n}`;
      rows.set(`${list}\u0000${key}`, { list, key, row });
    }
  }
  return rows;
}

/** `after` compared with `before`: rows matched by list and key (result-rows.ts). */
export function diffResults(before: unknown, after: unknown): ResultDiff {
  const old = keyedRows(before);
  const now = keyedRows(after);
  const diff: ResultDiff = { appeared: [], disappeared: [], changed: [] };
  for (const [id, entry] of now) {
    const was = old.get(id);
    if (!was) diff.appeared.push(entry);
    else if (canonicalJson(was.row) !== canonicalJson(entry.row)) diff.changed.push({ list: entry.list, key: entry.key, before: was.row, after: entry.row });
  }
  for (const [id, entry] of old) if (!now.has(id)) diff.disappeared.push(entry);
  return diff;
}
