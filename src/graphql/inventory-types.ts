import { TABLES } from "../inventory/inventory-tables.ts";
import type { InventoryKind } from "../inventory/snapshot.ts";

/**
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

export const KIND_OF_TYPE = Object.fromEntries(
  Object.entries(TYPE_OF_KIND).map(([kind, type]) => [type, kind as InventoryKind]),
) as Record<string, InventoryKind>;

/**
 * `t.key, t.source, t.updated_at AS "updatedAt", t.dedicated_to AS "dedicatedTo", …`; a shared
 * kind (datacenters) gives its `sources`, and the first of them as `source`.
 */
export function selectList(kind: InventoryKind, alias = "t"): string {
  const columns = TABLES[kind].columns.map((c) => (c.column === c.field ? `${alias}.${c.column}` : `${alias}.${c.column} AS "${c.field}"`));
  const source = TABLES[kind].shared ? [`${alias}.sources[1] AS source`, `${alias}.sources`] : [`${alias}.source`];
  return [`${alias}.key`, ...source, ...columns, `${alias}.updated_at AS "updatedAt"`].join(", ");
}

/** A row of any inventory table, as selected by `selectList`. */
export interface InventoryRow {
  key: string;
  source: string;
  /** Every source that describes it, for a shared kind (datacenters). */
  sources?: string[];
  updatedAt: Date;
  [field: string]: unknown;
}

/** Marks a row with its GraphQL type so `Node`/`ComputeUnit` can resolve it. */
export function typed<T extends object>(type: string, row: T): T & { __typename: string } {
  return Object.assign(row, { __typename: type });
}
