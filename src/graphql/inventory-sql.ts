import type { SqlParam } from "../db/sql-client.ts";
import { TABLES } from "../inventory/inventory-tables.ts";
import type { InventoryKind } from "../inventory/snapshot.ts";

/**
 * SQL fragments for placement: which hosts, VMs and containers sit in a datacenter or on a
 * host. A host's datacenter is its rack's when the rack is synced, else the one it names.
 * Each fragment selects keys, for use in `t.x IN (…)`.
 */
export function hostsInDatacenter(param: string): string {
  return `SELECT h.key FROM host h WHERE h.rack IN (SELECT r.key FROM rack r WHERE r.datacenter = ${param})
          UNION ALL
          SELECT h.key FROM host h WHERE h.datacenter = ${param}
             AND NOT EXISTS (SELECT 1 FROM rack r WHERE r.key = h.rack)`;
}

export function virtualMachinesInDatacenter(param: string): string {
  return `SELECT v.key FROM virtual_machine v WHERE v.datacenter = ${param} OR v.host IN (${hostsInDatacenter(param)})`;
}

/** Builds a WHERE clause from optional filter conditions, collecting parameters in order. */
export class WhereBuilder {
  readonly params: SqlParam[] = [];
  private readonly conditions: string[] = [];

  param(value: SqlParam): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** Adds `condition(p)` when `value` is given, p being the placeholder bound to it. */
  when(value: string | null | undefined, condition: (p: string) => string): this {
    if (value !== null && value !== undefined) this.conditions.push(condition(this.param(value)));
    return this;
  }

  /** Adds a condition whose parameters are already bound. */
  add(condition: string): this {
    if (condition !== "TRUE") this.conditions.push(condition);
    return this;
  }

  sql(): string {
    return this.conditions.length === 0 ? "TRUE" : this.conditions.join(" AND ");
  }
}

export type Filter = Record<string, string | null | undefined>;

/** The conditions each top-level connection's `filter` argument turns into. */
export function applyFilter(kind: InventoryKind, filter: Filter, where: WhereBuilder): void {
  where
    .when(filter.source, (p) => (TABLES[kind].shared ? `${p} = ANY(t.sources)` : `t.source = ${p}`))
    .when(filter.keyPrefix, (p) => `starts_with(t.key, ${p})`);
  switch (kind) {
    case "datacenters":
      where
        .when(filter.region, (p) => `t.region = ${p}`)
        .when(filter.provider, (p) => `t.provider = ${p}`)
        .when(filter.planet, (p) => `t.planet = ${p}`)
        .when(filter.hazardZone, (p) => `${p} = ANY(t.hazard_zones)`);
      break;
    case "powerDomains":
    case "networkDomains":
    case "racks":
      where.when(filter.datacenter, (p) => `t.datacenter = ${p}`);
      break;
    case "hosts":
      where
        .when(filter.datacenter, (p) => `t.key IN (${hostsInDatacenter(p)})`)
        .when(filter.rack, (p) => `t.rack = ${p}`)
        .when(filter.dedicatedTo, (p) => `t.dedicated_to = ${p}`);
      break;
    case "virtualMachines":
      where
        .when(filter.datacenter, (p) => `t.key IN (${virtualMachinesInDatacenter(p)})`)
        .when(filter.host, (p) => `t.host = ${p}`)
        .when(filter.container, (p) => `t.container = ${p}`)
        .when(filter.tenant, (p) => `t.tenant = ${p}`)
        .when(filter.workload, (p) => `t.workload = ${p}`);
      break;
    case "containers":
      where
        .when(
          filter.datacenter,
          (p) => `(t.host IN (${hostsInDatacenter(p)}) OR t.virtual_machine IN (${virtualMachinesInDatacenter(p)}))`,
        )
        .when(filter.host, (p) => `(t.host = ${p} OR t.virtual_machine IN (SELECT v.key FROM virtual_machine v WHERE v.host = ${p}))`)
        .when(filter.virtualMachine, (p) => `t.virtual_machine = ${p}`)
        .when(filter.tenant, (p) => `t.tenant = ${p}`)
        .when(filter.workload, (p) => `t.workload = ${p}`)
        .when(filter.runtime, (p) => `t.runtime = ${p}`);
      break;
    case "tenants":
      where.when(filter.organization, (p) => `t.organization = ${p}`);
      break;
    case "workloads":
      where.when(filter.tenant, (p) => `t.tenant = ${p}`);
      break;
  }
}

/**
 * A relation from a parent object to a list of children, batched over many parents: `from`
 * and `match` select the children of the parents in `$1` (a text[] of parent keys), and
 * `parent` names which parent each row belongs to.
 */
export interface ChildRelation {
  kind: InventoryKind;
  from: string;
  match: string;
  parent: string;
}

const direct = (kind: InventoryKind, table: string, column: string): ChildRelation => ({
  kind,
  from: `${table} t`,
  match: `t.${column} = ANY($1::text[])`,
  parent: `t.${column}`,
});

export const CHILD_RELATIONS = {
  "Datacenter.racks": direct("racks", "rack", "datacenter"),
  "Datacenter.powerDomains": direct("powerDomains", "power_domain", "datacenter"),
  "Datacenter.networkDomains": direct("networkDomains", "network_domain", "datacenter"),
  "Datacenter.hosts": {
    kind: "hosts",
    from: "host t LEFT JOIN rack r ON r.key = t.rack",
    match: "(r.datacenter = ANY($1::text[]) OR (r.key IS NULL AND t.datacenter = ANY($1::text[])))",
    parent: "COALESCE(r.datacenter, t.datacenter)",
  },
  "Datacenter.virtualMachines": direct("virtualMachines", "virtual_machine", "datacenter"),
  "PowerDomain.racks": {
    kind: "racks",
    from: "rack t CROSS JOIN LATERAL unnest(t.power_domains) AS d(key)",
    match: "d.key = ANY($1::text[])",
    parent: "d.key",
  },
  "NetworkDomain.racks": {
    kind: "racks",
    from: "rack t CROSS JOIN LATERAL unnest(t.network_domains) AS d(key)",
    match: "d.key = ANY($1::text[])",
    parent: "d.key",
  },
  "Rack.hosts": direct("hosts", "host", "rack"),
  "Host.virtualMachines": direct("virtualMachines", "virtual_machine", "host"),
  "Host.containers": direct("containers", "container", "host"),
  "VirtualMachine.containers": direct("containers", "container", "virtual_machine"),
  "Container.virtualMachines": direct("virtualMachines", "virtual_machine", "container"),
  "Tenant.workloads": direct("workloads", "workload", "tenant"),
  "Tenant.virtualMachines": direct("virtualMachines", "virtual_machine", "tenant"),
  "Tenant.containers": direct("containers", "container", "tenant"),
  "Workload.virtualMachines": direct("virtualMachines", "virtual_machine", "workload"),
  "Workload.containers": direct("containers", "container", "workload"),
} satisfies Record<string, ChildRelation>;

export type ChildRelationName = keyof typeof CHILD_RELATIONS;
