import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSyncedService, type SyncedService } from "../support/synced-service.ts";
import { gqlAs } from "../support/token-client.ts";

/*
 * Dedicated hardware over HTTP with role tokens (docs/separation.md, "Dedicated hardware"): a
 * platform's dedicated nodes (EKS on dedicated tenancy) run several tenants' pods. Dedication
 * keeps other tenants' VMs off the machine, not the containers inside the platform's own VMs.
 * az1: dedicated VMs n1 and n2 of tenant platform, with a's pod pa and b's pod pb, and e's own
 * VM ve. az2: host h1 dedicated to platform holds n3 (c's pod pc); n4, platform's, is on a hidden
 * host there (d's pod pd).
 */
const ADMIN = "admin-token-for-dedicated-nodes";
const snapshot = {
  source: "cloud",
  complete: true,
  datacenters: [
    { id: "az1", region: "r1" },
    { id: "az2", region: "r1" },
  ],
  hosts: [{ id: "h1", datacenter: "az2", dedicatedTo: "platform" }],
  tenants: ["platform", "a", "b", "c", "d", "e"].map((id) => ({ id, organization: `org-${id}` })),
  workloads: [
    { id: "wa", tenant: "a", minimumIsolation: "HOST" },
    { id: "wc", tenant: "c", minimumIsolation: "HOST" },
  ],
  virtualMachines: [
    { id: "n1", datacenter: "az1", tenant: "platform", dedicated: true },
    { id: "n2", datacenter: "az1", tenant: "platform", dedicated: true },
    { id: "ve", datacenter: "az1", tenant: "e" },
    { id: "n3", host: "h1", tenant: "platform" },
    { id: "n4", datacenter: "az2", tenant: "platform" },
  ],
  containers: [
    { id: "pa", virtualMachine: "n1", tenant: "a", workload: "wa" },
    { id: "pb", virtualMachine: "n2", tenant: "b" },
    { id: "pc", virtualMachine: "n3", tenant: "c", workload: "wc" },
    { id: "pd", virtualMachine: "n4", tenant: "d" },
  ],
};

let synced: SyncedService;
let service: SyncedService["service"];
let tokens: SyncedService["tokens"];
beforeAll(async () => {
  synced = await startSyncedService(ADMIN, snapshot);
  ({ service, tokens } = synced);
}, 60_000);
afterAll(() => synced?.close());

const VERDICT = `outcome required actual possible explanation evidence(limit: 1) { unit { key } otherUnit { key } actual possible shared { kind node { __typename ... on Datacenter { key } } } }`;
const isolation = async (workload: string, tenant: string) => {
  const { body } = await gqlAs(service.url, tokens.compliance, `{ isolation(workload: "${workload}", tenant: "${tenant}") { ${VERDICT} } }`);
  expect(body.errors).toBeUndefined();
  return body.data.isolation;
};

describe("dedicated nodes running several tenants' containers", () => {
  it("two tenants' pods in one platform's dedicated VMs may share a machine: UNPROVEN, each side's VM wall", async () => {
    const verdict = await isolation("wa", "b");
    expect(verdict).toMatchObject({ outcome: "UNPROVEN", required: "HOST", actual: "VIRTUAL_MACHINE", possible: "RACK" });
    expect(verdict.evidence[0]).toMatchObject({ unit: { key: "pa" }, otherUnit: { key: "pb" }, actual: "VIRTUAL_MACHINE", possible: "RACK" });
    expect(verdict.evidence[0].shared).toMatchObject({ kind: "POSSIBLE_HOST", node: { __typename: "Datacenter", key: "az1" } });
    expect(verdict.explanation).not.toContain("dedicated hardware");
  });

  it("the same on a host dedicated to the platform, against a pod in its node on a hidden host", async () => {
    const verdict = await isolation("wc", "d");
    expect(verdict).toMatchObject({ outcome: "UNPROVEN", required: "HOST", actual: "VIRTUAL_MACHINE", possible: "RACK" });
    expect(verdict.evidence[0]).toMatchObject({ unit: { key: "pc" }, otherUnit: { key: "pd" } });
    expect(verdict.explanation).not.toContain("dedicated hardware");
  });

  it("the dedicated node still keeps another tenant's own VM off the machine: ISOLATED", async () => {
    const verdict = await isolation("wa", "e");
    expect(verdict).toMatchObject({ outcome: "ISOLATED", required: "HOST", actual: "HOST", possible: "RACK" });
    expect(verdict.explanation).toContain("but dedicated hardware rules out a shared host");
  });

  it("the fleet report agrees: its UNPROVEN rows are exactly those two pairs", async () => {
    const { body } = await gqlAs(service.url, tokens.compliance, `{ isolationReport(first: 100) { nodes { workload { key } tenant { key } outcome actual possible } } }`);
    expect(body.errors).toBeUndefined();
    // (Against the platform itself, every pod is NOT_ISOLATED: it runs inside the platform's VM.)
    const rows = body.data.isolationReport.nodes.filter((n: { outcome: string }) => n.outcome === "UNPROVEN");
    expect(rows).toEqual([
      { workload: { key: "wa" }, tenant: { key: "b" }, outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE", possible: "RACK" },
      { workload: { key: "wc" }, tenant: { key: "d" }, outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE", possible: "RACK" },
    ]);
  });
});
