import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../src/service.ts";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import type { TestDatabase } from "../support/test-database.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/** Compliance's saved queries over HTTP: validation, versions, runs kept as evidence, diffs. */
const ADMIN = ADMIN_TOKEN;
let demo: SecuredDemo;
let t: TestDatabase;
let service: RunningService;
let compliance: string;
let savedOnly: string;

beforeAll(async () => {
  demo = await startSecuredDemo();
  ({ t, service } = demo);
  compliance = await createToken(service.url, ADMIN, { name: "audit", role: "COMPLIANCE" });
  savedOnly = await createToken(service.url, ADMIN, { name: "audit-bot", role: "COMPLIANCE", savedQueriesOnly: true });
}, 60_000);
afterAll(async () => demo?.close());

const SAVE = `mutation($name: String!, $document: String!, $variables: JSON, $description: String) {
  saveQuery(name: $name, document: $document, variables: $variables, description: $description) {
    changed savedQuery { name version description variables } userErrors { path message } } }`;
const RUN = `mutation($name: String!, $variables: JSON) {
  runSavedQuery(name: $name, variables: $variables) {
    run { id name version runBy runAt variables inventoryVersion inventoryAsOf result digest rowCount } userErrors { path message } } }`;
const VIOLATIONS = `query Violations($workload: String) {
  antiAffinityViolations(workload: $workload, first: 1000) { nodes { workload { key } level kind domain excess } } }`;

const gql = (token: string, query: string, variables?: Record<string, unknown>) => gqlAs(service.url, token, query, variables).then((r) => r.body);

describe("saveQuery", () => {
  it("checks the document against the schema and says what is wrong, where", async () => {
    const cases: [string, RegExp][] = [
      ["{ hosts { nodes { key } ", /not a GraphQL document: Syntax Error/],
      ["{ hosts { nodes { serialNumber } } }", /Cannot query field "serialNumber" on type "Host"\. \(line 1, column 19\)/],
      [`mutation { setIsolationPolicy(sameTenant: PROCESS, sameOrganization: HOST, otherOrganization: HOST) { policy { version } } }`, /must be a query, not a mutation/],
      ["query A { viewer { role } } query B { viewer { role } }", /exactly one operation; this document has 2/],
    ];
    for (const [document, message] of cases) {
      const payload = (await gql(compliance, SAVE, { name: "bad", document })).data.saveQuery;
      expect(payload.savedQuery).toBeNull();
      expect(payload.userErrors[0].path).toEqual(["document"]);
      expect(payload.userErrors[0].message).toMatch(message);
    }
    const names = (await gql(compliance, SAVE, { name: "no spaces please", document: "{ viewer { role } }", variables: [1] })).data.saveQuery.userErrors;
    expect(names.map((e: { path: string[] }) => e.path[0])).toEqual(["name", "variables"]);
    expect((await gql(compliance, `{ savedQuery(name: "bad") { name } }`)).data.savedQuery).toBeNull();
  });

  it("adds a version only when something changed", async () => {
    const first = (await gql(compliance, SAVE, { name: "violations", document: VIOLATIONS, description: "Quarterly spread audit" })).data.saveQuery;
    expect(first).toMatchObject({ changed: true, savedQuery: { version: 1, description: "Quarterly spread audit", variables: {} } });
    const again = (await gql(compliance, SAVE, { name: "violations", document: VIOLATIONS })).data.saveQuery;
    expect(again).toMatchObject({ changed: false, savedQuery: { version: 1, description: "Quarterly spread audit" } });
    const second = (await gql(compliance, SAVE, { name: "violations", document: VIOLATIONS, variables: { workload: null } })).data.saveQuery;
    expect(second).toMatchObject({ changed: true, savedQuery: { version: 2, variables: { workload: null } } });
    const versions = (await gql(compliance, `{ savedQuery(name: "violations") { version updatedBy versions { version createdBy } } }`)).data.savedQuery;
    expect(versions).toEqual({
      version: 2,
      updatedBy: "token:audit",
      versions: [
        { version: 2, createdBy: "token:audit" },
        { version: 1, createdBy: "token:audit" },
      ],
    });
  });
});

describe("runSavedQuery", () => {
  it("keeps each run as evidence: who, when, which version, the inventory read, the result and its digest", async () => {
    const { run } = (await gql(savedOnly, RUN, { name: "violations" })).data.runSavedQuery;
    const [state] = await t.db.sql.query<{ version: number }>(`SELECT version FROM inventory_state WHERE id = 1`);
    expect(run).toMatchObject({ name: "violations", version: 2, runBy: "token:audit-bot", inventoryVersion: state.version, variables: { workload: null } });
    expect(run.inventoryAsOf).not.toBeNull();
    expect(run.digest).toMatch(/^[0-9a-f]{64}$/);
    // The same answer as asking directly.
    const direct = await gql(compliance, VIOLATIONS);
    expect(run.result).toEqual(direct);
    expect(run.rowCount).toBe(direct.data.antiAffinityViolations.nodes.length);
    expect(run.rowCount).toBeGreaterThan(0);
  });

  it("runs only saved documents by name for a token limited to saved queries, however the document reads", async () => {
    expect((await gql(savedOnly, VIOLATIONS)).errors[0].extensions.code).toBe("FORBIDDEN");
    expect((await gql(savedOnly, RUN, { name: "no-such-query" })).data.runSavedQuery.userErrors).toEqual([{ path: ["name"], message: 'no saved query is named "no-such-query"' }]);
    const withVariables = (await gql(savedOnly, RUN, { name: "violations", variables: { workload: "ledger" } })).data.runSavedQuery.run;
    expect(withVariables.variables).toEqual({ workload: "ledger" });
    expect(withVariables.result.data.antiAffinityViolations.nodes.every((v: { workload: { key: string } }) => v.workload.key === "ledger")).toBe(true);
  });

  it("pages through the runs, newest first, and diffs a run against an earlier one", async () => {
    const before = (await gql(compliance, RUN, { name: "violations" })).data.runSavedQuery.run;
    const unchanged = (await gql(compliance, RUN, { name: "violations" })).data.runSavedQuery.run;
    // seismic-model's owner promises three datacenters now: its old violations go, a new one comes.
    const set = await gql(ADMIN, `mutation { setAntiAffinityRules(workload: "seismic-model", rules: [{ level: DATACENTER, minDomains: 3 }]) { userErrors { message } } }`);
    expect(set.data.setAntiAffinityRules.userErrors).toEqual([]);
    const after = (await gql(compliance, RUN, { name: "violations" })).data.runSavedQuery.run;
    expect(after.inventoryVersion).toBe(before.inventoryVersion + 1);

    const DIFF = `query($id: ID!, $against: ID!) { node(id: $id) { ... on SavedQueryRun { diff(against: $against) {
      same against { id } appeared { list key row } disappeared { list key } changed { key } } } } }`;
    const same = (await gql(compliance, DIFF, { id: unchanged.id, against: before.id })).data.node.diff;
    expect(same).toEqual({ same: true, against: { id: before.id }, appeared: [], disappeared: [], changed: [] });
    const diff = (await gql(compliance, DIFF, { id: after.id, against: before.id })).data.node.diff;
    expect(diff.same).toBe(false);
    expect(diff.appeared).toEqual([
      {
        list: "antiAffinityViolations.nodes",
        key: "kind=MIN_DOMAINS level=DATACENTER workload=seismic-model",
        row: { workload: { key: "seismic-model" }, level: "DATACENTER", kind: "MIN_DOMAINS", domain: null, excess: 1 },
      },
    ]);
    const seismicBefore = before.result.data.antiAffinityViolations.nodes.filter((v: { workload: { key: string } }) => v.workload.key === "seismic-model");
    expect(seismicBefore.length).toBeGreaterThan(0);
    expect(diff.disappeared.map((d: { key: string }) => d.key).sort()).toEqual(
      seismicBefore.map((v: { level: string; kind: string; domain: string | null }) => `${v.domain === null ? "" : `domain=${v.domain} `}kind=${v.kind} level=${v.level} workload=seismic-model`).sort(),
    );

    const page = (await gql(compliance, `{ savedQuery(name: "violations") { runs(first: 2) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } } }`)).data.savedQuery.runs;
    expect(page.totalCount).toBe(5); // two earlier runs, these three; a refused run is not kept
    expect(page.nodes.map((n: { id: string }) => n.id)).toEqual([after.id, unchanged.id]);
    const next = (await gql(compliance, `query($after: String) { savedQuery(name: "violations") { runs(first: 2, after: $after) { nodes { id } } } }`, { after: page.pageInfo.endCursor })).data.savedQuery.runs;
    expect(next.nodes[0].id).toBe(before.id);
  });

  it("refuses to diff runs of two different saved queries", async () => {
    await gql(compliance, SAVE, { name: "who", document: "{ viewer { role } }" });
    const who = (await gql(compliance, RUN, { name: "who" })).data.runSavedQuery.run;
    const other = (await gql(compliance, RUN, { name: "violations" })).data.runSavedQuery.run;
    const body = await gql(compliance, `query($id: ID!, $against: ID!) { node(id: $id) { ... on SavedQueryRun { diff(against: $against) { same } } } }`, { id: who.id, against: other.id });
    expect(body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(body.errors[0].message).toMatch(/is of saved query "violations", not "who"/);
  });
});
