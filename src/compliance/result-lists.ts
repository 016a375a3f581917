/*
 * Kept apart from result-rows.ts (which hashes with node:crypto) so the web app's CSV export can
 * bundle the CLI's formatCsv, which needs only this.
 */
/**
 * The rows of a GraphQL result: what a saved query's diff compares and what the CLI prints as
 * a table or CSV. A list is any array of objects in the data, found top-down (a row's own
 * arrays stay inside the row); a connection's `edges` count as their `node`s.
 */
export interface ResultList {
  /** The path into `data`, e.g. "antiAffinityViolations.nodes". */
  list: string;
  rows: Record<string, unknown>[];
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export function resultLists(data: unknown): ResultList[] {
  const lists: ResultList[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (Array.isArray(value)) {
      if (value.length > 0 && !value.every(isObject)) return;
      const edges = path.at(-1) === "edges" && value.length > 0 && value.every((e) => isObject(e) && isObject(e.node));
      lists.push({ list: path.join("."), rows: edges ? value.map((e) => (e as { node: Record<string, unknown> }).node) : (value as Record<string, unknown>[]) });
      return;
    }
    if (isObject(value)) for (const [field, child] of Object.entries(value)) walk(child, [...path, field]);
  };
  walk(data, []);
  return lists;
}
