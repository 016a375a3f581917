import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSyncedService, type SyncedService } from "../support/synced-service.ts";
import { gqlAs } from "../support/token-client.ts";

/*
 * Rule 3 with a datacenter that lists no hazard zones, over HTTP with role tokens: its zones
 * are unknown, so nothing proves it HAZARD_ZONE apart from a datacenter its region does not
 * tell it apart from (docs/separation.md). dc-p (region r1, no zones), dc-q (nothing known)
 * and dc-t (r1, flood:x); dc-far (r2, no zones) and dc-far-z (r2, flood:y).
 */
const ADMIN = "admin-token-for-unlisted-zones";
const snapshot = {
  source: "dcim",
  complete: true,
  datacenters: [{ id: "dc-p", region: "r1" }, { id: "dc-q" }, { id: "dc-t", region: "r1", hazardZones: ["flood:x"] }, { id: "dc-far", region: "r2" }, { id: "dc-far-z", region: "r2", hazardZones: ["flood:y"] }],
  tenants: [
    { id: "tp", organization: "op" },
    { id: "tq", organization: "oq" },
    { id: "tt", organization: "ot" },
    { id: "tf", organization: "of" },
    { id: "tz", organization: "oz" },
  ],
  workloads: [
    { id: "wp", tenant: "tp", minimumIsolation: "HAZARD_ZONE" },
    { id: "wz", tenant: "tz", minimumIsolation: "HAZARD_ZONE" },
  ],
  virtualMachines: [
    { id: "vm-p", datacenter: "dc-p", tenant: "tp", workload: "wp" },
    { id: "vm-q", datacenter: "dc-q", tenant: "tq" },
    { id: "vm-t", datacenter: "dc-t", tenant: "tt" },
    { id: "vm-far", datacenter: "dc-far", tenant: "tf" },
    { id: "vm-z", datacenter: "dc-far-z", tenant: "tz", workload: "wz" },
  ],
};

let synced: SyncedService;
let service: SyncedService["service"];
let tokens: SyncedService["tokens"];
beforeAll(async () => {
  synced = await startSyncedService(ADMIN, snapshot, { tenant: "tp" });
  ({ service, tokens } = synced);
}, 60_000);
afterAll(() => synced?.close());

const VERDICT = `outcome required actual possible explanation evidence(limit: 1) { actual possible shared { kind key description node { __typename ... on Datacenter { key } } } }`;
const isolation = async (role: string, workload: string, tenant: string) => {
  const { body } = await gqlAs(service.url, tokens[role], `{ isolation(workload: "${workload}", tenant: "${tenant}") { ${VERDICT} } }`);
  expect(body.errors).toBeUndefined();
  return body.data.isolation;
};

describe("a datacenter that lists no hazard zones, at a HAZARD_ZONE requirement", () => {
  it("is not proven apart from a datacenter with no region: UNPROVEN, not ISOLATED", async () => {
    const verdict = await isolation("compliance", "wp", "tq");
    expect(verdict).toMatchObject({ outcome: "UNPROVEN", required: "HAZARD_ZONE", actual: "DATACENTER", possible: "HAZARD_ZONE" });
    expect(verdict.evidence[0].shared).toMatchObject({ kind: "POSSIBLE_HAZARD_ZONE", node: { __typename: "Datacenter" } });
  });

  it("is not proven apart from a datacenter of its region that lists zones, and says why", async () => {
    const verdict = await isolation("compliance", "wp", "tt");
    expect(verdict).toMatchObject({ outcome: "UNPROVEN", actual: "DATACENTER", possible: "HAZARD_ZONE" });
    expect(verdict.evidence[0].shared).toEqual({
      kind: "POSSIBLE_HAZARD_ZONE",
      key: "dc-p",
      description: "a hazard zone that datacenter dc-p (which lists none) may share with dc-t",
      node: { __typename: "Datacenter", key: "dc-p" },
    });
    expect(verdict.explanation).toContain("dc-p lists no hazard zones, so it may share one with dc-t");
  });

  it("is proven apart from a datacenter of another known region, zones listed or not", async () => {
    expect(await isolation("compliance", "wp", "tf")).toMatchObject({ outcome: "ISOLATED", actual: "HAZARD_ZONE", possible: "HAZARD_ZONE" });
    expect(await isolation("compliance", "wz", "tp")).toMatchObject({ outcome: "ISOLATED", actual: "HAZARD_ZONE", possible: "HAZARD_ZONE" });
    // wz's dc-far-z lists flood:y in r2; dc-far lists none in r2: they may share it.
    expect(await isolation("compliance", "wz", "tf")).toMatchObject({ outcome: "UNPROVEN", actual: "DATACENTER", possible: "HAZARD_ZONE" });
  });

  it("a tenant sees the kind only", async () => {
    const verdict = await isolation("tenant", "wp", "tt");
    expect(verdict).toMatchObject({ outcome: "UNPROVEN", actual: "DATACENTER" });
    expect(verdict.evidence[0].shared).toMatchObject({ kind: "POSSIBLE_HAZARD_ZONE", key: null, description: "possibly a hazard zone", node: null });
  });

  it("the fleet report lists the same pairs", async () => {
    const { body } = await gqlAs(service.url, tokens.compliance, `{ isolationReport(first: 50) { nodes { workload { key } tenant { key } outcome actual possible } } }`);
    expect(body.errors).toBeUndefined();
    const rows = body.data.isolationReport.nodes.map((n: any) => [n.workload.key, n.tenant.key, n.outcome, n.actual, n.possible]);
    expect(rows).toEqual([
      ["wp", "tq", "UNPROVEN", "DATACENTER", "HAZARD_ZONE"],
      ["wp", "tt", "UNPROVEN", "DATACENTER", "HAZARD_ZONE"],
      ["wz", "tf", "UNPROVEN", "DATACENTER", "HAZARD_ZONE"],
      ["wz", "tq", "UNPROVEN", "DATACENTER", "HAZARD_ZONE"],
    ]);
  });
});
