import { TABLES } from "../inventory/inventory-tables.ts";
import type { Container, Datacenter, DatacenterDescription, Host, NetworkDomain, PowerDomain, Rack, Source, SyncRun, Tenant, VirtualMachine, Workload } from "../db/generated/client.ts";
import type { InventoryKind } from "../inventory/snapshot.ts";

/*
 * The GraphQL type of each inventory kind, and the one SQL select list that turns a table row
 * into the object the resolvers read (camelCase fields, the same shape Prisma returns).
 */
export const TYPE_OF_KIND: Record<InventoryKind, string> = {
  datacenters: "Datacenter",
  powerDomains: "PowerDomain",
  networkDomains: "NetworkDomain",
  racks: "Rack",
  hosts: "Host",
  tenants: "Tenant",
  workloads: "Workload",
  virtualMachines: "VirtualMachine",
  containers: "Container",
};

export const KIND_OF_TYPE = Object.fromEntries(Object.entries(TYPE_OF_KIND).map(([kind, type]) => [type, kind as InventoryKind])) as Record<string, InventoryKind>;

/**
 * `t.key, t.source, t.updated_at AS "updatedAt", t.dedicated_to AS "dedicatedTo", …`; a shared
 * kind (datacenters) gives its `sources`, and the first of them as `source`.
 */
export function selectList(kind: InventoryKind, alias = "t"): string {
  const columns = TABLES[kind].columns.map((c) => (c.column === c.field ? `${alias}.${c.column}` : `${alias}.${c.column} AS "${c.field}"`));
  const source = TABLES[kind].shared ? [`${alias}.sources[1] AS source`, `${alias}.sources`] : [`${alias}.source`];
  return [`${alias}.key`, ...source, ...columns, `${alias}.updated_at AS "updatedAt"`].join(", ");
}

/**
 * Each kind's row as `selectList` selects it: Prisma's model of its table (the same camelCase
 * fields), a shared kind (datacenters) with the first of its sources as `source`.
 */
export interface InventoryRows {
  datacenters: Datacenter & { source: string };
  powerDomains: PowerDomain;
  networkDomains: NetworkDomain;
  racks: Rack;
  hosts: Host;
  tenants: Tenant;
  workloads: Workload;
  virtualMachines: VirtualMachine;
  containers: Container;
}

/** A row of one inventory kind, or (no kind given) of any. */
export type InventoryRow<K extends InventoryKind = InventoryKind> = InventoryRows[K];

/** A source's own description of a datacenter. */
export type DatacenterDescriptionRow = DatacenterDescription;
/** A source row. */
export type SourceRow = Source;
/** A sync run as the loaders select it (SYNC_RUN_COLUMNS in loaders.ts). */
export type SyncRunRow = Omit<SyncRun, "backendPid">;

/** Marks a row with its GraphQL type so `Node`/`ComputeUnit` can resolve it. */
export function typed<T extends object>(type: string, row: T): T & { __typename: string } {
  return Object.assign(row, { __typename: type });
}

/** The GraphQL type `typed` marked a row with, for an interface's `__resolveType`. */
export function typeNameOf<Name extends string>(row: object): Name {
  // Safe: every row an interface field returns went through `typed` where it was loaded.
  return (row as { __typename: Name }).__typename;
}
