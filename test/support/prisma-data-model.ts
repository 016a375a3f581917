import { readFileSync } from "node:fs";
import path from "node:path";

/*
 * What prisma/schema.prisma says, as tests read it: the generated client's data model (tables,
 * columns, Prisma types) and, from the schema's text, each field's modifiers, which the
 * generated model does not carry. Read by the drift test (schema vs migrations) and the
 * inventory declaration's test (snapshot.ts vs schema).
 */
export interface RuntimeField {
  name: string;
  kind: string;
  type: string;
  dbName?: string | null;
}
export interface RuntimeModel {
  dbName: string | null;
  fields: RuntimeField[];
}

/** The data model the generated client carries (src/db/generated/internal/class.ts). */
export function generatedDataModel(): Record<string, RuntimeModel> {
  const source = readFileSync(path.resolve("src/db/generated/internal/class.ts"), "utf8");
  const match = /config\.runtimeDataModel = JSON\.parse\((".*")\)/.exec(source);
  if (!match) throw new Error("runtimeDataModel not found in the generated client; run npm run generate");
  return JSON.parse(JSON.parse(match[1])).models;
}

export interface FieldModifiers {
  optional: boolean;
  list: boolean;
  dbType: string | null;
}

/** Per model: each field's optional (?) and list ([]) modifiers, @db type, and the @@index lists (and @unique fields). */
export function schemaModifiers() {
  const schema = readFileSync(path.resolve("prisma/schema.prisma"), "utf8");
  const models: Record<string, { fields: Record<string, FieldModifiers>; indexes: string[][]; uniques: string[] }> = {};
  for (const block of schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const fields: Record<string, FieldModifiers> = {};
    const indexes: string[][] = [];
    const uniques: string[] = [];
    for (const line of block[2].split("\n").map((l) => l.trim())) {
      const field = /^(\w+)\s+(\w+)(\?|\[\])?(.*)$/.exec(line);
      if (field && !line.startsWith("@@")) {
        fields[field[1]] = { optional: field[3] === "?", list: field[3] === "[]", dbType: /@db\.(\w+)/.exec(field[4])?.[1] ?? null };
        if (/@unique\b/.test(field[4])) uniques.push(field[1]);
      }
      const index = /^@@index\(\[([^\]]+)\]/.exec(line);
      if (index) indexes.push(index[1].split(",").map((s) => s.trim()));
    }
    models[block[1]] = { fields, indexes, uniques };
  }
  return models;
}
