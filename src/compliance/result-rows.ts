import { createHash } from "node:crypto";

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

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

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

/** Fields that say which thing a row is about (beside `id`, `key` and any `…Key`). */
const IDENTITY = new Set(["name", "workload", "tenant", "unit", "otherUnit", "rule", "level", "kind", "mode", "domain", "replica"]);

/**
 * A row's key: its `id`, else its `key`, else its identifying fields (so a violation stays the
 * same row while its workload, rule, kind and domain do), else the whole row.
 */
export function rowKey(row: Record<string, unknown>): string {
  if (typeof row.id === "string") return row.id;
  if (typeof row.key === "string") return row.key;
  const parts: string[] = [];
  for (const field of Object.keys(row).sort()) {
    if (!IDENTITY.has(field) && !field.endsWith("Key")) continue;
    const value = row[field];
    if (isObject(value)) parts.push(`${field}=${typeof value.key === "string" ? value.key : typeof value.id === "string" ? value.id : canonicalJson(value)}`);
    else if (value !== undefined && value !== null) parts.push(`${field}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  return parts.length > 0 ? parts.join(" ") : canonicalJson(row);
}

/** JSON with object keys sorted, so equal values give equal text (and equal digests). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => value[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

export const digestOf = (value: unknown) => createHash("sha256").update(canonicalJson(value), "utf8").digest("hex");
