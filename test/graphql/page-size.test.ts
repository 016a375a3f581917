import { buildSchema, isObjectType, isInterfaceType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../../src/graphql/pagination.ts";
import { DEFAULT_EVIDENCE, MAX_EVIDENCE } from "../../src/graphql/resolvers/isolation.ts";
import { typeDefs } from "../../src/graphql/type-defs.ts";
import type { RunningService } from "../../src/service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";

/*
 * The page size is declared once (src/graphql/pagination.ts); what schema.graphql tells every
 * client through introspection must say the same, and the server must take exactly that.
 */
const promise = `(default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE})`;

describe("page sizes", () => {
  it("every `first` argument and the schema's overview state the server's default and limit", () => {
    const schema = buildSchema(typeDefs);
    const firsts: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        const first = field.args.find((a) => a.name === "first");
        if (first) firsts.push(`${type.name}.${field.name}: ${first.description}`);
      }
    }
    expect(firsts.length).toBeGreaterThan(30);
    for (const line of firsts) expect(line).toMatch(new RegExp(`: Page size \\(default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}\\)\\.$`));
    expect(typeDefs).toContain(`with \`first\` ${promise}`);
  });

  it("a verdict's evidence states the server's default and limit, and defaults to it in the schema too", () => {
    const limit = buildSchema(typeDefs).getType("IsolationVerdict");
    const arg = isObjectType(limit) ? limit.getFields().evidence.args.find((a) => a.name === "limit") : undefined;
    expect(arg?.description).toBe(`How many pairs (default ${DEFAULT_EVIDENCE}, at most ${MAX_EVIDENCE}).`);
    expect(arg?.defaultValue).toBe(DEFAULT_EVIDENCE);
  });

  describe("over HTTP", () => {
    let t: TestDatabase;
    let service: RunningService;
    beforeAll(async () => {
      t = await createTestDatabase();
      service = await startTestService(t.url);
    });
    afterAll(async () => {
      await service.close();
      await t.drop();
    });
    const ask = async (first: number) => {
      const response = await fetch(service.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: `{ hosts(first: ${first}) { totalCount } }` }) });
      return (await response.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] };
    };

    it("takes a page of exactly the stated limit and refuses one more", async () => {
      expect((await ask(MAX_PAGE_SIZE)).errors).toBeUndefined();
      expect((await ask(MAX_PAGE_SIZE + 1)).errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
    });
  });
});
