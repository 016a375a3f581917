import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolationAs, startSyncedService, type SyncedService } from "../support/synced-service.ts";
import { gqlAs } from "../support/token-client.ts";

/*
 * A container with its node's files over HTTP with role tokens (docs/separation.md, "A
 * container with its node's files"). Tenants a and b are of one organization, so the default
 * policy asks CONTAINER between them. On bare-metal node n1: a's Kata pod pk, privileged and
 * with a hostPath volume, and b's Kata pod pc. On n2: a's privileged Kata pod pq without one,
 * and b's Kata pod pd.
 */
const ADMIN = "admin-token-for-node-files";
const snapshot = {
  source: "cluster",
  complete: true,
  datacenters: [{ id: "dc1", region: "r1" }],
  racks: [{ id: "r1", datacenter: "dc1" }],
  hosts: [
    { id: "n1", rack: "r1" },
    { id: "n2", rack: "r1" },
  ],
  tenants: [
    { id: "a", organization: "uni" },
    { id: "b", organization: "uni" },
  ],
  workloads: [
    { id: "wk", tenant: "a" },
    { id: "wq", tenant: "a" },
    { id: "wb", tenant: "b" },
  ],
  containers: [
    { id: "pk", host: "n1", runtime: "kata", privileged: true, nodeFiles: true, tenant: "a", workload: "wk" },
    { id: "pc", host: "n1", runtime: "kata", tenant: "b", workload: "wb" },
    { id: "pq", host: "n2", runtime: "kata", privileged: true, tenant: "a", workload: "wq" },
    { id: "pd", host: "n2", runtime: "kata", tenant: "b" },
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

describe("a container with its node's files", () => {
  it("has no wall of its own under Kata beside another tenant's Kata pod on one node: NOT_ISOLATED at PROCESS, and the explanation says why", async () => {
    const verdict = await isolation(tokens.compliance, "wk", "b");
    expect(verdict).toMatchObject({ outcome: "NOT_ISOLATED", required: "CONTAINER", actual: "PROCESS", possible: "PROCESS" });
    expect(verdict.explanation).toContain(
      "container pk and b's container pc share host n1 (only a PROCESS boundary between them). Container pk mounts its node's files (a hostPath volume): it reads and writes them past its own wall, whatever its runtime.",
    );
  });

  it("is as close from the other tenant's side, seen with that tenant's own token (which is not told what the unit is)", async () => {
    const verdict = await isolation(tokens.tenantB, "wb", "a");
    expect(verdict).toMatchObject({ outcome: "NOT_ISOLATED", required: "CONTAINER", actual: "PROCESS" });
    expect(verdict.explanation).not.toMatch(/container pk|node's files/);
  });

  it("is what takes the wall: a privileged Kata pod without them keeps its micro-VM's, ISOLATED at VIRTUAL_MACHINE", async () => {
    expect(await isolation(tokens.compliance, "wq", "b")).toMatchObject({ outcome: "ISOLATED", required: "CONTAINER", actual: "VIRTUAL_MACHINE" });
  });

  it("is shown as Container.nodeFiles, and the fleet report holds the PROCESS pair", async () => {
    const { body } = await gqlAs(
      service.url,
      tokens.compliance,
      `{ pk: container(key: "pk") { runtime privileged nodeFiles } pq: container(key: "pq") { privileged nodeFiles } isolationReport(first: 100) { nodes { workload { key } tenant { key } outcome actual } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.pk).toEqual({ runtime: "kata", privileged: true, nodeFiles: true });
    expect(body.data.pq).toEqual({ privileged: true, nodeFiles: false });
    expect(body.data.isolationReport.nodes).toContainEqual({ workload: { key: "wk" }, tenant: { key: "b" }, outcome: "NOT_ISOLATED", actual: "PROCESS" });
    // The privileged Kata pod without them is no row of concern.
    expect(body.data.isolationReport.nodes.filter((n: { workload: { key: string } }) => n.workload.key === "wq")).toEqual([]);
  });

  it("refuses a Kata replica with them beside another tenant's pod in placement advice, and proves one without", async () => {
    const advice = async (nodeFiles: boolean) => {
      const query = `{ placementAdvice(workload: "wq", candidates: { hosts: ["n2"] }, replica: { kind: CONTAINER, runtime: "kata", nodeFiles: ${nodeFiles} }) { candidates { nodes { key outcome reasons } } } }`;
      const { body } = await gqlAs(service.url, tokens.compliance, query);
      expect(body.errors).toBeUndefined();
      return body.data.placementAdvice.candidates.nodes[0];
    };
    const refused = await advice(true);
    expect(refused).toMatchObject({ key: "n2", outcome: "REFUSED" });
    expect(refused.reasons.join(" ")).toContain("(only a PROCESS boundary between them). The new container replica mounts its node's files (a hostPath volume)");
    expect(await advice(false)).toMatchObject({ key: "n2", outcome: "PROVEN" });
  });

  it("refuses a snapshot whose nodeFiles is not true or false, naming where", async () => {
    const bad = { ...snapshot, containers: [{ ...snapshot.containers[0], nodeFiles: "yes" }, ...snapshot.containers.slice(1)] };
    const { body } = await gqlAs(service.url, tokens.sync, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { path message } } }`, { s: bad });
    expect(body.data.syncInventory).toEqual({ status: "REFUSED", userErrors: [{ path: ["containers", "0", "nodeFiles"], message: "must be true or false" }] });
  });

  it("keeps what it was in history: after a resync drops the flag, the past container still mounts them and the past verdict is PROCESS", async () => {
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const plain = { ...snapshot, containers: snapshot.containers.map((c) => ({ ...c, nodeFiles: false })) };
    const { body: sync } = await gqlAs(service.url, tokens.sync, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: plain });
    expect(sync.data.syncInventory.status).toBe("APPLIED");
    const { body } = await gqlAs(service.url, tokens.compliance, `{ now: container(key: "pk") { nodeFiles } then: container(key: "pk", asOf: "${before}") { nodeFiles } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ now: { nodeFiles: false }, then: { nodeFiles: true } });
    expect(await isolation(tokens.compliance, "wk", "b")).toMatchObject({ outcome: "ISOLATED", actual: "VIRTUAL_MACHINE" });
    expect(await isolation(tokens.compliance, "wk", "b", before)).toMatchObject({ outcome: "NOT_ISOLATED", actual: "PROCESS" });
  });
});
