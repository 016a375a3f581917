import { readFileSync } from "node:fs";
import path from "node:path";

/** A provider fixture: JSON in the provider's own export format. */
export const fixture = (provider: string, file: string): unknown =>
  JSON.parse(readFileSync(path.resolve("test/connectors/fixtures", provider, file), "utf8"));

/** The record of `kind` with this id, or a failure naming what is there. */
export function record<T = Record<string, unknown>>(snapshot: Record<string, unknown>, kind: string, id: string): T {
  const found = (snapshot[kind] as { id: string }[]).find((r) => r.id === id);
  if (!found) throw new Error(`no ${kind} "${id}"; there are: ${(snapshot[kind] as { id: string }[]).map((r) => r.id).join(", ")}`);
  return found as T;
}

export const ids = (snapshot: Record<string, unknown>, kind: string) => (snapshot[kind] as { id: string }[]).map((r) => r.id).sort();
