import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../src/service.ts";
import { startDemoServices, type DemoServices } from "../support/demo-service.ts";

let demo: DemoServices;
let replica: RunningService;
beforeAll(async () => {
  demo = await startDemoServices(2);
  replica = demo.services[1];
});
afterAll(async () => demo.close());

const gql = (query: string, variables?: Record<string, unknown>, on?: RunningService) => demo.gql(query, variables, on);
const VERDICT = `outcome required actual possible explanation relationship policyVersion policyRequired workloadMinimum pairCount inventoryAsOf
  workload { key } tenant { key } evidence(limit: 1) { unit { __typename key } otherUnit { __typename key } actual possible shared { kind key description node { __typename ... on Host { key } ... on Datacenter { key } ... on VirtualMachine { key } } } }`;
const TIME = "\\d\\d:\\d\\d UTC";

describe("isolation over GraphQL, on the demo inventory", () => {
  it("NOT ISOLATED: geology's gVisor container runs inside biology's VM", async () => {
    const { data, errors } = await gql(`{ isolation(workload: "genome-pipeline", tenant: "geology") { ${VERDICT} } }`);
    expect(errors).toBeUndefined();
    expect(data.isolation).toMatchObject({
      outcome: "NOT_ISOLATED",
      required: "CONTAINER",
      actual: "PROCESS",
      possible: "PROCESS",
      relationship: "SAME_ORGANIZATION",
      policyVersion: 0,
      policyRequired: "CONTAINER",
      workloadMinimum: null,
      workload: { key: "genome-pipeline" },
      tenant: { key: "geology" },
      evidence: [
        {
          unit: { __typename: "VirtualMachine", key: "vm-1" },
          otherUnit: { __typename: "Container", key: "c-3" },
          actual: "PROCESS",
          shared: { kind: "CONTAINING_UNIT", key: "vm-1", description: "VM vm-1", node: { __typename: "VirtualMachine", key: "vm-1" } },
        },
      ],
    });
    expect(data.isolation.explanation).toMatch(
      new RegExp(`^NOT ISOLATED: genome-pipeline \\(biology\\) needs CONTAINER separation from tenant geology, but geology's container c-3 runs inside VM vm-1 \\(only a PROCESS boundary between them\\)\\. Inventory as of ${TIME}\\.$`),
    );
    expect(Date.parse(data.isolation.inventoryAsOf)).not.toBeNaN();
  });

  it("ISOLATED: dedicated cloud VMs rule out a shared host with another company", async () => {
    const { data } = await gql(`{ isolation(workload: "payments", tenant: "globex") { ${VERDICT} } }`);
    expect(data.isolation).toMatchObject({ outcome: "ISOLATED", required: "HOST", actual: "HOST", possible: "RACK", relationship: "OTHER_ORGANIZATION", workloadMinimum: "HOST" });
    expect(data.isolation.evidence[0].shared).toMatchObject({ kind: "POSSIBLE_HOST", key: null, node: { __typename: "Datacenter", key: "euw1-az1" } });
    expect(data.isolation.explanation).toContain("but dedicated hardware rules out a shared host");
  });

  it("ISOLATED at VIRTUAL_MACHINE: hidden hosts in one zone, under the default policy", async () => {
    const { data } = await gql(`{ isolation(workload: "storefront", tenant: "globex") { outcome required actual possible } }`);
    expect(data.isolation).toEqual({ outcome: "ISOLATED", required: "VIRTUAL_MACHINE", actual: "VIRTUAL_MACHINE", possible: "RACK" });
  });

  it("is NOT_FOUND for a workload or tenant that does not exist", async () => {
    const noWorkload = await gql(`{ isolation(workload: "nope", tenant: "geology") { outcome } }`);
    expect(noWorkload.errors[0]).toMatchObject({ message: 'no workload "nope" has been synced', extensions: { code: "NOT_FOUND" } });
    expect(noWorkload.data).toBeNull();
    const noTenant = await gql(`{ workload(key: "payments") { isolation(from: "initech") { outcome } } }`);
    expect(noTenant.errors[0]).toMatchObject({ message: 'no tenant "initech" has been synced', extensions: { code: "NOT_FOUND" } });
  });

  it("lists exposure from both sides, weakest first", async () => {
    const { data } = await gql(`{
      workload(key: "genome-pipeline") { exposure { tenantKey outcome actual } }
      tenant(key: "geology") { exposure { workloadKey outcome actual } }
    }`);
    expect(data.workload.exposure).toEqual([{ tenantKey: "geology", outcome: "NOT_ISOLATED", actual: "PROCESS" }]);
    expect(data.tenant.exposure).toEqual([{ workloadKey: "genome-pipeline", outcome: "NOT_ISOLATED", actual: "PROCESS" }]);
  });

  it("counts a workload's own sidecar as its own, but another workload of its tenant in its VM against it", async () => {
    const query = `{ isolation(workload: "payments", tenant: "acme-payments") { outcome actual pairCount evidence(limit: 1) { otherUnit { key } } } }`;
    // payments' units are i-0pay1, i-0pay2 and its sidecar pod-pay-sidecar inside i-0pay1: acme-payments has no other unit.
    expect((await gql(query)).data.isolation).toEqual({ outcome: "ISOLATED", actual: "PLANET", pairCount: 0, evidence: [] });
    const why = (await gql(`{ isolation(workload: "payments", tenant: "acme-payments") { explanation } }`)).data.isolation.explanation;
    expect(why).toMatch(/^ISOLATED: payments \(acme-payments\) needs HOST separation from tenant acme-payments, and tenant acme-payments's only units are payments's own, so nothing of theirs meets\./);
    const sync = await gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, {
      s: {
        source: "k8s-fraud",
        workloads: [{ id: "fraud-check", tenant: "acme-payments" }],
        containers: [{ id: "pod-fraud", virtualMachine: "i-0pay1", tenant: "acme-payments", workload: "fraud-check" }],
      },
    });
    expect(sync.data.syncInventory.status).toBe("APPLIED");
    // fraud-check's pod runs inside payments' VM: PROCESS, below payments' HOST minimum.
    expect((await gql(query)).data.isolation).toEqual({ outcome: "NOT_ISOLATED", actual: "PROCESS", pairCount: 3, evidence: [{ otherUnit: { key: "pod-fraud" } }] });
  });

  it("pages through the fleet report and filters it by outcome", async () => {
    const all = (await gql(`{ isolationReport(first: 1000) { totalCount nodes { workloadKey tenantKey outcome } } }`)).data.isolationReport;
    expect(all.nodes).toEqual([
      { workloadKey: "genome-pipeline", tenantKey: "geology", outcome: "NOT_ISOLATED" },
      // fraud-check's pod inside payments' VM (the test above); payments' own sidecar there would not count.
      { workloadKey: "payments", tenantKey: "acme-payments", outcome: "NOT_ISOLATED" },
      // Not seismic-model against geology: c-5 inside vm-3 are both seismic-model's.
    ]);
    const first = (await gql(`{ isolationReport(first: 1) { totalCount edges { cursor node { workloadKey } } pageInfo { hasNextPage endCursor } } }`)).data.isolationReport;
    expect(first.totalCount).toBe(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await gql(`query($after: String) { isolationReport(first: 2, after: $after) { edges { node { workloadKey tenantKey } } pageInfo { hasNextPage } } }`, { after: first.pageInfo.endCursor })).data.isolationReport;
    expect(rest.edges).toEqual([{ node: { workloadKey: "payments", tenantKey: "acme-payments" } }]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const unproven = (await gql(`{ isolationReport(outcome: UNPROVEN) { totalCount } }`)).data.isolationReport;
    expect(unproven.totalCount).toBe(0);
    const isolated = await gql(`{ isolationReport(outcome: ISOLATED) { totalCount } }`);
    expect(isolated.errors[0].extensions.code).toBe("BAD_USER_INPUT");
  });

  it("changes the policy as a new version that every verdict names, and refuses an inverted one", async () => {
    const before = (await gql(`{ isolationPolicy { version sameTenant sameOrganization otherOrganization createdAt } }`)).data.isolationPolicy;
    expect(before).toEqual({ version: 0, sameTenant: "PROCESS", sameOrganization: "CONTAINER", otherOrganization: "VIRTUAL_MACHINE", createdAt: null });
    const inverted = await gql(`mutation { setIsolationPolicy(sameTenant: PROCESS, sameOrganization: HOST, otherOrganization: CONTAINER) { policy { version } userErrors { path message } } }`);
    expect(inverted.data.setIsolationPolicy.policy).toBeNull();
    expect(inverted.data.setIsolationPolicy.userErrors[0].path).toEqual(["sameOrganization"]);

    const set = await gql(
      `mutation { setIsolationPolicy(sameTenant: PROCESS, sameOrganization: CONTAINER, otherOrganization: HOST, comment: "customers asked for separate hardware") { policy { version otherOrganization comment } userErrors { message } } }`,
    );
    expect(set.data.setIsolationPolicy).toEqual({ policy: { version: 1, otherOrganization: "HOST", comment: "customers asked for separate hardware" }, userErrors: [] });
    // storefront (acme-web) against globex: hidden hosts in euw1-az1 may be shared; HOST is now required.
    const v = (await gql(`{ isolation(workload: "storefront", tenant: "globex") { outcome required actual possible policyVersion explanation } }`)).data.isolation;
    expect(v).toMatchObject({ outcome: "UNPROVEN", required: "HOST", actual: "VIRTUAL_MACHINE", possible: "RACK", policyVersion: 1 });
    expect(v.explanation).toMatch(/^UNPROVEN: storefront \(acme-web\) needs HOST separation from tenant globex; only VIRTUAL_MACHINE is proven, RACK is possible: /);
    // The other replica reads the same policy.
    expect((await gql(`{ isolationPolicy { version } }`, undefined, replica)).data.isolationPolicy.version).toBe(1);
    const history = (await gql(`{ isolationPolicyHistory { version } }`)).data.isolationPolicyHistory;
    expect(history.map((p: { version: number }) => p.version)).toEqual([1, 0]);
    await gql(`mutation { setIsolationPolicy(sameTenant: PROCESS, sameOrganization: CONTAINER, otherOrganization: VIRTUAL_MACHINE) { policy { version } } }`);
  });

  it("sees a sync at once, on every replica", async () => {
    const query = `{ isolation(workload: "seismic-model", tenant: "biology") { outcome actual } }`;
    expect((await gql(query, undefined, replica)).data.isolation).toEqual({ outcome: "ISOLATED", actual: "VIRTUAL_MACHINE" });
    // A biology container moves into geology's VM vm-3 through the first replica…
    const sync = await gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: { source: "k8s-extra", containers: [{ id: "intruder", virtualMachine: "vm-3", tenant: "biology" }] } });
    expect(sync.data.syncInventory.status).toBe("APPLIED");
    // …and the second replica's next verdict already knows.
    expect((await gql(query, undefined, replica)).data.isolation).toEqual({ outcome: "NOT_ISOLATED", actual: "PROCESS" });
  });

  it("reloads a replica's index in the background when another replica commits (LISTEN/NOTIFY)", async () => {
    await gql(`{ isolationPolicy { version } }`, undefined, replica); // the replica has loaded once
    const index = replica.http.isolationIndex;
    const before = index.loadedVersion!;
    await gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: { source: "k8s-extra", containers: [{ id: "late-pod", host: "h-004", tenant: "geology" }] } });
    // No request goes to the replica: the notification alone makes it reload.
    for (let i = 0; i < 100 && index.loadedVersion === before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(index.loadedVersion).toBe(before + 1);
  });
});
