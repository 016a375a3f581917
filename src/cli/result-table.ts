import { resultLists } from "../compliance/result-lists.ts";
import { terminalText } from "./terminal-text.ts";

/*
 * A GraphQL result as a terminal table or as CSV. The rows are the result's lists
 * (src/compliance/result-rows.ts); nested objects become dotted columns ("workload.key"), a
 * list of one-field objects becomes its values joined ("replicas.key": "vm-1, vm-2").
 */
type Cell = string | number | boolean | null;

export function flattenRow(row: Record<string, unknown>, prefix = "", into: Record<string, Cell> = {}): Record<string, Cell> {
  for (const [field, value] of Object.entries(row)) {
    const column = prefix ? `${prefix}.${field}` : field;
    if (value === null || value === undefined) into[column] = null;
    else if (Array.isArray(value)) {
      const items: unknown[] = value;
      const objects = items.filter((v): v is object => typeof v === "object" && v !== null);
      const single = objects.length === value.length && objects.every((o) => Object.keys(o).length === 1);
      if (single && objects.length > 0) into[`${column}.${Object.keys(objects[0])[0]}`] = objects.map((o) => String(Object.values(o)[0])).join(", ");
      else into[column] = objects.length === 0 ? items.join(", ") : JSON.stringify(items);
    } else if (typeof value === "object") flattenRow(value as Record<string, unknown>, column, into);
    else into[column] = value as Cell;
  }
  return into;
}

/** Each list of the result as rows of cells; the whole result as one row when it has no list. */
export function tablesOf(data: unknown): { list: string; columns: string[]; rows: Record<string, Cell>[] }[] {
  const lists = resultLists(data);
  const found = lists.length > 0 ? lists : [{ list: "", rows: [data as Record<string, unknown>] }];
  return found.map(({ list, rows }) => {
    const flat = rows.map((row) => flattenRow(row));
    const columns = [...new Set(flat.flatMap((row) => Object.keys(row)))];
    return { list, columns, rows: flat };
  });
}

const MAX_CELL = 60;
const show = (cell: Cell | undefined) => (cell === null || cell === undefined ? "-" : terminalText(String(cell)));
const clip = (text: string) => (text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text);

/** Aligned columns for a terminal, one block per list, each headed by its path when there are several. */
export function formatTable(data: unknown): string {
  const tables = tablesOf(data);
  return tables
    .map(({ list, columns, rows }) => {
      const cells = rows.map((row) => columns.map((c) => clip(show(row[c]))));
      const names = columns.map(terminalText);
      const widths = names.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
      const line = (values: string[]) =>
        values
          .map((v, i) => v.padEnd(widths[i]))
          .join("  ")
          .trimEnd();
      const heading = tables.length > 1 ? [`${terminalText(list)} (${rows.length})`] : [];
      const body = rows.length === 0 ? ["(no rows)"] : [line(names), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)];
      return [...heading, ...body].join("\n");
    })
    .join("\n\n");
}

/**
 * RFC 4180 CSV of one list (the first, or the one named). A text cell that a spreadsheet would
 * read as a formula (=, +, -, @) gets a leading apostrophe.
 */
export function formatCsv(data: unknown, listPath?: string): string {
  const tables = tablesOf(data);
  const table = listPath === undefined ? tables[0] : tables.find((t) => t.list === listPath);
  if (!table) throw new Error(`the result has no list "${listPath}"; its lists: ${tables.map((t) => t.list).join(", ")}`);
  const cell = (value: Cell | undefined) => {
    if (value === null || value === undefined) return "";
    // Control characters as escapes here too: the file ends up printed on a terminal sooner or later.
    let text = terminalText(String(value));
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [table.columns.map(cell).join(","), ...table.rows.map((row) => table.columns.map((c) => cell(row[c])).join(","))].join("\r\n") + "\r\n";
}
