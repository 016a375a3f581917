import type { SqlParam } from "../db/sql-client.ts";
import { TABLES } from "../inventory/inventory-tables.ts";
import type { InventoryKind } from "../inventory/snapshot.ts";

/*
 * SQL fragments for placement: which hosts, VMs and containers sit in a datacenter or on a
 * host. A host's datacenter is its rack's when the rack is synced, else the one it names; a
 * host that names another than its rack's is in neither (src/domain/topology.ts `hostDatacenter`).
 * Each fragment selects keys, for use in `t.x IN (…)`.
 */
export function hostsInDatacenter(param: string): string {
  return `SELECT h.key FROM host h JOIN rack r ON r.key = h.rack
           WHERE r.datacenter = ${param} AND (h.datacenter IS NULL OR h.datacenter = r.datacenter)
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

/**
 * The conditions each top-level connection's `filter` argument turns into.
 *
 * For a caller bound to a tenant (`tenant` set), a filter compares only what that caller can
 * read: a row's reference keys as the API shows them to it (the key of another tenant's unit
 * or workload is null to it, so naming one matches nothing), and no walk through hosts or
 * racks, which it cannot read. Otherwise `containers(filter: { virtualMachine: "vm-1" })`
 * would confirm a guess of the hidden VM its container runs in.
 */
export function applyFilter(kind: InventoryKind, filter: Filter, where: WhereBuilder, tenant: string | null = null): void {
  where.when(filter.source, (p) => (TABLES[kind].shared ? `t.sources @> ARRAY[${p}::text]` : `t.source = ${p}`)).when(filter.keyPrefix, (p) => `starts_with(t.key, ${p})`);
  // "and the object named is the caller's own": only for a caller bound to a tenant.
  const own = (table: string, p: string) => (tenant === null ? "" : ` AND EXISTS (SELECT 1 FROM ${table} x WHERE x.key = ${p} AND x.tenant = ${where.param(tenant)})`);
  const ownVms = (condition: string) => `SELECT v.key FROM virtual_machine v WHERE ${condition}${tenant === null ? "" : ` AND v.tenant = ${where.param(tenant)}`}`;
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
        .when(filter.datacenter, (p) => (tenant === null ? `t.key IN (${virtualMachinesInDatacenter(p)})` : `t.datacenter = ${p}`))
        .when(filter.host, (p) => `t.host = ${p}`)
        .when(filter.container, (p) => `t.container = ${p}${own("container", p)}`)
        .when(filter.tenant, (p) => `t.tenant = ${p}`)
        .when(filter.workload, (p) => `t.workload = ${p}${own("workload", p)}`);
      break;
    case "containers":
      where
        .when(filter.datacenter, (p) => (tenant === null ? `(t.host IN (${hostsInDatacenter(p)}) OR t.virtual_machine IN (${virtualMachinesInDatacenter(p)}))` : `t.virtual_machine IN (${ownVms(`v.datacenter = ${p}`)})`))
        .when(filter.host, (p) => `(t.host = ${p} OR t.virtual_machine IN (${ownVms(`v.host = ${p}`)}))`)
        .when(filter.virtualMachine, (p) => `t.virtual_machine = ${p}${own("virtual_machine", p)}`)
        .when(filter.tenant, (p) => `t.tenant = ${p}`)
        .when(filter.workload, (p) => `t.workload = ${p}${own("workload", p)}`)
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

const ownWorkload = (kind: InventoryKind, table: string): ChildRelation => ({
  kind,
  from: `${table} t JOIN workload w ON w.key = t.workload AND w.tenant = t.tenant`,
  match: "t.workload = ANY($1::text[])",
  parent: "t.workload",
});

export const CHILD_RELATIONS = {
  "Datacenter.racks": direct("racks", "rack", "datacenter"),
  "Datacenter.powerDomains": direct("powerDomains", "power_domain", "datacenter"),
  "Datacenter.networkDomains": direct("networkDomains", "network_domain", "datacenter"),
  "Datacenter.hosts": {
    kind: "hosts",
    from: "host t LEFT JOIN rack r ON r.key = t.rack",
    // As hostsInDatacenter: a host naming another datacenter than its rack's is in neither.
    match: "((r.datacenter = ANY($1::text[]) AND (t.datacenter IS NULL OR t.datacenter = r.datacenter)) OR (r.key IS NULL AND t.datacenter = ANY($1::text[])))",
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
  // A unit belongs to a workload only when both are of one tenant (src/domain/build-topology.ts).
  "Workload.virtualMachines": ownWorkload("virtualMachines", "virtual_machine"),
  "Workload.containers": ownWorkload("containers", "container"),
} satisfies Record<string, ChildRelation>;

export type ChildRelationName = keyof typeof CHILD_RELATIONS;
