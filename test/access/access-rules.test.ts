import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ruleFor, unruledRootFields, type RuledField } from "../../src/access/access-rules.ts";
import { typeDefs } from "../../src/graphql/type-defs.ts";
import type { RunningService } from "../../src/service.ts";
import { readFileSync } from "node:fs";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * What each role can and cannot do, over HTTP against the demo inventory in real PostgreSQL,
 * and the probes a tenant could try to learn another tenant's inventory.
 */
const ADMIN = ADMIN_TOKEN;
let demo: SecuredDemo;
let t: TestDatabase;
let service: RunningService;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  demo = await startSecuredDemo();
  ({ t, service } = demo);
  tokens.admin = ADMIN;
  tokens.sync = await createToken(service.url, ADMIN, { name: "globex-sync", role: "SYNC", sources: ["aws-globex"] });
  tokens.compliance = await createToken(service.url, ADMIN, { name: "audit", role: "COMPLIANCE" });
  tokens.savedOnly = await createToken(service.url, ADMIN, { name: "audit-bot", role: "COMPLIANCE", savedQueriesOnly: true });
  tokens.tenant = await createToken(service.url, ADMIN, { name: "geology-team", role: "TENANT", tenant: "geology" });
  tokens.scheduler = await createToken(service.url, ADMIN, { name: "kube-scheduler", role: "SCHEDULER" });
  await gqlAs(service.url, ADMIN, `mutation { saveQuery(name: "viol", document: "{ antiAffinityViolations { totalCount } }") { userErrors { message } } }`);
}, 60_000);
afterAll(async () => demo?.close());

const as = (role: string, query: string, variables?: Record<string, unknown>) => gqlAs(service.url, tokens[role], query, variables);
const codes = (body: { errors?: { extensions?: { code?: string } }[] }) => (body.errors ?? []).map((e) => e.extensions?.code);

const globexSnapshot = () => JSON.parse(readFileSync("examples/demo/aws-globex.json", "utf8"));

// Each operation, and the roles that may run it. Every other role gets FORBIDDEN.
const TABLE: [string, string, Record<string, unknown> | undefined, string[]][] = [
  ["viewer", `{ viewer { role } }`, undefined, ["admin", "sync", "compliance", "savedOnly", "tenant", "scheduler"]],
  ["list hosts", `{ hosts { totalCount } }`, undefined, ["admin", "compliance"]],
  ["list VMs", `{ virtualMachines { totalCount } }`, undefined, ["admin", "compliance", "tenant"]],
  ["list sources", `{ sources { totalCount } }`, undefined, ["admin", "compliance"]],
  ["fleet report", `{ isolationReport { totalCount } }`, undefined, ["admin", "compliance"]],
  ["a verdict", `{ isolation(workload: "seismic-model", tenant: "biology") { outcome } }`, undefined, ["admin", "compliance", "tenant"]],
  ["violations", `{ antiAffinityViolations { totalCount } }`, undefined, ["admin", "compliance", "tenant"]],
  ["placement advice", `{ placementAdvice(workload: "seismic-model", candidates: { virtualMachines: ["vm-3"] }) { provenCount } }`, undefined, ["admin", "compliance", "tenant"]],
  ["exposure", `{ workload(key: "seismic-model") { exposure { outcome } } }`, undefined, ["admin", "compliance"]],
  ["audit log", `{ auditLog { totalCount } }`, undefined, ["admin", "compliance"]],
  ["tokens", `{ apiTokens { totalCount } }`, undefined, ["admin"]],
  ["saved queries", `{ savedQueries { totalCount } }`, undefined, ["admin", "compliance", "savedOnly"]],
  ["run a saved query", `mutation { runSavedQuery(name: "viol") { run { digest } userErrors { message } } }`, undefined, ["admin", "compliance", "savedOnly"]],
  ["save a query", `mutation { saveQuery(name: "x", document: "{ viewer { role } }") { userErrors { message } } }`, undefined, ["admin", "compliance"]],
  ["sync its own source", `mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: "globex" }, ["admin", "sync"]],
  ["sync another source", `mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: "campus" }, ["admin"]],
  ["set the policy", `mutation { setIsolationPolicy(sameTenant: PROCESS, sameOrganization: CONTAINER, otherOrganization: VIRTUAL_MACHINE) { userErrors { message } } }`, undefined, ["admin"]],
  ["create a token", `mutation { createApiToken(input: { name: "n", role: ADMIN }) { userErrors { message } } }`, undefined, ["admin"]],
];

describe("the rule table", () => {
  it("has a rule for every root field of the schema (the server refuses to start otherwise)", () => {
    expect(unruledRootFields(typeDefs)).toEqual([]);
    expect(unruledRootFields(typeDefs.replace("type Query {", "type Query {\n  secretField: String"))).toEqual(["Query.secretField"]);
  });

  it("is keyed by the schema's generated field names: a misspelt rule does not compile, and an unknown coordinate has no rule", () => {
    const rules: Partial<Record<RuledField, unknown>> = {
      "Query.isolation": {},
      // @ts-expect-error "isolaton" is not a field of Query (npm run typecheck fails if this compiles)
      "Query.isolaton": {},
    };
    expect(Object.keys(rules)).toHaveLength(2);
    expect(ruleFor("Query.isolation")?.roles).toContain("tenant");
    expect(ruleFor("Query.isolaton")).toBeUndefined();
    expect(ruleFor("Query.toString")).toBeUndefined();
  });

  for (const role of ["admin", "sync", "compliance", "savedOnly", "tenant", "scheduler"]) {
    it(`${role}: may do what its row allows and gets FORBIDDEN for the rest`, async () => {
      const outcome: Record<string, string> = {};
      for (const [name, query, variables, allowed] of TABLE) {
        const vars = variables?.s ? { s: variables.s === "globex" ? globexSnapshot() : { source: "dcim-campus", complete: false } } : variables;
        const { status, body } = await as(role, query, vars);
        expect(status, `${role} / ${name}`).toBe(200);
        outcome[name] = codes(body).includes("FORBIDDEN") ? "FORBIDDEN" : body.errors ? `error ${JSON.stringify(body.errors)}` : "allowed";
        expect(outcome[name], `${role} / ${name}`).toBe(allowed.includes(role) ? "allowed" : "FORBIDDEN");
      }
    });
  }

  it("refuses a missing, unknown or revoked token with an opaque 401", async () => {
    const secret = await createToken(service.url, ADMIN, { name: "short-lived", role: "COMPLIANCE" });
    expect((await gqlAs(service.url, secret, `{ viewer { actor } }`)).body.data.viewer.actor).toBe("token:short-lived");
    await gqlAs(service.url, ADMIN, `mutation { revokeApiToken(name: "short-lived") { token { revokedAt } } }`);
    for (const token of [null, "ts_not-a-token", secret, "Basic abc"]) {
      const { status, body } = await gqlAs(service.url, token, `{ viewer { actor } }`);
      expect(status).toBe(401);
      expect(body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
      expect(body.errors[0].message).toBe("a valid bearer token is required (Authorization: Bearer <token>)");
    }
  });

  it("keeps only a hash of each secret", async () => {
    const rows = await t.db.sql.query<{ secret_hash: string }>(`SELECT secret_hash FROM api_token`);
    for (const secret of Object.values(tokens)) for (const row of rows) expect(row.secret_hash).not.toContain(secret);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.secret_hash))).toBe(true);
  });

  it("refuses a token request that does not hold together, field by field", async () => {
    const { body } = await as("admin", `mutation { createApiToken(input: { name: "bad name!", role: TENANT, sources: ["x"], savedQueriesOnly: true }) { token { name } userErrors { path message } } }`);
    expect(body.data.createApiToken.token).toBeNull();
    expect(body.data.createApiToken.userErrors.map((e: { path: string[] }) => e.path.join("."))).toEqual(["name", "tenant", "sources", "savedQueriesOnly"]);
  });

  it("writes every mutation to the audit log: who, what, on what, and the outcome, denials included", async () => {
    const { body } = await as("compliance", `{ auditLog(first: 200) { nodes { actor role action target outcome detail } } }`);
    const events = body.data.auditLog.nodes as { actor: string; role: string; action: string; target: string | null; outcome: string; detail: any }[];
    const find = (actor: string, action: string, outcome: string) => events.find((e) => e.actor === actor && e.action === action && e.outcome === outcome);
    expect(events.filter((e) => e.actor === "bootstrap-admin" && e.action === "createApiToken" && e.outcome === "OK" && e.role === "ADMIN").map((e) => e.target)).toContain("geology-team");
    expect(find("token:globex-sync", "syncInventory", "OK")).toMatchObject({ role: "SYNC", target: "aws-globex" });
    expect(find("token:globex-sync", "syncInventory", "DENIED")).toMatchObject({ target: "dcim-campus" });
    expect(find("token:geology-team", "setIsolationPolicy", "DENIED")?.detail.reason).toBe("a tenant token may not use Mutation.setIsolationPolicy");
    expect(find("token:audit-bot", "runSavedQuery", "OK")).toMatchObject({ target: "viol" });
    expect(find("bootstrap-admin", "createApiToken", "REFUSED")?.detail.userErrors.length).toBe(4);
    // The secret never reaches the log.
    expect(JSON.stringify(events)).not.toContain("ts_");
    // Each mutation was logged PENDING before it ran and settled after it.
    expect(events.filter((e) => e.outcome === "PENDING")).toEqual([]);
    expect(find("token:globex-sync", "syncInventory", "OK")?.detail).toEqual({ allowMassRemoval: false, complete: true });
  });
});

describe("a tenant token (geology) probing for biology's inventory", () => {
  const BIOLOGY = ["vm-1", "vm-2", "vm-legacy", "c-1", "c-2", "c-4", "genome-pipeline", "lab-notebooks", "biology"];
  const INFRASTRUCTURE = ["h-001", "h-002", "h-003", "h-004", "h-101", "h-legacy", "ams1-r01", "ams1-r02", "ams1-pdu-a", "ams1-tor-1"];
  const leaks = (body: unknown, names: string[]) => names.filter((name) => new RegExp(`(^|[^\\w-])${name}([^\\w-]|$)`).test(JSON.stringify(body)));
  const id = (type: string, key: string) => Buffer.from(`${type}:${key}`).toString("base64url");

  it("lists only its own tenant, workloads and units, with counts to match", async () => {
    const { body } = await as(
      "tenant",
      `{ tenants { totalCount nodes { key } } workloads { totalCount nodes { key } }
         virtualMachines { totalCount nodes { key } } containers { totalCount nodes { key } }
         biologyVms: virtualMachines(filter: { tenant: "biology" }) { totalCount } }`,
    );
    expect(body.data.tenants).toEqual({ totalCount: 1, nodes: [{ key: "geology" }] });
    expect(body.data.workloads).toEqual({ totalCount: 1, nodes: [{ key: "seismic-model" }] });
    expect(body.data.virtualMachines.nodes.map((n: { key: string }) => n.key)).toEqual(["vm-3", "vm-4", "vm-5"]);
    expect(body.data.virtualMachines.totalCount).toBe(3);
    expect(body.data.containers.nodes.map((n: { key: string }) => n.key)).toEqual(["c-3", "c-5"]);
    expect(body.data.biologyVms.totalCount).toBe(0);
  });

  it("gets null for another tenant's objects by id or key, exactly as for objects that do not exist", async () => {
    const probe = (type: string, key: string, field: string) => as("tenant", `{ node(id: "${id(type, key)}") { id } ${field}(key: "${key}") { key } }`);
    for (const [type, field, theirs] of [
      ["VirtualMachine", "virtualMachine", "vm-1"],
      ["Container", "container", "c-1"],
      ["Workload", "workload", "genome-pipeline"],
      ["Tenant", "tenant", "biology"],
    ]) {
      const real = (await probe(type, theirs, field)).body;
      const missing = (await probe(type, `${theirs}-nope`, field)).body;
      expect(real, `${type} ${theirs}`).toEqual({ data: { node: null, [field]: null } });
      expect(missing).toEqual(real);
    }
    expect((await as("tenant", `{ node(id: "${id("Host", "h-001")}") { id } }`)).body).toEqual({ data: { node: null } });
  });

  it("gets the same NOT_FOUND for another tenant's workload as for one that does not exist", async () => {
    for (const query of [
      (w: string) => `{ isolation(workload: "${w}", tenant: "geology") { outcome } }`,
      (w: string) => `{ antiAffinityViolations(workload: "${w}") { totalCount } }`,
      (w: string) => `{ antiAffinityUnverifiable(workload: "${w}") { reason } }`,
    ]) {
      const real = (await as("tenant", query("genome-pipeline"))).body;
      const missing = (await as("tenant", query("no-such-workload"))).body;
      expect(real.errors[0].extensions.code).toBe("NOT_FOUND");
      // Word for word, but for each request's own id.
      const same = (body: unknown, key: string) =>
        JSON.stringify(body)
          .replaceAll(key, "W")
          .replace(/"requestId":"[^"]+"/g, '"requestId":"R"');
      expect(same(real, "genome-pipeline")).toBe(same(missing, "no-such-workload"));
    }
  });

  it("learns the level and the kind of thing shared in a verdict, not which unit of whom, where, or how many", async () => {
    const query = `{ isolation(workload: "seismic-model", tenant: "biology") {
        outcome actual explanation tenant { key }
        evidence(limit: 100) { actual unit { key } otherUnit { key } shared { kind key description node { id } } } } }`;
    const admin = (await as("admin", query)).body.data.isolation;
    const { body } = await as("tenant", query);
    const verdict = body.data.isolation;
    expect(verdict.outcome).toBe(admin.outcome);
    expect(verdict.actual).toBe(admin.actual);
    // At most one pair per unit of its own (test/access/tenant-wall.test.ts has the census probe).
    expect(verdict.evidence.length).toBeLessThanOrEqual(admin.evidence.length);
    expect(verdict.evidence[0].shared).toEqual({ kind: admin.evidence[0].shared.kind, key: null, description: "a host", node: null });
    expect(verdict.evidence.every((e: { otherUnit: unknown }) => e.otherUnit === null)).toBe(true);
    expect(verdict.explanation).toMatch(/a unit of biology share a host/);
    // The admin's answer names biology's units and the host; the tenant's names none of them
    // (only the tenant it asked about).
    const hidden = [...BIOLOGY.filter((name) => name !== "biology"), ...INFRASTRUCTURE];
    expect(leaks(admin, hidden).length).toBeGreaterThan(0);
    expect(leaks(verdict, hidden)).toEqual([]);
  });

  it("does not see the key of another tenant's VM its own container runs in", async () => {
    const { body } = await as("tenant", `{ container(key: "c-3") { key virtualMachineKey virtualMachine { key } tenantKey } }`);
    expect(body.data.container).toEqual({ key: "c-3", virtualMachineKey: null, virtualMachine: null, tenantKey: "geology" });
    const admin = (await as("admin", `{ container(key: "c-3") { virtualMachineKey } }`)).body;
    expect(admin.data.container.virtualMachineKey).toBe("vm-1");
  });

  it("sees only its own workloads in violations and what-ifs, and an unknown domain tells it nothing", async () => {
    const violations = (await as("tenant", `{ antiAffinityViolations(first: 1000) { nodes { workload { key } replicas { key } } } }`)).body.data.antiAffinityViolations.nodes;
    expect(violations.every((v: { workload: { key: string } }) => v.workload.key === "seismic-model")).toBe(true);
    const impact = `query($d: String!) { failureImpact(level: HOST, domain: $d) { domain tenantKeys workloads { workload { key } lost { key } } } }`;
    const h001 = (await as("tenant", impact, { d: "h-001" })).body.data.failureImpact;
    expect(h001.tenantKeys).toEqual(["geology"]);
    expect(h001.workloads).toEqual([{ workload: { key: "seismic-model" }, lost: [{ key: "vm-3" }, { key: "c-5" }].filter((u) => h001.workloads[0].lost.some((l: { key: string }) => l.key === u.key)) }]);
    expect(leaks(h001, BIOLOGY)).toEqual([]);
    const unknown = (await as("tenant", impact, { d: "h-nope" })).body;
    const empty = (await as("tenant", impact, { d: "h-004" })).body; // biology's host only
    expect(unknown.data.failureImpact.workloads).toEqual([]);
    expect({ ...empty.data.failureImpact, domain: "x" }).toEqual({ ...unknown.data.failureImpact, domain: "x" });
  });
});

describe("a server with no TENANCY_ADMIN_TOKEN", () => {
  it("trusts its loopback callers as admin until the first token is created, then asks every caller for one", async () => {
    const db = await createTestDatabase();
    const open = await startTestService(db.url);
    try {
      expect((await gqlAs(open.url, null, `{ viewer { actor role } }`)).body.data.viewer).toEqual({ actor: "anonymous", role: "ADMIN" });
      const secret = await createToken(open.url, null as never, { name: "first", role: "COMPLIANCE" });
      expect((await gqlAs(open.url, null, `{ viewer { actor } }`)).status).toBe(401);
      expect((await gqlAs(open.url, secret, `{ viewer { actor role } }`)).body.data.viewer).toEqual({ actor: "token:first", role: "COMPLIANCE" });
    } finally {
      await open.close();
      await db.drop();
    }
  });
});

describe("the scope's second wall", () => {
  it("fails closed when a row outside the scope gets past the SQL condition", async () => {
    const { AccessScope } = await import("../../src/access/access-scope.ts");
    const { principal } = await import("../../src/access/principal.ts");
    const { createLoaders } = await import("../../src/graphql/loaders.ts");
    const geology = new AccessScope(principal("token:g", "tenant", { tenant: "geology" }));
    // A scope whose SQL condition is wrong (lets every row through) but whose row check is right.
    const broken = Object.assign(Object.create(AccessScope.prototype), geology, { rowCondition: () => "TRUE" });
    const loaders = createLoaders(t.db, broken);
    await expect(loaders.byKey.virtualMachines.load("vm-1")).rejects.toThrow(/outside token:g's scope/);
    expect(await createLoaders(t.db, geology).byKey.virtualMachines.load("vm-1")).toBeNull();
    expect((await createLoaders(t.db, geology).byKey.virtualMachines.load("vm-3"))?.key).toBe("vm-3");
  });
});
