import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * The tenant wall, probed as the attacker probed it: over HTTP with a tenant token
 * (geology) on the demo inventory, and with a sync token that writes a unit into another
 * tenant's workload; and saved-query runs read back by a weaker role.
 */
const ADMIN = ADMIN_TOKEN;
let demo: SecuredDemo;
let url: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  demo = await startSecuredDemo();
  url = demo.service.url;
  tokens.tenant = await createToken(url, ADMIN, { name: "geology-team", role: "TENANT", tenant: "geology" });
  tokens.compliance = await createToken(url, ADMIN, { name: "audit", role: "COMPLIANCE" });
  tokens.savedOnly = await createToken(url, ADMIN, { name: "audit-bot", role: "COMPLIANCE", savedQueriesOnly: true });
  tokens.intruder = await createToken(url, ADMIN, { name: "intruder", role: "SYNC", sources: ["intruder"] });
}, 60_000);
afterAll(async () => demo?.close());

const as = async (role: string, query: string, variables?: Record<string, unknown>) => (await gqlAs(url, tokens[role] ?? ADMIN, query, variables)).body;
const keys = (nodes: { key: string }[]) => nodes.map((n) => n.key).sort();

// Every key of the demo a tenant might guess.
const PROBES = ["vm-1", "vm-2", "vm-3", "vm-4", "vm-5", "vm-legacy", "c-1", "c-3", "c-5", "h-001", "h-002", "h-003", "h-004", "h-101", "h-legacy", "ams1", "rtm1", "genome-pipeline", "lab-notebooks", "seismic-model", "nope"];

describe("filters, for a tenant token", () => {
  it("do not confirm the key of the other tenant's VM its container runs in", async () => {
    const count = (vm: string) => as("tenant", `{ containers(filter: { virtualMachine: "${vm}" }) { totalCount nodes { key } } }`);
    const hidden = await count("vm-1"); // biology's VM, home of geology's c-3
    expect(hidden.data.containers).toEqual({ totalCount: 0, nodes: [] });
    expect(hidden).toEqual(await count("vm-wrong-guess"));
    expect((await count("vm-3")).data.containers.nodes).toEqual([{ key: "c-5" }]); // its own VM still filters
    // As admin, vm-1 does hold c-3: the filter is narrowed for the tenant, not broken.
    expect(keys((await as("admin", `{ containers(filter: { virtualMachine: "vm-1" }) { nodes { key } } }`)).data.containers.nodes)).toContain("c-3");
  });

  it("match exactly what the tenant can read on its own rows, for every key it could guess", async () => {
    const own = await as(
      "tenant",
      `{ containers { nodes { key hostKey virtualMachineKey workloadKey virtualMachine { hostKey datacenterKey } } }
         virtualMachines { nodes { key hostKey containerKey datacenterKey workloadKey } } }`,
    );
    type C = { key: string; hostKey: string | null; virtualMachineKey: string | null; workloadKey: string | null; virtualMachine: { hostKey: string | null; datacenterKey: string | null } | null };
    type V = { key: string; hostKey: string | null; containerKey: string | null; datacenterKey: string | null; workloadKey: string | null };
    const containers: C[] = own.data.containers.nodes;
    const vms: V[] = own.data.virtualMachines.nodes;
    for (const probe of PROBES) {
      const { data } = await as(
        "tenant",
        `query($p: String!) {
           byVm: containers(filter: { virtualMachine: $p }) { totalCount nodes { key } }
           byHost: containers(filter: { host: $p }) { totalCount nodes { key } }
           byDc: containers(filter: { datacenter: $p }) { totalCount nodes { key } }
           byWorkload: containers(filter: { workload: $p }) { totalCount nodes { key } }
           vmByHost: virtualMachines(filter: { host: $p }) { totalCount nodes { key } }
           vmByDc: virtualMachines(filter: { datacenter: $p }) { totalCount nodes { key } }
           vmByContainer: virtualMachines(filter: { container: $p }) { totalCount nodes { key } }
           vmByWorkload: virtualMachines(filter: { workload: $p }) { totalCount nodes { key } } }`,
        { p: probe },
      );
      const expected = {
        byVm: containers.filter((c) => c.virtualMachineKey === probe),
        byHost: containers.filter((c) => c.hostKey === probe || c.virtualMachine?.hostKey === probe),
        byDc: containers.filter((c) => c.virtualMachine?.datacenterKey === probe),
        byWorkload: containers.filter((c) => c.workloadKey === probe),
        vmByHost: vms.filter((v) => v.hostKey === probe),
        vmByDc: vms.filter((v) => v.datacenterKey === probe),
        vmByContainer: vms.filter((v) => v.containerKey === probe),
        vmByWorkload: vms.filter((v) => v.workloadKey === probe),
      };
      for (const [name, rows] of Object.entries(expected)) {
        expect({ probe, name, keys: keys(data[name].nodes), count: data[name].totalCount }).toEqual({ probe, name, keys: keys(rows), count: rows.length });
      }
    }
  });
});

describe("a verdict, for a tenant token", () => {
  const query = `{ isolation(workload: "seismic-model", tenant: "biology") { outcome actual possible pairCount evidence(limit: 100) { unit { key } otherUnit { key } actual possible shared { kind key } } } }`;

  it("gives no pair count and at most one pair per unit of its own: no census of the other tenant", async () => {
    const admin = (await as("admin", query)).data.isolation;
    const tenant = (await as("tenant", query)).data.isolation;
    expect(admin.pairCount).toBeGreaterThan(4); // 4 units of seismic-model × biology's units
    expect(tenant.pairCount).toBeNull();
    expect({ outcome: tenant.outcome, actual: tenant.actual, possible: tenant.possible }).toEqual({ outcome: admin.outcome, actual: admin.actual, possible: admin.possible });
    const units = tenant.evidence.map((e: { unit: { key: string } }) => e.unit.key);
    expect(new Set(units).size).toBe(units.length);
    expect(units.length).toBeLessThanOrEqual(4);
    // Each unit's pair is its weakest, as the admin sees it.
    for (const pair of tenant.evidence) {
      const weakest = admin.evidence.find((e: { unit: { key: string } }) => e.unit.key === pair.unit.key);
      expect({ actual: pair.actual, possible: pair.possible, kind: pair.shared.kind }).toEqual({ actual: weakest.actual, possible: weakest.possible, kind: weakest.shared.kind });
      expect(pair.otherUnit).toBeNull();
      expect(pair.shared.key).toBeNull();
    }
    // The admin sees several biology units share vm-3's host h-001; the tenant cannot count them.
    expect(admin.evidence.filter((e: { unit: { key: string } }) => e.unit.key === "vm-3").length).toBeGreaterThan(1);
  });
});

describe("a unit that names another tenant's workload", () => {
  it("is kept with a warning, and counts nowhere as that workload's replica", async () => {
    const impact = `{ failureImpact(level: RACK, domain: "ams1-r02") { workloads { workload { key } replicaCount remaining } }
                      workload(key: "seismic-model") { antiAffinityAudit { replicaCount violations { replicas { key } } } virtualMachines { totalCount } } }`;
    const before = await as("admin", impact);
    const sync = await as("intruder", `mutation($s: JSON!) { syncInventory(snapshot: $s) { status warnings { path message } userErrors { message } } }`, {
      s: { source: "intruder", virtualMachines: [{ id: "vm-intruder", host: "h-003", tenant: "globex", workload: "seismic-model" }] },
    });
    expect(sync.data.syncInventory, JSON.stringify(sync)).toMatchObject({ status: "APPLIED", userErrors: [] });
    expect(sync.data.syncInventory.warnings).toContainEqual({
      path: ["virtualMachines", "0", "workload"],
      message: 'workload "seismic-model" belongs to tenant "geology", not to this unit\'s tenant "globex"; kept, but counted as no replica of it',
    });
    for (const role of ["admin", "tenant"]) {
      const after = await as(role, impact);
      // h-003 is in rack ams1-r02, where seismic-model has no replica of its own: the rack's failure touches none.
      expect(after.data.failureImpact.workloads.map((w: { workload: { key: string } }) => w.workload.key)).not.toContain("seismic-model");
      expect(after.data.workload.antiAffinityAudit.map((a: { replicaCount: number }) => a.replicaCount)).toEqual([3, 3]);
      expect(after.data.workload.virtualMachines.totalCount).toBe(3);
    }
    expect((await as("admin", impact)).data.workload).toEqual(before.data.workload);
    // And in verdicts: the intruder's VM is globex's unit, not one of seismic-model's.
    const verdict = (await as("admin", `{ isolation(workload: "seismic-model", tenant: "globex") { pairCount evidence(limit: 100) { unit { key } otherUnit { key } } } }`)).data.isolation;
    const globex = (await as("admin", `{ tenant(key: "globex") { virtualMachines { totalCount } containers { totalCount } } }`)).data.tenant;
    expect(verdict.pairCount).toBe(4 * (globex.virtualMachines.totalCount + globex.containers.totalCount));
    expect(verdict.evidence.every((e: { unit: { key: string } }) => e.unit.key !== "vm-intruder")).toBe(true);
  });
});

describe("saved-query runs", () => {
  it("are readable only by callers allowed every field their document reads", async () => {
    const save = (name: string, document: string) => as("admin", `mutation($n: String!, $d: String!) { saveQuery(name: $n, document: $d) { userErrors { message } } }`, { n: name, d: document });
    await save("tokens", `{ apiTokens { nodes { name role } } }`);
    await save("spread", `{ antiAffinityViolations { nodes { workload { key } domain } } }`);
    const run = async (name: string) => (await as("admin", `mutation($n: String!) { runSavedQuery(name: $n) { run { id } } }`, { n: name })).data.runSavedQuery.run.id;
    const [first, second] = [await run("tokens"), await run("tokens")];
    await run("spread");

    const read = (name: string) => `{ savedQuery(name: "${name}") { runs { nodes { runBy digest result } } } }`;
    const rowCount = (name: string) => `{ savedQuery(name: "${name}") { runs { nodes { rowCount } } } }`;
    const diff = `query($id: ID!) { node(id: $id) { ... on SavedQueryRun { diff(against: "${first}") { same } } } }`;
    const admin = await as("admin", read("tokens"));
    expect(JSON.stringify(admin)).toContain("audit-bot");
    for (const role of ["savedOnly", "compliance"]) {
      for (const query of [read("tokens"), rowCount("tokens")]) {
        const body = await as(role, query);
        expect(body.errors?.[0]?.extensions?.code, `${role}: ${query}`).toBe("FORBIDDEN");
        expect(body.errors[0].message).toMatch(/reads Query\.apiTokens/);
        expect(JSON.stringify(body)).not.toContain("audit-bot");
      }
      // A run of a document it may read stays readable.
      const spread = await as(role, read("spread"));
      expect(spread.errors).toBeUndefined();
      expect(spread.data.savedQuery.runs.nodes[0].result.data.antiAffinityViolations.nodes.length).toBeGreaterThan(0);
    }
    // diff compares the results, so it is refused too (compliance may use node(id:)).
    const refusedDiff = await as("compliance", diff, { id: second });
    expect(refusedDiff.errors[0].extensions.code).toBe("FORBIDDEN");
    expect((await as("admin", diff, { id: second })).data.node.diff.same).toBe(true);
  });
});
