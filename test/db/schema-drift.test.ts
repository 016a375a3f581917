import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatedDataModel, schemaModifiers } from "../support/prisma-data-model.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * Fails when prisma/schema.prisma and prisma/migrations drift apart: the database the
 * migrations build must have exactly the tables, columns, types, nullability and indexes that
 * the generated Prisma Client's data model (and the schema's modifiers) describe.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

function expectedType(type: string, list: boolean, dbType: string | null): string {
  if (list) return `${type === "String" ? "text" : type}[]`;
  if (type === "DateTime") return dbType === "Timestamptz" ? "timestamp with time zone" : "timestamp without time zone";
  return { String: "text", Int: "integer", Boolean: "boolean", Json: "jsonb", BigInt: "bigint", Float: "double precision" }[type] ?? type;
}

describe("schema.prisma and the migrations", () => {
  it("describe the same tables, columns, types and nullability", async () => {
    const model = generatedDataModel();
    const modifiers = schemaModifiers();
    const expected: string[] = [];
    for (const [name, m] of Object.entries(model)) {
      for (const field of m.fields.filter((f) => f.kind === "scalar")) {
        const mod = modifiers[name].fields[field.name];
        // Prisma creates scalar lists as nullable arrays.
        const nullable = mod.optional || mod.list;
        expected.push(`${m.dbName ?? name}.${field.dbName ?? field.name}: ${expectedType(field.type, mod.list, mod.dbType)}${nullable ? " null" : " not null"}`);
      }
    }
    const columns = await t.db.sql.query<{ table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string }>(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const actual = columns.map((c) => `${c.table_name}.${c.column_name}: ${c.data_type === "ARRAY" ? `${c.udt_name.slice(1)}[]` : c.data_type}${c.is_nullable === "YES" ? " null" : " not null"}`);
    expect(actual.sort()).toEqual(expected.sort());
  });

  it("describe the same indexes", async () => {
    const model = generatedDataModel();
    const modifiers = schemaModifiers();
    const expected: string[] = [];
    for (const [name, m] of Object.entries(model)) {
      const table = m.dbName ?? name;
      expected.push(`${table}_pkey`);
      for (const fields of modifiers[name].indexes) {
        const columns = fields.map((f) => m.fields.find((x) => x.name === f)!).map((f) => f.dbName ?? f.name);
        expected.push(`${table}_${columns.join("_")}_idx`);
      }
      for (const field of modifiers[name].uniques) {
        const column = m.fields.find((x) => x.name === field)!;
        expected.push(`${table}_${column.dbName ?? column.name}_key`);
      }
    }
    const indexes = await t.db.sql.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`);
    expect(indexes.map((i) => i.indexname).sort()).toEqual(expected.sort());
  });
});
