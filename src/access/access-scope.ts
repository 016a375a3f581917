import type { Topology, UnitRef } from "../domain/topology.ts";
import type { InventoryKind } from "../inventory/snapshot.ts";
import type { Principal } from "./principal.ts";

/** What a scope can limit: the inventory kinds, plus sources and sync runs. */
export type ScopedKind = InventoryKind | "sources" | "syncRuns";

/**
 * Which rows a caller may see. Every admin, compliance and sync caller sees every row (what a
 * sync caller may *call* is limited by the role table, access-rules.ts). A tenant caller sees
 * only its own tenant, the workloads, VMs and containers of that tenant, and the sources that
 * synced them; no infrastructure (hosts, racks, domains, datacenters), no other tenant's rows,
 * no sync runs.
 *
 * The scope is enforced twice: in SQL, where every inventory read of the API adds
 * `rowCondition` (so pages and counts never include a hidden row), and again in memory, where
 * the loaders check each row with `seesRow` before returning it (a wrong predicate fails
 * closed instead of leaking).
 */
export class AccessScope {
  /** The tenant the caller is bound to, or null when it sees every tenant. */
  readonly tenant: string | null;

  constructor(readonly principal: Principal) {
    this.tenant = principal.role === "tenant" ? principal.tenant : null;
  }

  /** True when the other side of a verdict must be redacted: its units, names and keys. */
  get redactsOthers(): boolean {
    return this.tenant !== null;
  }

  /** A SQL condition on the row alias `t` of `kind`; `bind` turns a value into a placeholder. */
  rowCondition(kind: ScopedKind, bind: (value: string) => string): string {
    if (this.tenant === null) return "TRUE";
    // Bind only when the condition uses it: PostgreSQL refuses a parameter no statement names.
    const tenant = this.tenant;
    switch (kind) {
      case "tenants":
        return `t.key = ${bind(tenant)}`;
      case "workloads":
      case "virtualMachines":
      case "containers":
        return `t.tenant = ${bind(tenant)}`;
      case "sources": {
        const p = bind(tenant);
        return `(EXISTS (SELECT 1 FROM tenant x WHERE x.source = t.key AND x.key = ${p})
              OR EXISTS (SELECT 1 FROM workload x WHERE x.source = t.key AND x.tenant = ${p})
              OR EXISTS (SELECT 1 FROM virtual_machine x WHERE x.source = t.key AND x.tenant = ${p})
              OR EXISTS (SELECT 1 FROM container x WHERE x.source = t.key AND x.tenant = ${p}))`;
      }
      default:
        return "FALSE";
    }
  }

  /** The second wall: may this loaded row reach the caller? */
  seesRow(kind: ScopedKind, row: Record<string, unknown>): boolean {
    if (this.tenant === null) return true;
    switch (kind) {
      case "tenants":
        return row.key === this.tenant;
      case "workloads":
      case "virtualMachines":
      case "containers":
        return row.tenant === this.tenant;
      case "sources":
        return true; // only reachable through the SQL condition above, which proves ownership
      default:
        return false;
    }
  }

  /** Throws (failing the request, never leaking) when a row outside the scope got past the SQL condition; the rows otherwise. */
  checked<T extends Record<string, unknown>>(kind: ScopedKind, rows: T[]): T[] {
    for (const row of rows) {
      if (!this.seesRow(kind, row)) throw new Error(`access: a ${kind} row outside ${this.principal.actor}'s scope passed the SQL condition`);
    }
    return rows;
  }

  /** May the caller ask about this workload (verdicts, violations, what-ifs)? */
  ownsWorkload(topology: Topology, key: string): boolean {
    if (this.tenant === null) return true;
    return topology.workloads.get(key)?.tenant === this.tenant;
  }

  /** Is this unit the caller's own (so it may be named in an answer)? */
  ownsUnit(topology: Topology, unit: UnitRef): boolean {
    if (this.tenant === null) return true;
    if (unit.kind === "host") return false;
    const units = unit.kind === "container" ? topology.containers : topology.virtualMachines;
    return units.get(unit.key)?.tenant === this.tenant;
  }

  /** May the caller see this tenant's key in a list (what-if results)? */
  seesTenant(key: string): boolean {
    return this.tenant === null || key === this.tenant;
  }
}
