import { createHash } from "node:crypto";

import { isObject } from "./result-lists.ts";

export { resultLists, type ResultList } from "./result-lists.ts";

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
