import { readFile } from "node:fs/promises";
import path from "node:path";
import { generate } from "@graphql-codegen/cli";
import { describe, expect, it } from "vitest";
import config from "../../codegen.ts";

/*
 * src/graphql/generated/resolvers-types.ts is committed (so a fresh clone type-checks and
 * builds without a generation step). It must be exactly what `npm run codegen` makes from
 * today's schema.graphql: a schema change without regenerating fails here.
 */
describe("generated resolver types", () => {
  it("are up to date with schema.graphql (run npm run codegen)", async () => {
    const outputs = (await generate({ ...config, cwd: process.cwd(), silent: true }, false)) as { filename: string; content: string }[];
    expect(outputs.length).toBe(1);
    for (const output of outputs) {
      const committed = await readFile(path.resolve(output.filename), "utf8");
      expect(committed === output.content, `${output.filename} is stale: run npm run codegen`).toBe(true);
    }
  });
});
