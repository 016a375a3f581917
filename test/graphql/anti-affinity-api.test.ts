import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoServices, type DemoServices } from "../support/demo-service.ts";

let demo: DemoServices;
beforeAll(async () => {
  demo = await startDemoServices();
});
afterAll(async () => demo.close());
const gql = (query: string, variables?: Record<string, unknown>) => demo.gql(query, variables);

describe("anti-affinity over GraphQL, on the demo inventory", () => {
  it("lists every violation of the fleet with its message", async () => {
    const { data, errors } = await gql(`{ antiAffinityViolations { totalCount nodes { workload { key } level mode kind domain excess message replicas { __typename key } rule { level maxPerDomain maxSkew } } } }`);
    expect(errors).toBeUndefined();
    expect(data.antiAffinityViolations.nodes.map((v: { message: string }) => v.message)).toEqual([
      // ledger-4's rack is fed by both PDUs: it counts in each.
      "4 replicas of ledger share power domain fra1-pdu-a; at most 1 allowed",
      "2 replicas of seismic-model share power domain ams1-pdu-a; at most 1 allowed",
    ]);
    expect(data.antiAffinityViolations.nodes[0]).toMatchObject({
      workload: { key: "ledger" },
      level: "POWER_DOMAIN",
      mode: "HARD",
      kind: "MAX_PER_DOMAIN",
      domain: "fra1-pdu-a",
      excess: 3,
      replicas: [
        { __typename: "VirtualMachine", key: "ledger-1" },
        { __typename: "VirtualMachine", key: "ledger-2" },
        { __typename: "VirtualMachine", key: "ledger-3" },
        { __typename: "VirtualMachine", key: "ledger-4" },
      ],
    });
    expect(data.antiAffinityViolations.nodes[1].mode).toBe("SOFT");
  });

  it("pages through violations and narrows them to a workload; an unknown workload is NOT_FOUND", async () => {
    const first = (await gql(`{ antiAffinityViolations(first: 1) { edges { node { domain } } pageInfo { hasNextPage endCursor } } }`)).data.antiAffinityViolations;
    expect(first.edges).toEqual([{ node: { domain: "fra1-pdu-a" } }]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const next = (await gql(`query($a: String) { antiAffinityViolations(first: 5, after: $a) { nodes { workload { key } } pageInfo { hasNextPage } } }`, { a: first.pageInfo.endCursor })).data.antiAffinityViolations;
    expect(next).toEqual({ nodes: [{ workload: { key: "seismic-model" } }], pageInfo: { hasNextPage: false } });
    const ledger = (await gql(`{ antiAffinityViolations(workload: "ledger") { totalCount } }`)).data.antiAffinityViolations;
    expect(ledger.totalCount).toBe(1);
    const missing = await gql(`{ antiAffinityViolations(workload: "nope") { totalCount } }`);
    expect(missing.errors[0].extensions.code).toBe("NOT_FOUND");
  });

  it("lists the replicas a rule cannot verify, with the reason", async () => {
    const { data } = await gql(`{ antiAffinityUnverifiable(workload: "ledger") { rule { level } replica { key } reason } }`);
    expect(data.antiAffinityUnverifiable).toEqual([
      { rule: { level: "POWER_DOMAIN" }, replica: { key: "ledger-dr" }, reason: "its host is hidden or not known" },
      { rule: { level: "RACK" }, replica: { key: "ledger-dr" }, reason: "its host is hidden or not known" },
    ]);
  });

  it("what if fra1-pdu-a fails: the ledger falls below its quorum", async () => {
    const { data } = await gql(`{ failureImpact(level: POWER_DOMAIN, domain: "fra1-pdu-a") { level domain tenantKeys
      workloads { workload { key } replicaCount lost { key } degraded { key } atRisk { key } remaining losesAll quorum belowQuorum } } }`);
    expect(data.failureImpact).toEqual({
      level: "POWER_DOMAIN",
      domain: "fra1-pdu-a",
      tenantKeys: ["treasury"],
      workloads: [
        {
          workload: { key: "ledger" },
          replicaCount: 5,
          lost: [{ key: "ledger-1" }, { key: "ledger-2" }, { key: "ledger-3" }],
          degraded: [{ key: "ledger-4" }],
          atRisk: [{ key: "ledger-dr" }],
          remaining: 1,
          losesAll: false,
          quorum: 3,
          belowQuorum: true,
        },
      ],
    });
    const unknown = await gql(`{ failureImpact(level: RACK, domain: "no-such-rack") { domain } }`);
    expect(unknown.errors[0]).toMatchObject({ message: 'no rack "no-such-rack" is known to the inventory', extensions: { code: "NOT_FOUND" } });
  });

  it("what if datacenter ams1 fails: who loses what", async () => {
    const { data } = await gql(`{ failureImpact(level: DATACENTER, domain: "ams1") { workloads { workload { key } lost { key } losesAll } tenantKeys } }`);
    expect(data.failureImpact.tenantKeys).toEqual(["biology", "geology"]);
    expect(data.failureImpact.workloads).toEqual([
      { workload: { key: "genome-pipeline" }, lost: [{ key: "vm-1" }, { key: "vm-2" }], losesAll: false },
      { workload: { key: "lab-notebooks" }, lost: [{ key: "c-2" }, { key: "c-4" }], losesAll: true },
      { workload: { key: "seismic-model" }, lost: [{ key: "vm-3" }, { key: "vm-4" }], losesAll: false },
    ]);
  });

  it("survives: single points of failure against the quorum", async () => {
    const { data } = await gql(`{ workload(key: "ledger") { minHealthyReplicas replicas { key }
      power: survives(level: POWER_DOMAIN) { survives quorum replicaCount singlePointsOfFailure { domain remaining } unverifiable { key } }
      datacenter: survives(level: DATACENTER) { survives singlePointsOfFailure { domain remaining } } } }`);
    expect(data.workload.minHealthyReplicas).toBe(3);
    expect(data.workload.power).toEqual({ survives: false, quorum: 3, replicaCount: 5, singlePointsOfFailure: [{ domain: "fra1-pdu-a", remaining: 1 }], unverifiable: [{ key: "ledger-dr" }] });
    expect(data.workload.datacenter).toEqual({ survives: false, singlePointsOfFailure: [{ domain: "fra1", remaining: 0 }] });
  });

  it("survives and failureImpact agree on what is left after each domain fails, for every workload and level", async () => {
    const { data } = await gql(`{ workloads(first: 50) { nodes { key replicas { key }
      ${["HOST", "RACK", "POWER_DOMAIN", "NETWORK_DOMAIN", "DATACENTER", "HAZARD_ZONE", "PLANET"].map((l) => `${l}: survives(level: ${l}) { quorum singlePointsOfFailure { domain remaining } }`).join("\n")} } } }`);
    let compared = 0;
    for (const workload of data.workloads.nodes) {
      for (const level of ["HOST", "RACK", "POWER_DOMAIN", "NETWORK_DOMAIN", "DATACENTER", "HAZARD_ZONE", "PLANET"]) {
        for (const spof of workload[level].singlePointsOfFailure) {
          const impact = (await gql(`query($l: AntiAffinityLevel!, $d: String!) { failureImpact(level: $l, domain: $d) { workloads { workload { key } remaining } } }`, { l: level, d: spof.domain })).data.failureImpact;
          const mine = impact.workloads.find((w: { workload: { key: string } }) => w.workload.key === workload.key);
          expect(mine?.remaining ?? workload.replicas.length, `${workload.key} at ${level} ${spof.domain}`).toBe(spof.remaining);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(5);
    // The case users saw disagree: the ledger keeps 1 replica for certain when fra1-pdu-a fails, in both answers.
    const pdu = (await gql(`{ failureImpact(level: POWER_DOMAIN, domain: "fra1-pdu-a") { workloads { workload { key } remaining } } }`)).data.failureImpact;
    expect(pdu.workloads).toEqual([{ workload: { key: "ledger" }, remaining: 1 }]);
  });

  it("refuses a sync whose counts overflow GraphQL's Int, and the workload's rules stay readable", async () => {
    const rules = `{ workload(key: "ledger") { antiAffinity { level maxPerDomain } } }`;
    const before = (await gql(rules)).data.workload.antiAffinity;
    const s = { source: "dcim-fra", workloads: [{ id: "ledger", tenant: "treasury", minHealthyReplicas: 1e308, antiAffinity: [{ level: "HOST", maxPerDomain: 1e308 }] }] };
    const { data } = await gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { path message } } }`, { s });
    expect(data.syncInventory.status).toBe("REFUSED");
    expect(data.syncInventory.userErrors.map((e: { message: string }) => e.message)).toEqual(
      expect.arrayContaining([expect.stringContaining("maxPerDomain must be at most 2147483647"), expect.stringContaining("must be at most 2147483647")]),
    );
    // Nothing written: the rules read back as before, with no INTERNAL_SERVER_ERROR.
    const after = await gql(rules);
    expect(after.errors).toBeUndefined();
    expect(after.data.workload.antiAffinity).toEqual(before);
  });

  it("sets rules over GraphQL, refuses rules that check nothing, and goes back to the snapshot's", async () => {
    const refused = await gql(`mutation { setAntiAffinityRules(workload: "ledger", rules: [{ level: HOST, maxPerDomain: 0 }]) { workload { key } userErrors { path message } } }`);
    expect(refused.data.setAntiAffinityRules).toEqual({ workload: null, userErrors: [{ path: ["rules", "0", "maxPerDomain"], message: "maxPerDomain must be a whole number of at least 1" }] });
    const set = await gql(`mutation { setAntiAffinityRules(workload: "ledger", rules: [{ level: RACK, maxPerDomain: 2 }], comment: "two per rack is fine") {
      workload { antiAffinity { level maxPerDomain mode } } userErrors { message } } }`);
    expect(set.data.setAntiAffinityRules).toEqual({ workload: { antiAffinity: [{ level: "RACK", maxPerDomain: 2, mode: "HARD" }] }, userErrors: [] });
    expect((await gql(`{ antiAffinityViolations(workload: "ledger") { totalCount } }`)).data.antiAffinityViolations.totalCount).toBe(0);
    // A sync of the workload's source does not overwrite the override.
    await gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: { source: "dcim-fra", workloads: [{ id: "ledger", tenant: "treasury", antiAffinity: [{ level: "HOST" }] }] } });
    expect((await gql(`{ workload(key: "ledger") { antiAffinity { level } } }`)).data.workload.antiAffinity).toEqual([{ level: "RACK" }]);
    const cleared = await gql(`mutation { setAntiAffinityRules(workload: "ledger", rules: null) { workload { antiAffinity { level } } } }`);
    expect(cleared.data.setAntiAffinityRules.workload.antiAffinity).toEqual([{ level: "HOST" }]);
    const unknown = await gql(`mutation { setAntiAffinityRules(workload: "nope", rules: []) { userErrors { path message } } }`);
    expect(unknown.data.setAntiAffinityRules.userErrors).toEqual([{ path: ["workload"], message: 'no workload "nope" has been synced' }]);
  });
});
