import type { InventoryKind } from "./snapshot.ts";

/**
 * How each snapshot collection maps onto its table: one place that the sync, the dangling
 * reference check and the bench's raw-COPY floor all read, so they cannot drift apart.
 */
export type ColumnType = "text" | "text[]" | "boolean" | "jsonb" | "integer";

export interface ColumnSpec {
  /** The column in the table. */
  column: string;
  /** The field in the validated snapshot record. */
  field: string;
  type: ColumnType;
}

export interface ReferenceSpec {
  field: string;
  target: InventoryKind;
  /** True when the field holds a list of ids (a rack's power domains). */
  many?: boolean;
}

export interface TableSpec {
  table: string;
  /** Human name of one object of the kind, for messages. */
  noun: string;
  /** Data columns besides key, source and updated_at. */
  columns: ColumnSpec[];
  references: ReferenceSpec[];
  /**
   * Several sources may describe one object of this kind (datacenters, see
   * datacenter-descriptions.ts): each source's description is a row of `<table>_description`,
   * and `table` holds their union with a `sources` list instead of one `source`.
   */
  shared?: true;
}

/** The table a source's own rows of `kind` are written to: its descriptions, for a shared kind. */
export function ownTable(kind: InventoryKind): string {
  return TABLES[kind].shared ? `${TABLES[kind].table}_description` : TABLES[kind].table;
}

const text = (column: string, field = column): ColumnSpec => ({ column, field, type: "text" });

export const TABLES: Record<InventoryKind, TableSpec> = {
  datacenters: {
    table: "datacenter",
    noun: "datacenter",
    columns: [text("name"), text("provider"), text("region"), { column: "hazard_zones", field: "hazardZones", type: "text[]" }, text("planet")],
    references: [],
    shared: true,
  },
  powerDomains: {
    table: "power_domain",
    noun: "power domain",
    columns: [text("datacenter")],
    references: [{ field: "datacenter", target: "datacenters" }],
  },
  networkDomains: {
    table: "network_domain",
    noun: "network domain",
    columns: [text("datacenter")],
    references: [{ field: "datacenter", target: "datacenters" }],
  },
  racks: {
    table: "rack",
    noun: "rack",
    columns: [
      text("datacenter"),
      { column: "power_domains", field: "powerDomains", type: "text[]" },
      { column: "network_domains", field: "networkDomains", type: "text[]" },
    ],
    references: [
      { field: "datacenter", target: "datacenters" },
      { field: "powerDomains", target: "powerDomains", many: true },
      { field: "networkDomains", target: "networkDomains", many: true },
    ],
  },
  hosts: {
    table: "host",
    noun: "host",
    columns: [text("rack"), text("datacenter"), text("dedicated_to", "dedicatedTo"), text("placement_group", "placementGroup")],
    references: [
      { field: "rack", target: "racks" },
      { field: "datacenter", target: "datacenters" },
      { field: "dedicatedTo", target: "tenants" },
    ],
  },
  tenants: {
    table: "tenant",
    noun: "tenant",
    columns: [text("name"), text("organization")],
    references: [],
  },
  workloads: {
    table: "workload",
    noun: "workload",
    columns: [
      text("tenant"),
      text("minimum_isolation", "minimumIsolation"),
      { column: "anti_affinity", field: "antiAffinity", type: "jsonb" },
      { column: "min_healthy_replicas", field: "minHealthyReplicas", type: "integer" },
    ],
    references: [{ field: "tenant", target: "tenants" }],
  },
  virtualMachines: {
    table: "virtual_machine",
    noun: "virtual machine",
    columns: [
      text("host"),
      text("container"),
      text("datacenter"),
      text("tenant"),
      text("workload"),
      { column: "dedicated", field: "dedicated", type: "boolean" },
    ],
    references: [
      { field: "host", target: "hosts" },
      { field: "container", target: "containers" },
      { field: "datacenter", target: "datacenters" },
      { field: "tenant", target: "tenants" },
      { field: "workload", target: "workloads" },
    ],
  },
  containers: {
    table: "container",
    noun: "container",
    columns: [
      text("virtual_machine", "virtualMachine"),
      text("host"),
      text("runtime"),
      text("tenant"),
      text("workload"),
    ],
    references: [
      { field: "virtualMachine", target: "virtualMachines" },
      { field: "host", target: "hosts" },
      { field: "tenant", target: "tenants" },
      { field: "workload", target: "workloads" },
    ],
  },
};

/** A PostgreSQL array literal for text[]: `{"a","b"}`, quoting every element; null as NULL. */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ",";
    out += v === null ? "NULL" : `"${v.includes("\\") || v.includes('"') ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"') : v}"`;
  }
  return out + "}";
}

/**
 * The parameters for one kind's rows, one array literal per column (key first): the shape
 * `unnest($1::text[], $2::text[], …)` takes, so a whole collection travels in one statement.
 * Serialised here once, as text, so the same key list can be sent to several statements
 * without paying for it again. Array and JSON columns travel as text and are cast in SQL.
 */
export function columnArrays(kind: InventoryKind, records: readonly Record<string, unknown>[]): string[] {
  const spec = TABLES[kind];
  const arrays: string[] = [textArrayLiteral(records.map((r) => r.id as string))];
  for (const column of spec.columns) {
    const values = records.map((r) => {
      const value = r[column.field];
      if (value === null || value === undefined) return null;
      if (column.type === "text[]") return textArrayLiteral(value as string[]);
      if (column.type === "jsonb") return JSON.stringify(value);
      if (column.type === "boolean") return value ? "t" : "f";
      return String(value);
    });
    // Booleans and integers need no quoting; text does.
    arrays.push(column.type === "boolean" || column.type === "integer" ? `{${values.map((v) => v ?? "NULL").join(",")}}` : textArrayLiteral(values));
  }
  return arrays;
}

/** The SQL type each column's parameter array is sent as. */
export function paramType(type: ColumnType): string {
  return type === "boolean" ? "boolean[]" : type === "integer" ? "integer[]" : "text[]";
}

/** The expression turning the unnested parameter (named `raw`) back into the column's type. */
export function castFromParam(type: ColumnType, raw: string): string {
  if (type === "text[]") return `${raw}::text[]`;
  if (type === "jsonb") return `${raw}::jsonb`;
  return raw;
}
