import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { DEFAULT_LIMITS } from "../../src/request-limits.ts";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * Hostile GraphQL documents, sent as an attacker would: over HTTP with a tenant's (or
 * compliance's) token, against the demo inventory. Each is refused before it runs, with
 * QUERY_TOO_COMPLEX naming the limit and what the document has.
 */
let demo: SecuredDemo;
let url: string;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  // A short deadline for compliance, so the deadline tests wait little.
  demo = await startSecuredDemo({ limits: { ...DEFAULT_LIMITS, deadlineMs: { admin: 120_000, compliance: 400, tenant: 120_000, sync: 300_000, scheduler: 120_000 } } });
  url = demo.service.url;
  tokens.tenant = await createToken(url, ADMIN_TOKEN, { name: "geology-team", role: "TENANT", tenant: "geology" });
  tokens.compliance = await createToken(url, ADMIN_TOKEN, { name: "audit", role: "COMPLIANCE" });
});
afterAll(() => demo.close());

/** tenant { virtualMachines { nodes { tenant { virtualMachines { … } } } } }, `levels` times over. */
function nested(levels: number, first: number): string {
  let inner = "key";
  for (let i = 0; i < levels; i++) inner = `tenant { virtualMachines(first: ${first}) { nodes { key ${inner} } } }`;
  return `{ tenant(key: "geology") { key virtualMachines(first: ${first}) { nodes { ${inner} } } } }`;
}

function refusal(response: { status: number; body: any }) {
  expect(response.status).toBe(400);
  expect(response.body.data).toBeUndefined();
  expect(response.body.errors).toHaveLength(1);
  const [error] = response.body.errors;
  expect(error.extensions.code).toBe("QUERY_TOO_COMPLEX");
  return error;
}

describe("the shape of a document", () => {
  it("refuses a depth bomb, naming the depth and the limit", async () => {
    const error = refusal(await gqlAs(url, tokens.tenant, nested(12, 1)));
    expect(error.extensions).toMatchObject({ limit: "depth", max: DEFAULT_LIMITS.maxDepth });
    expect(error.extensions.found).toBeGreaterThan(DEFAULT_LIMITS.maxDepth);
    expect(error.message).toMatch(new RegExp(`its depth is ${error.extensions.found}, more than the limit of ${DEFAULT_LIMITS.maxDepth} \\(TENANCY_MAX_DEPTH\\)`));
    // The same question, two levels deep, is answered.
    const fine = await gqlAs(url, tokens.tenant, nested(1, 5));
    expect(fine.body.errors).toBeUndefined();
    expect(fine.body.data.tenant.key).toBe("geology");
  });

  it("refuses an alias flood of verdicts", async () => {
    const verdicts = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `v${i}: isolation(workload: "seismic-model", tenant: "biology") { explanation evidence(limit: 100) { actual } }`).join(" ")} }`;
    const error = refusal(await gqlAs(url, tokens.tenant, verdicts(40)));
    expect(error.extensions).toMatchObject({ limit: "number of aliases", max: DEFAULT_LIMITS.maxAliases, found: 40 });
    expect(error.message).toMatch(/its number of aliases is 40, more than the limit of 30 \(TENANCY_MAX_ALIASES\)/);
    // The 500 of them do not get past the parser.
    expect(refusal(await gqlAs(url, tokens.tenant, verdicts(500))).extensions.limit).toBe("tokens");
  });

  it("stops parsing a document with too many tokens", async () => {
    const fields = Array.from({ length: 3000 }, (_, i) => `f${i}`).join(" ");
    const error = refusal(await gqlAs(url, tokens.tenant, `{ ${fields} }`));
    expect(error.extensions).toMatchObject({ limit: "tokens", max: DEFAULT_LIMITS.maxTokens });
    expect(error.message).toMatch(/more than 2000 tokens.*TENANCY_MAX_TOKENS/);
  });

  it("refuses too many directives", async () => {
    const fields = Array.from({ length: 30 }, (_, i) => `a${i}: __typename @include(if: true)`).join(" ");
    const error = refusal(await gqlAs(url, tokens.tenant, `{ ${fields} }`));
    expect(error.extensions.limit).toBe("number of directives");
  });
});

describe("the cost of an operation, against its role's budget", () => {
  it("prices connections by first × what is under them, and the budget is the role's", async () => {
    const query = `{ tenant(key: "geology") { virtualMachines(first: 500) { nodes { key containers(first: 500) { nodes { key } } } } } }`;
    const error = refusal(await gqlAs(url, tokens.tenant, query));
    expect(error.extensions).toMatchObject({ limit: "cost", max: DEFAULT_LIMITS.costBudget.tenant });
    expect(error.extensions.found).toBeGreaterThan(250_000);
    expect(error.message).toMatch(/it would cost \d+, more than a tenant token's budget of 100000 \(TENANCY_COST_BUDGET_TENANT\)/);
    // Small pages of the same question are within budget, and an admin's larger budget takes the large pages.
    const small = await gqlAs(url, tokens.tenant, query.replaceAll("500", "20"));
    expect(small.body.errors).toBeUndefined();
    const admin = await gqlAs(url, ADMIN_TOKEN, query);
    expect(admin.body.errors).toBeUndefined();
  });

  it("prices what-ifs by the width of the failing domain", async () => {
    const whatIfs = (level: string, domain: string, n: number) => `{ ${Array.from({ length: n }, (_, i) => `f${i}: failureImpact(level: ${level}, domain: "${domain}") { tenantKeys }`).join(" ")} }`;
    const planet = refusal(await gqlAs(url, tokens.tenant, whatIfs("PLANET", "earth", 11)));
    expect(planet.extensions.found).toBeGreaterThan(100_000);
    const racks = await gqlAs(url, tokens.tenant, whatIfs("RACK", "ams1-r01", 11));
    expect(racks.body.errors).toBeUndefined();
  });

  it("prices the fleet report by its page and the evidence asked for each verdict", async () => {
    const report = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `r${i}: isolationReport(first: 1000) { nodes { explanation evidence(limit: 100) { actual unit { key } otherUnit { key } } } }`).join(" ")} }`;
    const error = refusal(await gqlAs(url, tokens.compliance, report(5)));
    expect(error.extensions).toMatchObject({ limit: "cost", max: DEFAULT_LIMITS.costBudget.compliance });
    // (Run as admin, whose budget is the same: compliance has a short deadline in this file.)
    const one = await gqlAs(url, ADMIN_TOKEN, report(1));
    expect(one.body.errors).toBeUndefined();
  });

  it("prices nodes(ids:) by the ids and variables by their values", async () => {
    const ids = (n: number) => Array.from({ length: n }, () => Buffer.from("Tenant:geology").toString("base64url"));
    const many = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Tenant { virtualMachines(first: 500) { nodes { key } } } } }`;
    expect(refusal(await gqlAs(url, tokens.tenant, many, { ids: ids(1000) })).extensions.found).toBeGreaterThan(500_000);
    expect((await gqlAs(url, tokens.tenant, many, { ids: ids(10) })).body.errors).toBeUndefined();
    const query = `query($first: Int) { tenant(key: "geology") { virtualMachines(first: $first) { nodes { containers(first: $first) { nodes { key } } } } } }`;
    expect(refusal(await gqlAs(url, tokens.tenant, query, { first: 1000 })).extensions.limit).toBe("cost");
    expect((await gqlAs(url, tokens.tenant, query, { first: 10 })).body.errors).toBeUndefined();
  });
});

describe("the deadline", () => {
  it("answers TIMEOUT at the deadline when one step outlasts it, and keeps serving", async () => {
    const blocker = new pg.Client({ connectionString: demo.t.url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE virtual_machine IN ACCESS EXCLUSIVE MODE");
      const started = Date.now();
      const stuck = await gqlAs(url, tokens.compliance, `{ tenant(key: "geology") { virtualMachines { nodes { key } } } }`);
      const took = Date.now() - started;
      expect(stuck.status).toBe(503);
      expect(stuck.body.errors[0].extensions.code).toBe("TIMEOUT");
      expect(stuck.body.errors[0].message).toMatch(/ran past its deadline of 0.4 s/);
      expect(took).toBeLessThan(5_000); // the statement is still waiting for the lock
      // Others are answered meanwhile.
      const health = await fetch(url.replace("/graphql", "/healthz"));
      expect(health.status).toBe(200);
    } finally {
      await blocker.query("ROLLBACK");
      await blocker.end();
    }
  });

  it("resolves no field past the deadline: the rest of the answer is cut with one TIMEOUT error", async () => {
    const blocker = new pg.Client({ connectionString: demo.t.url });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("LOCK TABLE container IN ACCESS EXCLUSIVE MODE");
    // The VMs are read, their containers wait for the lock, which is let go just after the deadline.
    const pending = gqlAs(url, tokens.compliance, `{ tenant(key: "geology") { key virtualMachines { nodes { key containers { totalCount nodes { key } } } } } }`);
    await new Promise((r) => setTimeout(r, 450));
    await blocker.query("ROLLBACK");
    await blocker.end();
    const { status, body } = await pending;
    const timeouts = body.errors.filter((e: any) => e.extensions.code === "TIMEOUT");
    expect(timeouts).toHaveLength(1);
    // However the race ends (cut at a field, or answered at the deadline), no container came back.
    expect([200, 503]).toContain(status);
    expect(JSON.stringify(body.data ?? null)).not.toMatch(/"c-\d"/);
  });

  it("never cuts a mutation's answer: one that outlasts the deadline still says what it did", async () => {
    const blocker = new pg.Client({ connectionString: demo.t.url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE saved_query_version IN ACCESS EXCLUSIVE MODE");
      // The save waits for the lock, which is let go after the deadline: the save then happens.
      const pending = gqlAs(url, tokens.compliance, `mutation { saveQuery(name: "slow-save", document: "{ viewer { actor } }") { changed savedQuery { name } userErrors { message } } }`);
      await new Promise((r) => setTimeout(r, 700));
      await blocker.query("ROLLBACK");
      const { status, body } = await pending;
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data.saveQuery).toEqual({ changed: true, savedQuery: { name: "slow-save" }, userErrors: [] });
    } finally {
      await blocker.end();
    }
  });
});

describe("errors say nothing of the schema in production", () => {
  it("gives no field suggestions when introspection is off", async () => {
    const open = await gqlAs(url, tokens.tenant, '{ tenantz(key: "geology") { key } }');
    expect(open.body.errors[0].message).toMatch(/Did you mean/);
    const production = await startSecuredDemo({ introspection: false });
    try {
      const token = await createToken(production.service.url, ADMIN_TOKEN, { name: "geology-team", role: "TENANT", tenant: "geology" });
      const { body } = await gqlAs(production.service.url, token, '{ tenantz(key: "geology") { key } }');
      expect(body.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(body.errors[0].message).not.toMatch(/Did you mean|tenant\b/);
      const introspection = await gqlAs(production.service.url, token, "{ __schema { types { name } } }");
      expect(introspection.body.errors[0].message).toMatch(/introspection/i);
    } finally {
      await production.close();
    }
  });
});
