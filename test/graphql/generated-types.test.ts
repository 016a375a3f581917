import { readFile } from "node:fs/promises";
import path from "node:path";
import { generate } from "@graphql-codegen/cli";
import { describe, expect, it } from "vitest";
import config from "../../codegen.ts";

/*
 * src/graphql/generated/resolvers-types.ts, operations.ts (the CLI's and chat's typed
 * documents) and export-fragments.ts (the report's and violations' rows) are committed (so a fresh clone type-checks and builds without a generation step).
 * They must be exactly what `npm run codegen` makes from today's schema.graphql and
 * src/{cli,chatops}/*.graphql: a schema or document change without regenerating fails here, and
 * so does a document the schema no longer answers (codegen refuses it).
 */
describe("generated resolver and operation types", () => {
  it("are up to date with schema.graphql and the documents (run npm run codegen)", async () => {
    const outputs = (await generate({ ...config, cwd: process.cwd(), silent: true }, false)) as { filename: string; content: string }[];
    expect(outputs.map((o) => path.relative(process.cwd(), o.filename)).sort()).toEqual(["src/graphql/generated/export-fragments.ts", "src/graphql/generated/operations.ts", "src/graphql/generated/resolvers-types.ts"]);
    for (const output of outputs) {
      const committed = await readFile(path.resolve(output.filename), "utf8");
      expect(committed === output.content, `${output.filename} is stale: run npm run codegen`).toBe(true);
    }
  });
});
