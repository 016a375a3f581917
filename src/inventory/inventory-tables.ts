import { type z } from "zod";
import { referenceTargets } from "./inventory-fields.ts";
import { INVENTORY, INVENTORY_KINDS, type InventoryKind } from "./snapshot.ts";

/*
 * How each snapshot collection maps onto its table, derived from the snapshot's declaration
 * (snapshot.ts): one place that the sync, the dangling reference check, the grants, the
 * GraphQL reads and the bench's raw-COPY floor all read, so they cannot drift apart.
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
  /** Several sources describe one object of this kind (see `shared` in snapshot.ts). */
  shared?: true;
}

/** The table a source's own rows of `kind` are written to: its descriptions, for a shared kind. */
export function ownTable(kind: InventoryKind): string {
  return TABLES[kind].shared ? `${TABLES[kind].table}_description` : TABLES[kind].table;
}

/** A field's schema with its defaults, nulls and transforms taken off: what the value is. */
export function baseSchema(schema: z.core.$ZodType): z.core.$ZodType {
  const def = schema._zod.def;
  if (def.type === "default" || def.type === "nullable" || def.type === "optional") return baseSchema((def as z.core.$ZodDefaultDef).innerType);
  if (def.type === "pipe") return baseSchema((def as z.core.$ZodPipeDef).in);
  return schema;
}

/** The column type a field's schema stores as: text, a list of text, a flag, a number, or JSON. */
export function columnType(schema: z.core.$ZodType): ColumnType {
  const base = baseSchema(schema);
  const type = base._zod.def.type;
  if (type === "string" || type === "enum") return "text";
  if (type === "boolean") return "boolean";
  if (type === "number") return "integer";
  if (type === "array") return columnType((base._zod.def as z.core.$ZodArrayDef).element) === "text" ? "text[]" : "jsonb";
  if (type === "object") return "jsonb";
  throw new Error(`no column type for a ${type} field`);
}

/** lowerCamel → lower_snake: the column of a field. */
const columnOf = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function tableSpec(kind: InventoryKind): TableSpec {
  const declaration: { table: string; noun: string; shared?: true; fields: Record<string, z.core.$ZodType> } = INVENTORY[kind];
  const fields = Object.entries(declaration.fields).filter(([field]) => field !== "id");
  const references: ReferenceSpec[] = [];
  for (const [field, schema] of fields) {
    const target = referenceTargets.get(schema)?.target;
    if (target) references.push(columnType(schema) === "text[]" ? { field, target, many: true } : { field, target });
  }
  return {
    table: declaration.table,
    noun: declaration.noun,
    columns: fields.map(([field, schema]) => ({ column: columnOf(field), field, type: columnType(schema) })),
    references,
    ...(declaration.shared ? { shared: true as const } : {}),
  };
}

export const TABLES = Object.fromEntries(INVENTORY_KINDS.map((kind) => [kind, tableSpec(kind)])) as Record<InventoryKind, TableSpec>;

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
