import type { InventoryKind, InventoryRecordInput, KubernetesNodeRecord } from "../inventory/snapshot.ts";
import { mergeSnapshotRecords } from "./merge-snapshot-records.ts";
import { getOrInsert } from "../domain/get-or-insert.ts";

/*
 * A connector turns one provider's own data (the JSON its CLI prints, or the same objects read
 * live through its SDK) into the contract's snapshot, with a warning for each thing it could not
 * map. Everything after the snapshot (validation, sync, verdicts) is shared.
 *
 * Mapping is pure: `map(documents, options)` reads only its arguments, so each connector is
 * tested on fixtures field by field. `fetch(options)` (where the provider has an SDK or an API)
 * reads the live provider into the same documents; it throws when any part fails (a region
 * denied, a page that errors), so a source never syncs a partial snapshot as complete.
 */
export interface ConnectorOptions {
  /** The snapshot's source key, e.g. "aws-prod". */
  source: string;
  /** Provider-specific settings (tag keys, region, endpoint, …), as strings from the CLI or sources.yaml. */
  settings: Record<string, string | string[] | undefined>;
}

export interface ConnectorWarning {
  /** What it concerns: an instance id, a pod, a file. */
  subject: string;
  message: string;
}

/**
 * A snapshot document as the contract writes it (validated later by the sync): each kind's
 * records typed by the snapshot's declaration (src/inventory/snapshot.ts) as input, so a
 * connector may leave out what has a default.
 */
export type SnapshotDocument = { source: string; complete: true; kubernetesNodes?: KubernetesNodeRecord[] } & SnapshotCollections;
type SnapshotCollections = { [K in InventoryKind]: InventoryRecordInput<K>[] };

export interface ConnectorResult {
  snapshot: SnapshotDocument;
  warnings: ConnectorWarning[];
}

export interface Connector {
  /** The name on the command line: `tenancy sync <name>`. */
  name: string;
  /** What each `--file` holds, for the usage text. */
  exportFormat: string;
  /** The provider's documents → a snapshot. */
  map(documents: unknown[], options: ConnectorOptions): ConnectorResult;
  /** Reads the live provider into documents `map` takes; absent when only exports are supported. */
  fetch?(options: ConnectorOptions): Promise<unknown[]>;
  /**
   * What to do when a sync is refused because another source owns ids of a kind this
   * connector wrote (two sources of one provider describing one object): its own settings, in
   * its own words. Added to the refusal by ownership-hints.ts.
   */
  ownershipHints?: Partial<Record<InventoryKind, string>>;
}

/**
 * Collects a snapshot: each record once by id (the first wins, a conflicting second is a
 * warning), and the warnings.
 */
export class SnapshotBuilder {
  readonly snapshot: SnapshotDocument;
  readonly warnings: ConnectorWarning[] = [];
  private readonly seen = new Map<string, Map<string, Record<string, unknown>>>();

  constructor(source: string) {
    this.snapshot = {
      source,
      complete: true,
      datacenters: [],
      powerDomains: [],
      networkDomains: [],
      racks: [],
      hosts: [],
      tenants: [],
      workloads: [],
      virtualMachines: [],
      containers: [],
    };
  }

  add<K extends InventoryKind>(kind: K, record: InventoryRecordInput<K>): void {
    const byId = getOrInsert(this.seen, kind, () => new Map<string, Record<string, unknown>>());
    const id = String(record.id);
    const earlier = byId.get(id);
    if (!earlier) {
      byId.set(id, record);
      const collection: SnapshotCollections[K] = this.snapshot[kind];
      collection.push(record);
      return;
    }
    // The same object twice (two exports of it): one record whatever the order, proving no more than either.
    const { record: merged, conflicts } = mergeSnapshotRecords(kind, earlier, record);
    if (conflicts.length === 0) return;
    for (const field of Object.keys(earlier)) delete earlier[field];
    Object.assign(earlier, merged);
    this.warn(id, `two different ${kind} records have the id "${id}" (they disagree on ${conflicts.join(", ")}); merged, keeping only what both prove`);
  }

  /** A workload a unit names. Units of different tenants naming one workload are a warning; the smaller tenant key owns it, whatever the order. */
  workload(id: string, tenant: string, subject: string, fields: Partial<InventoryRecordInput<"workloads">> = {}): void {
    const existing = this.snapshot.workloads.find((w) => w.id === id);
    if (!existing) return this.add("workloads", { ...fields, id, tenant });
    if (existing.tenant === tenant) return;
    this.warn(subject, `workload ${id} is named by units of tenants ${[existing.tenant, tenant].sort().join(" and ")}; it belongs to ${[existing.tenant, tenant].sort()[0]}`);
    if (tenant < existing.tenant) existing.tenant = tenant;
  }

  warn(subject: string, message: string): void {
    this.warnings.push({ subject, message });
  }

  private readonly notRunning = new Map<string, { what: string; counts: Map<string, number> }>();

  /** Counts a unit left out because it does not run; `result()` says how many, by state, in one warning per subject. */
  leaveOut(subject: string, what: string, state: string): void {
    const { counts } = getOrInsert(this.notRunning, subject, () => ({ what, counts: new Map<string, number>() }));
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }

  result(): ConnectorResult {
    for (const [subject, { what, counts }] of this.notRunning) {
      this.warn(subject, `left out ${what} that do not run: ${[...counts].map(([state, n]) => `${n} ${state}`).join(", ")}`);
    }
    this.notRunning.clear();
    return { snapshot: this.snapshot, warnings: this.warnings };
  }
}

/** A setting as one string (the last given), or the fallback. */
export function setting(options: ConnectorOptions, name: string, fallback: string): string;
export function setting(options: ConnectorOptions, name: string, fallback?: undefined): string | undefined;
export function setting(options: ConnectorOptions, name: string, fallback?: string): string | undefined {
  const value = options.settings[name];
  const last = Array.isArray(value) ? value.at(-1) : value;
  return last === undefined || last === "" ? fallback : last;
}

/** A tenant or workload name from tags: the first key present, trimmed. */
export function tagValue(tags: Record<string, string | undefined> | undefined, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = tags?.[key]?.trim();
    if (value) return value;
  }
  return null;
}

/**
 * How the clouds name owners: the tenant and workload tags (or labels) a connector is told
 * (`tenant-tag`, `workload-tag`), else `default-tenant`. The returned function gives a unit's
 * owner, registering its workload; a unit with no tenant is a warning and null (left out).
 */
export function ownersFromTags(options: ConnectorOptions, defaults: { tenantTags: string; workloadTags: string; word: "tags" | "labels" }) {
  const tenantKeys = keyList(setting(options, "tenant-tag", defaults.tenantTags));
  const workloadKeys = keyList(setting(options, "workload-tag", defaults.workloadTags));
  const defaultTenant = setting(options, "default-tenant");
  return (b: SnapshotBuilder, subject: string, tags: Record<string, string | undefined> | undefined): { tenant: string; workload: string | null } | null => {
    const tenant = tagValue(tags, tenantKeys) ?? defaultTenant;
    if (!tenant) {
      b.warn(subject, `no tenant: none of the ${defaults.word} ${tenantKeys.join(", ")} is set and no default tenant is configured; left out`);
      return null;
    }
    const workload = tagValue(tags, workloadKeys);
    if (workload) b.workload(workload, tenant, subject);
    return { tenant, workload };
  };
}

/** "tenant,Tenant" → ["tenant", "Tenant"]. */
export const keyList = (value: string) =>
  value
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
