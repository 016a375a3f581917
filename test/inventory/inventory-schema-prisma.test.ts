import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { columnType, ownTable, TABLES, type ColumnType } from "../../src/inventory/inventory-tables.ts";
import { INVENTORY, INVENTORY_KINDS, type InventoryKind } from "../../src/inventory/snapshot.ts";
import { generatedDataModel, schemaModifiers, type RuntimeModel } from "../support/prisma-data-model.ts";

/*
 * Ties the snapshot's declaration (src/inventory/snapshot.ts) to prisma/schema.prisma, as the
 * drift test ties the schema to the migrations: each kind's table has a column for every
 * declared field, of the type the field's schema holds and null exactly when the validated
 * value may be null, under the same field name, and no column the declaration lacks.
 */

const PRISMA_TYPE: Record<ColumnType, string> = { text: "String", "text[]": "String[]", boolean: "Boolean", integer: "Int", jsonb: "Json" };

/** What a validated record may hold in a field: null only when the schema turns null or absence into null. */
function outputMayBeNull(schema: z.core.$ZodType): boolean {
  return [null, undefined].some((input) => {
    const result = (schema as z.ZodType).safeParse(input);
    return result.success && result.data === null;
  });
}

/** The columns a kind's own rows have, as the declaration says: `column (field): Type?`. */
function declaredColumns(kind: InventoryKind, fields: Record<string, z.core.$ZodType>): string[] {
  // Bookkeeping every inventory table has besides the declared fields: the key, the owning
  // source, the write time and the writing transaction (history, docs/history.md).
  const columns = ["key (key): String", "source (source): String", "updated_at (updatedAt): DateTime", "history_xact (historyXact): BigInt?"];
  for (const { column, field } of TABLES[kind].columns) {
    const schema = fields[field];
    columns.push(`${column} (${field}): ${PRISMA_TYPE[columnType(schema)]}${outputMayBeNull(schema) ? "?" : ""}`);
  }
  return columns.sort();
}

/** The same, as the generated client's data model and the schema's modifiers say. */
function prismaColumns(name: string, model: RuntimeModel): string[] {
  const modifiers = schemaModifiers()[name].fields;
  return model.fields
    .filter((f) => f.kind === "scalar")
    .map((f) => {
      const mod = modifiers[f.name];
      return `${f.dbName ?? f.name} (${f.name}): ${f.type}${mod.list ? "[]" : ""}${mod.optional ? "?" : ""}`;
    })
    .sort();
}

function modelOf(table: string): [string, RuntimeModel] {
  const found = Object.entries(generatedDataModel()).find(([name, m]) => (m.dbName ?? name) === table);
  if (!found) throw new Error(`no model in prisma/schema.prisma has the table ${table}`);
  return found;
}

const fieldsOf = (kind: InventoryKind): Record<string, z.core.$ZodType> => INVENTORY[kind].fields;

describe("the snapshot's declaration and prisma/schema.prisma", () => {
  it.each(INVENTORY_KINDS.map((kind) => [kind]))("%s: one column per field, same name, type and nullability, none missing either way", (kind) => {
    const [name, model] = modelOf(ownTable(kind));
    expect(prismaColumns(name, model)).toEqual(declaredColumns(kind, fieldsOf(kind)));
  });

  it("a shared kind's union table has every described column, with the same type", () => {
    for (const kind of INVENTORY_KINDS.filter((k) => TABLES[k].shared)) {
      const [name, model] = modelOf(TABLES[kind].table);
      const typeOnly = (columns: string[]) => columns.map((c) => c.replace(/\?$/, ""));
      const union = typeOnly(prismaColumns(name, model));
      const described = typeOnly(declaredColumns(kind, fieldsOf(kind))).filter((c) => !c.startsWith("source "));
      expect(union).toEqual(expect.arrayContaining([...described, "sources (sources): String[]"]));
    }
  });

  it("sees a drift: a field the table lacks, a type or a nullability that differs", () => {
    const [name, model] = modelOf(ownTable("containers"));
    const fields = fieldsOf("containers");
    const actual = prismaColumns(name, model);
    // The runtime becomes optional in the declaration: the column is NOT NULL, so they differ.
    expect(declaredColumns("containers", { ...fields, runtime: fields.workload })).not.toEqual(actual);
    // A column dropped from the model is missed.
    expect(prismaColumns(name, { ...model, fields: model.fields.filter((f) => f.name !== "host") })).not.toEqual(declaredColumns("containers", fields));
    // A list where the table has text.
    expect(declaredColumns("containers", { ...fields, host: INVENTORY.racks.fields.powerDomains })).not.toEqual(actual);
  });
});
