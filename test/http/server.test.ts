import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../src/service.ts";
import { graphqlRequest } from "../support/cli-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";
import { DEFAULT_LIMITS } from "../../src/request-limits.ts";

const TOKEN = "test-admin-token-0123456789";
let t: TestDatabase;
let service: RunningService;
let base: string;
beforeAll(async () => {
  t = await createTestDatabase();
  service = await startTestService(t.url, { adminToken: TOKEN });
  base = service.url.replace("/graphql", "");
});
afterAll(async () => {
  await service.close();
  await t.drop();
});

const auth = { authorization: `Bearer ${TOKEN}` };

describe("HTTP server", () => {
  it("answers /healthz and /readyz without a token (for orchestrator probes)", async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", pending: [] });
  });

  it("requires the bearer token for /graphql and /metrics", async () => {
    const none = await graphqlRequest(service.url, "{ sources { totalCount } }");
    expect(none.status).toBe(401);
    expect(none.body.errors![0].extensions.code).toBe("UNAUTHENTICATED");
    const wrong = await graphqlRequest(service.url, "{ sources { totalCount } }", undefined, { authorization: "Bearer not-the-token" });
    expect(wrong.status).toBe(401);
    const right = await graphqlRequest(service.url, "{ sources { totalCount } }", undefined, auth);
    expect(right.status).toBe(200);
    expect(right.body.data.sources.totalCount).toBe(0);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
  });

  it("serves Prometheus metrics", async () => {
    const response = await fetch(`${base}/metrics`, { headers: auth });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/tenancy_http_requests_total\{route="\/graphql",status="200"\} \d+/);
    expect(text).toMatch(/tenancy_sql_statements_total \d+/);
  });

  it("follows GraphQL over HTTP: GET queries, errors with codes, bad bodies refused", async () => {
    const url = `${service.url}?query=${encodeURIComponent("{ sources { totalCount } }")}`;
    // Apollo's CSRF prevention: a GET must carry a header a browser form cannot set.
    const simple = await fetch(url, { headers: auth });
    expect(simple.status).toBe(400);
    const get = await fetch(url, { headers: { ...auth, "apollo-require-preflight": "true" } });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { sources: { totalCount: 0 } } });
    const invalid = await graphqlRequest(service.url, "{ nope }", undefined, auth);
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors![0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const broken = await fetch(service.url, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{not json" });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { errors: { message: string }[] }).errors[0].message).toMatch(/not valid JSON/);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
  });

  it("hides unexpected errors behind a generic message and keeps serving", async () => {
    // A mutation that cannot write (the table is gone) fails inside; the caller sees no SQL.
    await t.db.sql.exec("ALTER TABLE source RENAME TO source_moved");
    try {
      const { body } = await graphqlRequest(service.url, `{ sources { totalCount } }`, undefined, auth);
      expect(body.errors![0].extensions.code).toBe("INTERNAL_SERVER_ERROR");
      expect(body.errors![0].message).not.toMatch(/source|relation|prisma/i);
    } finally {
      await t.db.sql.exec("ALTER TABLE source_moved RENAME TO source");
    }
    const after = await graphqlRequest(service.url, "{ sources { totalCount } }", undefined, auth);
    expect(after.body.data.sources.totalCount).toBe(0);
  });

  it("refuses bodies over the configured limit with 413", async () => {
    const small = await startTestService(t.url, { adminToken: TOKEN, limits: { ...DEFAULT_LIMITS, bodyBytes: { ...DEFAULT_LIMITS.bodyBytes, admin: 1000 } } });
    try {
      const response = await fetch(small.url, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ query: "x".repeat(5000) }) });
      expect(response.status).toBe(413);
    } finally {
      await small.close();
    }
  });

  it("drains in-flight requests on shutdown, then stops listening", async () => {
    const draining = await startTestService(t.url, { adminToken: TOKEN });
    const slow = graphqlRequest(draining.url, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: { source: "drain", hosts: Array.from({ length: 3000 }, (_, i) => ({ id: `drain-${i}` })) } }, auth);
    await new Promise((r) => setTimeout(r, 50));
    const closed = draining.close();
    expect((await slow).body.data.syncInventory.status).toBe("APPLIED");
    await closed;
    await expect(fetch(`${draining.url.replace("/graphql", "/healthz")}`)).rejects.toThrow();
  });
});
