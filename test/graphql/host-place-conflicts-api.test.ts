import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../src/service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * A host of the CMDB that names datacenter fra1 on the DCIM's rack r-7, which is in ams1, over
 * HTTP: each source syncs with its own sync token, and a compliance token reads back. The sync
 * is applied with a warning; the verdict, the report and the inventory read the host as in
 * neither datacenter, so nothing proves it apart from the rival's cloud VM in fra1 (it was read
 * as in ams1, HAZARD_ZONE apart). Naming the rack alone settles it.
 */
const ADMIN = "admin-token-for-host-place-conflicts";
const dcim = {
  source: "dcim",
  complete: true,
  datacenters: [
    { id: "ams1", region: "eu-west", hazardZones: ["seismic:nl"] },
    { id: "fra1", region: "eu-central", hazardZones: ["flood:rhine"] },
  ],
  powerDomains: [{ id: "pdu-7", datacenter: "ams1" }],
  networkDomains: [{ id: "tor-7", datacenter: "ams1" }],
  racks: [{ id: "r-7", datacenter: "ams1", powerDomains: ["pdu-7"], networkDomains: ["tor-7"] }],
};
const cmdb = (host: Record<string, unknown>) => ({
  source: "cmdb",
  complete: true,
  hosts: [{ id: "h-7", rack: "r-7", ...host }],
  tenants: [{ id: "shop", organization: "shop" }],
  workloads: [{ id: "checkout", tenant: "shop", minimumIsolation: "DATACENTER" }],
  virtualMachines: [{ id: "v-checkout", host: "h-7", tenant: "shop", workload: "checkout" }],
});
const cloud = { source: "aws-rival", complete: true, tenants: [{ id: "rival", organization: "rival" }], virtualMachines: [{ id: "i-0fra1", datacenter: "fra1", tenant: "rival" }] };

let t: TestDatabase;
let service: RunningService;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  t = await createTestDatabase();
  service = await startTestService(t.url, { adminToken: ADMIN });
  for (const source of ["dcim", "cmdb", "aws-rival"]) tokens[source] = await createToken(service.url, ADMIN, { name: source, role: "SYNC", sources: [source] });
  tokens.compliance = await createToken(service.url, ADMIN, { name: "audit", role: "COMPLIANCE" });
  expect(await sync(dcim)).toEqual({ status: "APPLIED", userErrors: [], warnings: [] });
  expect(await sync(cloud)).toEqual({ status: "APPLIED", userErrors: [], warnings: [] });
}, 60_000);
afterAll(async () => {
  await service?.close();
  await t?.drop();
});

async function sync(snapshot: { source: string }) {
  const { body } = await gqlAs(service.url, tokens[snapshot.source], `mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { path message } warnings { path message } } }`, { s: snapshot });
  expect(body.errors).toBeUndefined();
  return body.data.syncInventory;
}

async function read(query: string) {
  const { body } = await gqlAs(service.url, tokens.compliance, query);
  expect(body.errors).toBeUndefined();
  return body.data;
}

const VERDICT = `{ isolation(workload: "checkout", tenant: "rival") { outcome actual possible explanation } }`;
const REPORT = `{ isolationReport(first: 10) { nodes { workload { key } tenant { key } outcome actual possible } } }`;
const HOST = `{ host(key: "h-7") { datacenterKey datacenter { key } rack { key datacenter { key } } } datacenter(key: "ams1") { hosts(first: 10) { nodes { key } } } }`;

describe("a host naming another datacenter than its rack's, the rack from another source, over HTTP", () => {
  it("is synced with a warning, and nothing proves it apart from a VM in either datacenter (verdict, report and inventory agree) until it names its rack alone", async () => {
    expect(await sync(cmdb({ datacenter: "fra1" }))).toEqual({
      status: "APPLIED",
      userErrors: [],
      warnings: [
        {
          path: ["hosts", "0", "datacenter"],
          message: `host "h-7" names datacenter "fra1", but its rack "r-7" is in datacenter "ams1" (source "dcim"); kept, but read as in neither datacenter until they agree: a host that names its rack alone never disagrees`,
        },
      ],
    });
    const { isolation } = await read(VERDICT);
    expect(isolation).toMatchObject({ outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE", possible: "PLANET" });
    expect(isolation.explanation).toContain("Host h-7 names datacenter fra1, but its rack r-7 is in datacenter ams1: which one it is in is not known.");
    const report = await read(REPORT);
    expect(report.isolationReport.nodes).toEqual([{ workload: { key: "checkout" }, tenant: { key: "rival" }, outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE", possible: "PLANET" }]);
    expect(await read(HOST)).toEqual({ host: { datacenterKey: "fra1", datacenter: null, rack: { key: "r-7", datacenter: { key: "ams1" } } }, datacenter: { hosts: { nodes: [] } } });

    // Naming the rack alone settles it: the host is in ams1, proven apart from fra1.
    expect(await sync(cmdb({}))).toEqual({ status: "APPLIED", userErrors: [], warnings: [] });
    const settled = (await read(VERDICT)).isolation;
    expect(settled).toMatchObject({ outcome: "ISOLATED", actual: "HAZARD_ZONE", possible: "HAZARD_ZONE" });
    expect(settled.explanation).not.toContain("names datacenter");
    expect((await read(REPORT)).isolationReport.nodes).toEqual([]);
    expect(await read(HOST)).toEqual({ host: { datacenterKey: null, datacenter: { key: "ams1" }, rack: { key: "r-7", datacenter: { key: "ams1" } } }, datacenter: { hosts: { nodes: [{ key: "h-7" }] } } });
  });
});
