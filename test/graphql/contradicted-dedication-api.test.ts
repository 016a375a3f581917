import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolationAs, startSyncedService, type SyncedService } from "../support/synced-service.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * A dedication the data contradicts, over HTTP with role tokens (docs/separation.md, "Dedicated
 * hardware"): host hd is dedicated to acme, and acme's va (workload wa) runs on it; globex's vh
 * (workload wh) is on a hidden host in the same datacenter. Dedication proves them HOST apart,
 * until initech's own source syncs a VM onto hd: the machine is not acme's alone, so nothing
 * rules a shared host out. The service's index is patched by that sync, its chains taken over
 * from the warmed index before it: the verdicts and the report must follow all the same.
 */
const ADMIN = "admin-token-for-contradicted-dedication";
const snapshot = {
  source: "dcim",
  complete: true,
  datacenters: [{ id: "dc1", region: "r1" }],
  racks: [{ id: "r1", datacenter: "dc1", powerDomains: ["p1"], networkDomains: ["n1"] }],
  hosts: [{ id: "hd", rack: "r1", dedicatedTo: "acme" }],
  tenants: ["acme", "globex", "initech"].map((id) => ({ id, organization: `org-${id}` })),
  workloads: [
    { id: "wa", tenant: "acme", minimumIsolation: "HOST" },
    { id: "wh", tenant: "globex", minimumIsolation: "HOST" },
  ],
  virtualMachines: [
    { id: "va", host: "hd", tenant: "acme", workload: "wa" },
    { id: "vh", datacenter: "dc1", tenant: "globex", workload: "wh" },
  ],
};

let synced: SyncedService;
let service: SyncedService["service"];
let tokens: SyncedService["tokens"];
beforeAll(async () => {
  synced = await startSyncedService(ADMIN, snapshot, { acme: "acme" });
  ({ service, tokens } = synced);
}, 60_000);
afterAll(() => synced?.close());

const isolation = (token: string, workload: string, tenant: string, asOf?: string) => isolationAs(service.url, token, workload, tenant, asOf);

const reportRows = async () => {
  const { body } = await gqlAs(service.url, tokens.compliance, `{ isolationReport(first: 100) { nodes { workload { key } tenant { key } outcome actual possible } } }`);
  expect(body.errors).toBeUndefined();
  return body.data.isolationReport.nodes.map((n: { workload: { key: string }; tenant: { key: string }; outcome: string; actual: string }) => `${n.workload.key} ${n.tenant.key} ${n.outcome} ${n.actual}`);
};

describe("a dedicated host another tenant's VM is synced onto", () => {
  it("proves HOST while the data agrees with the dedication", async () => {
    const verdict = await isolation(tokens.compliance, "wa", "globex");
    expect(verdict).toMatchObject({ outcome: "ISOLATED", actual: "HOST", possible: "RACK" });
    expect(verdict.explanation).toContain("dedicated hardware rules out a shared host");
    // The report (and so the index's warm-up, every chain made) before the sync.
    expect(await reportRows()).toEqual([]);
  });

  it("no longer proves HOST once initech's source puts its VM on the host: the verdicts of every unit on it, and the report, follow", async () => {
    const initech = await createToken(service.url, ADMIN, { name: "initech-cloud", role: "SYNC", sources: ["initech-cloud"], kinds: ["virtualMachines"], tenants: ["initech"] });
    const { body } = await gqlAs(service.url, initech, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { message } } }`, {
      s: { source: "initech-cloud", virtualMachines: [{ id: "vi", host: "hd", tenant: "initech" }] },
    });
    expect(body.data.syncInventory).toEqual({ status: "APPLIED", userErrors: [] });

    const verdict = await isolation(tokens.compliance, "wa", "globex");
    expect(verdict).toMatchObject({ outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE", possible: "RACK" });
    expect(verdict.explanation).toContain("VM va and globex's VM vh may share a host in datacenter dc1, where the hosts are not known. Host hd is dedicated to acme, but initech's VM vi runs on it: the dedication rules nothing out.");
    expect(await isolation(tokens.compliance, "wh", "acme")).toMatchObject({ outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE", possible: "RACK" });
    // (And initech's VM shares hd with va: against initech, wa is NOT_ISOLATED.)
    expect(await reportRows()).toEqual(["wa globex UNPROVEN VIRTUAL_MACHINE", "wa initech NOT_ISOLATED VIRTUAL_MACHINE", "wh acme UNPROVEN VIRTUAL_MACHINE", "wh initech UNPROVEN VIRTUAL_MACHINE"]);
    // acme's own token sees the same levels, and nothing of initech's.
    const own = await isolation(tokens.acme, "wa", "globex");
    expect(own).toMatchObject({ outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE" });
    expect(own.explanation).not.toContain("initech");
  });
});
