import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../src/access/api-tokens.ts";
import { loadConfig, type Config } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { startService } from "../src/service.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

/** What the service says in its log: readable on a terminal, JSON elsewhere, and true about tokens. */
function capture(isTTY: boolean) {
  let text = "";
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        text += chunk;
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => text };
}

describe("logs", () => {
  it("are human-readable lines on a terminal and one JSON object per line elsewhere", () => {
    const tty = capture(true);
    createLogger("info", tty.stream).info({ url: "http://127.0.0.1:4000/graphql" }, "serving GraphQL");
    expect(tty.text()).toMatch(/INFO.*serving GraphQL/);
    expect(tty.text()).toContain('url: "http://127.0.0.1:4000/graphql"');
    expect(() => JSON.parse(tty.text())).toThrow();

    const pipe = capture(false);
    createLogger("info", pipe.stream).info({ url: "http://127.0.0.1:4000/graphql" }, "serving GraphQL");
    expect(JSON.parse(pipe.text())).toMatchObject({ level: 30, msg: "serving GraphQL", url: "http://127.0.0.1:4000/graphql", service: "tenancy-scale" });
  });

  describe("at start-up without TENANCY_ADMIN_TOKEN", () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await createTestDatabase();
    });
    afterAll(async () => t.drop());

    const startUpLog = async () => {
      const out = capture(false);
      const config: Config = { ...loadConfig({ DATABASE_URL: t.url, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info" }), loadDemoOnCreate: false };
      const service = await startService(config, createLogger("info", out.stream));
      await service.close();
      return out
        .text()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l).msg as string)
        .find((m) => m.startsWith("no TENANCY_ADMIN_TOKEN"));
    };

    it("says callers are not asked for a token only while no token exists", async () => {
      expect(await startUpLog()).toMatch(/until an API token is created its callers are not asked for one/);
      await createApiToken(t.db.sql, { name: "ops", role: "admin" }, "test");
      const withTokens = await startUpLog();
      expect(withTokens).toMatch(/API tokens exist, so every caller needs one/);
      expect(withTokens).not.toMatch(/not asked/);
    });
  });
});
