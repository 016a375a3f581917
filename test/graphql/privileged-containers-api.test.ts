import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolationAs, startSyncedService, type SyncedService } from "../support/synced-service.ts";
import { gqlAs } from "../support/token-client.ts";

/*
 * A privileged container over HTTP with role tokens (docs/separation.md, "A privileged
 * container"). Tenants a and b are of one organization, so the default policy asks CONTAINER
 * between them. On the platform's node VM n1: a's privileged runc pod pa and b's pod pb. On n2:
 * a's privileged Kata pod pk and b's Kata pod pc. Both nodes on host h1.
 */
const ADMIN = "admin-token-for-privileged-containers";
const snapshot = {
  source: "cluster",
  complete: true,
  datacenters: [{ id: "dc1", region: "r1" }],
  racks: [{ id: "r1", datacenter: "dc1" }],
  hosts: [{ id: "h1", rack: "r1" }],
  tenants: [
    { id: "platform", organization: "uni" },
    { id: "a", organization: "uni" },
    { id: "b", organization: "uni" },
  ],
  workloads: [
    { id: "wa", tenant: "a" },
    { id: "wb", tenant: "b" },
    { id: "wk", tenant: "a" },
  ],
  virtualMachines: [
    { id: "n1", host: "h1", tenant: "platform" },
    { id: "n2", host: "h1", tenant: "platform" },
  ],
  containers: [
    { id: "pa", virtualMachine: "n1", runtime: "runc", privileged: true, tenant: "a", workload: "wa" },
    { id: "pb", virtualMachine: "n1", runtime: "runc", tenant: "b", workload: "wb" },
    { id: "pk", virtualMachine: "n2", runtime: "kata", privileged: true, tenant: "a", workload: "wk" },
    { id: "pc", virtualMachine: "n2", runtime: "kata", tenant: "b" },
  ],
};

let synced: SyncedService;
let service: SyncedService["service"];
let tokens: SyncedService["tokens"];
beforeAll(async () => {
  synced = await startSyncedService(ADMIN, snapshot, { tenantB: "b" });
  ({ service, tokens } = synced);
}, 60_000);
afterAll(() => synced?.close());

const isolation = (token: string, workload: string, tenant: string, asOf?: string) => isolationAs(service.url, token, workload, tenant, asOf);

describe("a privileged container", () => {
  it("has no wall of its own beside another tenant's pod on one node VM: NOT_ISOLATED at PROCESS, and the explanation says why", async () => {
    const verdict = await isolation(tokens.compliance, "wa", "b");
    expect(verdict).toMatchObject({ outcome: "NOT_ISOLATED", required: "CONTAINER", actual: "PROCESS", possible: "PROCESS" });
    expect(verdict.explanation).toContain("container pa and b's container pb share VM n1 (only a PROCESS boundary between them). Container pa is privileged: it shares its node's kernel with full rights.");
  });

  it("is as close to the other tenant's pod from that side, seen with the other tenant's own token (which is not told what the privileged unit is)", async () => {
    const verdict = await isolation(tokens.tenantB, "wb", "a");
    expect(verdict).toMatchObject({ outcome: "NOT_ISOLATED", required: "CONTAINER", actual: "PROCESS" });
    expect(verdict.explanation).not.toMatch(/container pa|privileged/);
  });

  it("keeps its micro-VM's wall under Kata: ISOLATED at VIRTUAL_MACHINE", async () => {
    expect(await isolation(tokens.compliance, "wk", "b")).toMatchObject({ outcome: "ISOLATED", required: "CONTAINER", actual: "VIRTUAL_MACHINE" });
  });

  it("is shown as Container.privileged, and the fleet report holds the PROCESS pair", async () => {
    const { body } = await gqlAs(
      service.url,
      tokens.compliance,
      `{ pa: container(key: "pa") { runtime privileged } pb: container(key: "pb") { privileged } isolationReport(first: 100) { nodes { workload { key } tenant { key } outcome actual } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.pa).toEqual({ runtime: "runc", privileged: true });
    expect(body.data.pb).toEqual({ privileged: false });
    expect(body.data.isolationReport.nodes).toContainEqual({ workload: { key: "wa" }, tenant: { key: "b" }, outcome: "NOT_ISOLATED", actual: "PROCESS" });
    expect(body.data.isolationReport.nodes).toContainEqual({ workload: { key: "wb" }, tenant: { key: "a" }, outcome: "NOT_ISOLATED", actual: "PROCESS" });
  });

  it("refuses a snapshot whose privileged is not true or false, naming where", async () => {
    const bad = { ...snapshot, containers: [{ ...snapshot.containers[0], privileged: "true" }, ...snapshot.containers.slice(1)] };
    const { body } = await gqlAs(service.url, tokens.sync, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { path message } } }`, { s: bad });
    expect(body.data.syncInventory).toEqual({ status: "REFUSED", userErrors: [{ path: ["containers", "0", "privileged"], message: "must be true or false" }] });
  });

  it("keeps what it was in history: after a resync drops the flag, the past container is still privileged and the past verdict PROCESS", async () => {
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const plain = { ...snapshot, containers: snapshot.containers.map((c) => ({ ...c, privileged: false })) };
    const { body: sync } = await gqlAs(service.url, tokens.sync, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: plain });
    expect(sync.data.syncInventory.status).toBe("APPLIED");
    const { body } = await gqlAs(service.url, tokens.compliance, `{ now: container(key: "pa") { privileged } then: container(key: "pa", asOf: "${before}") { privileged } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ now: { privileged: false }, then: { privileged: true } });
    expect(await isolation(tokens.compliance, "wa", "b")).toMatchObject({ outcome: "ISOLATED", actual: "CONTAINER" });
    expect(await isolation(tokens.compliance, "wa", "b", before)).toMatchObject({ outcome: "NOT_ISOLATED", actual: "PROCESS" });
  });
});
