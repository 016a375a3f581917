import { readFileSync } from "node:fs";
import path from "node:path";

/** A provider fixture: JSON in the provider's own export format. */
export const fixture = (provider: string, file: string): unknown => JSON.parse(readFileSync(path.resolve("test/connectors/fixtures", provider, file), "utf8"));

/** The record of `kind` with this id, or a failure naming what is there. */
export function record<T = Record<string, any>>(snapshot: object, kind: string, id: string): T {
  const found = (snapshot as Record<string, { id: string }[]>)[kind].find((r) => r.id === id);
  if (!found) throw new Error(`no ${kind} "${id}"; there are: ${ids(snapshot, kind).join(", ")}`);
  return found as T;
}

export const ids = (snapshot: object, kind: string) => (snapshot as Record<string, { id: string }[]>)[kind].map((r) => r.id).sort();

/** NetBox's fixture files: one API list answer per endpoint. */
export const NETBOX_FILES = ["sites", "racks", "power-panels", "power-feeds", "devices", "clusters", "virtual-machines", "tenants", "tenant-groups"];
