import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapKubernetes } from "../../src/connectors/kubernetes/map-kubernetes.ts";
import type { RunningService } from "../../src/service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * kube-scheduler's extender verbs and the API server's admission review, over HTTP with a
 * SCHEDULER token, with the JSON they send (fixtures built from the Kubernetes API types:
 * a pod owned by a Deployment's ReplicaSet, with a runtime class; whole Nodes with their
 * providerIDs, or only their names). The fleet is synced for real: a DCIM snapshot (hosts in
 * racks, the OpenStack servers the nodes are, globex's database that needs HOST separation, a
 * globex agent in a Kata sandbox on srv-4) and the cluster through the Kubernetes connector.
 *
 *   srv-1 on h-a1 beside globex's glx-db     → refused: ledger-db needs HOST from acme
 *   srv-2 on h-a2, holds a checkout-api pod  → refused: the HOST rule (1 per host)
 *   srv-3 on h-b1                            → proven
 *   srv-4 on h-b2, globex's Kata agent in it → refused for a gVisor pod, proven for a Kata one
 *   srv-9, not synced                        → possible: its host is not known
 */
const FIXTURES = path.join(import.meta.dirname, "fixtures");
const fixture = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8"));
const ADMIN = "admin-token-for-the-scheduler-tests";

let t: TestDatabase;
let service: RunningService;
let base: string;
let schedulerToken: string;
let tenantToken: string;

beforeAll(async () => {
  t = await createTestDatabase();
  service = await startTestService(t.url, { adminToken: ADMIN });
  base = service.url.replace(/\/graphql$/, "");
  const sync = async (snapshot: unknown) => {
    const { body } = await gqlAs(service.url, ADMIN, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { message } } }`, { s: snapshot });
    expect(body.data.syncInventory.userErrors).toEqual([]);
  };
  await sync(fixture("dcim.json"));
  await sync(mapKubernetes([fixture("cluster.json")], { source: "k8s-prod", settings: {} }).snapshot);
  const rules = await gqlAs(service.url, ADMIN, `mutation { setAntiAffinityRules(workload: "payments/checkout-api", rules: [{ level: HOST }]) { userErrors { message } } }`);
  expect(rules.body.data.setAntiAffinityRules.userErrors).toEqual([]);
  schedulerToken = await createToken(service.url, ADMIN, { name: "kube-scheduler", role: "SCHEDULER" });
  tenantToken = await createToken(service.url, ADMIN, { name: "acme-team", role: "TENANT", tenant: "acme" });
});
afterAll(async () => {
  await service.close();
  await t.drop();
});

async function post(route: string, body: unknown, token: string | null = schedulerToken) {
  const response = await fetch(`${base}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

const ISOLATION_REFUSAL = "NOT ISOLATED: a workload of another tenant needs HOST separation from tenant acme, but the new container replica and a unit of another tenant share a host (only a VIRTUAL_MACHINE boundary between them).";
const SPREAD_REFUSAL = "HARD anti-affinity: 2 replicas of payments/checkout-api share host h-a2; at most 1 allowed";
const SANDBOX_REFUSAL = "NOT ISOLATED: payments/checkout-api (acme) needs VIRTUAL_MACHINE separation from another tenant, but the new container replica and a unit of another tenant share a VM (only a SANDBOX boundary between them).";

describe("the scheduler extender", () => {
  it("filter with whole Nodes (nodeCacheCapable: false) keeps the nodes that keep every requirement, in the NodeList it was sent", async () => {
    const args = fixture("extender-args-nodes.json");
    const { status, body } = await post("/scheduler/k8s-prod/filter", args);
    expect(status).toBe(200);
    expect(body.Nodes.items.map((n: any) => n.metadata.name)).toEqual(["srv-3", "srv-9"]);
    // The nodes go back as they came: the scheduler reads them as v1.Node.
    expect(body.Nodes.items[0]).toEqual(args.Nodes.items[2]);
    expect(body.NodeNames).toBeNull();
    expect(body.FailedNodes).toEqual({});
    expect(body.FailedAndUnresolvableNodes).toEqual({
      "srv-1": ISOLATION_REFUSAL,
      "srv-2": SPREAD_REFUSAL,
      "srv-4": SANDBOX_REFUSAL,
    });
    expect(body.Error).toBe("");
  });

  it("filter with names only (nodeCacheCapable: true) answers NodeNames, finding each node by the key its sync gave it", async () => {
    const { status, body } = await post("/scheduler/k8s-prod/filter", fixture("extender-args-node-names.json"));
    expect(status).toBe(200);
    expect(body).toEqual({
      Nodes: null,
      NodeNames: ["srv-3", "srv-9"],
      FailedNodes: {},
      FailedAndUnresolvableNodes: { "srv-1": ISOLATION_REFUSAL, "srv-2": SPREAD_REFUSAL, "srv-4": SANDBOX_REFUSAL },
      Error: "",
    });
  });

  it("prioritize scores the proven node above the possible one, and refused nodes 0 (HostPriorityList)", async () => {
    for (const file of ["extender-args-nodes.json", "extender-args-node-names.json"]) {
      const { status, body } = await post("/scheduler/k8s-prod/prioritize", fixture(file));
      expect(status).toBe(200);
      expect(body).toEqual([
        { Host: "srv-1", Score: 0 },
        { Host: "srv-2", Score: 0 },
        { Host: "srv-3", Score: 10 },
        { Host: "srv-4", Score: 0 },
        { Host: "srv-9", Score: 5 },
      ]);
    }
  });

  it("reads the runtime class as the Kubernetes connector does: a Kata pod may share srv-4 with globex's Kata agent", async () => {
    const args = fixture("extender-args-node-names.json");
    args.Pod.spec.runtimeClassName = "kata-qemu";
    const { body } = await post("/scheduler/k8s-prod/filter", args);
    expect(body.NodeNames).toEqual(["srv-3", "srv-4", "srv-9"]);
  });

  it("finds a new Deployment's tenant from its namespace's synced pods (the scheduler does not send the namespace)", async () => {
    const args = fixture("extender-args-node-names.json");
    args.Pod.metadata.labels = { "app.kubernetes.io/name": "fraud-check", "pod-template-hash": "6c8d9f7b5a" };
    args.Pod.metadata.ownerReferences[0].name = "fraud-check-6c8d9f7b5a";
    const { body } = await post("/scheduler/k8s-prod/filter", args);
    // Not payments/checkout-api: no HOST rule, so srv-2 passes; still acme's, so ledger-db refuses srv-1.
    expect(body.NodeNames).toEqual(["srv-2", "srv-3", "srv-9"]);
    expect(body.FailedAndUnresolvableNodes["srv-1"]).toBe(ISOLATION_REFUSAL);
  });

  it("judges a pod by its namespace's synced tenant, not by a tenant label that disagrees with it", async () => {
    const args = fixture("extender-args-node-names.json");
    // As globex it could sit beside globex's database on srv-1; it is acme's namespace, so it may not.
    args.Pod.metadata.labels = { "app.kubernetes.io/name": "fraud-check", "pod-template-hash": "6c8d9f7b5a", "tenancy.io/tenant": "globex" };
    args.Pod.metadata.ownerReferences[0].name = "fraud-check-6c8d9f7b5a";
    const { body } = await post("/scheduler/k8s-prod/filter", args);
    expect(body.NodeNames).toEqual(["srv-2", "srv-3", "srv-9"]);
    expect(body.FailedAndUnresolvableNodes["srv-1"]).toBe(ISOLATION_REFUSAL);
  });

  it("does not trust a tenant label in a namespace with nothing synced: the tenant is unknown, judged as another organization's, proven nowhere", async () => {
    const args = fixture("extender-args-node-names.json");
    args.Pod.metadata.namespace = "brand-new";
    args.Pod.metadata.labels = { "app.kubernetes.io/name": "fraud-check", "pod-template-hash": "6c8d9f7b5a", "tenancy.io/tenant": "globex" };
    args.Pod.metadata.ownerReferences[0].name = "fraud-check-6c8d9f7b5a";
    const filtered = await post("/scheduler/k8s-prod/filter", args);
    expect(filtered.body.FailedAndUnresolvableNodes["srv-1"]).toMatch(/^NOT ISOLATED: brand-new\/fraud-check \(unknown tenant of namespace brand-new\) needs /);
    const { body } = await post("/scheduler/k8s-prod/prioritize", args);
    // Judged as another organization's: acme's node VMs refuse it; the node not synced is possible at best.
    expect(body).toEqual([
      { Host: "srv-1", Score: 0 },
      { Host: "srv-2", Score: 0 },
      { Host: "srv-3", Score: 0 },
      { Host: "srv-4", Score: 0 },
      { Host: "srv-9", Score: 5 },
    ]);
  });

  it("takes the token in the path, since kube-scheduler's extender client sends no header", async () => {
    const { status, body } = await post(`/scheduler/k8s-prod/token/${schedulerToken}/filter`, fixture("extender-args-node-names.json"), null);
    expect(status).toBe(200);
    expect(body.NodeNames).toEqual(["srv-3", "srv-9"]);
  });

  it("refuses callers without a scheduler or admin token, and a scheduler token everything else", async () => {
    expect((await post("/scheduler/k8s-prod/filter", fixture("extender-args-nodes.json"), null)).status).toBe(401);
    expect((await post("/scheduler/k8s-prod/token/not-a-token/filter", fixture("extender-args-nodes.json"), null)).status).toBe(401);
    const tenant = await post("/scheduler/k8s-prod/filter", fixture("extender-args-nodes.json"), tenantToken);
    expect(tenant).toMatchObject({ status: 403, body: { errors: [{ message: "a tenant token may not read /scheduler", extensions: { code: "FORBIDDEN" } }] } });
    const query = await gqlAs(service.url, schedulerToken, `{ virtualMachines { totalCount } }`);
    expect(query.body.errors[0].extensions.code).toBe("FORBIDDEN");
    const viewer = await gqlAs(service.url, schedulerToken, `{ viewer { role } }`);
    expect(viewer.body.data.viewer.role).toBe("SCHEDULER");
  });

  it("names what is wrong with a body it cannot read", async () => {
    expect(await post("/scheduler/k8s-prod/filter", { Nodes: null, NodeNames: ["srv-1"] })).toEqual({ status: 400, body: { Error: "ExtenderArgs.Pod is missing or has no metadata" } });
    const { Pod } = fixture("extender-args-nodes.json");
    expect(await post("/scheduler/k8s-prod/prioritize", { Pod })).toEqual({ status: 400, body: { Error: "ExtenderArgs has neither Nodes nor NodeNames" } });
    expect(await post("/scheduler/k8s-prod/filter", { Pod, Nodes: { items: [{}] } })).toEqual({ status: 400, body: { Error: "ExtenderArgs.Nodes.items must be Nodes, each with metadata.name" } });
    const response = await fetch(`${base}/scheduler/k8s-prod/filter`, { method: "POST", headers: { authorization: `Bearer ${schedulerToken}` }, body: "{not json" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).Error).toMatch(/^the body is not valid JSON: /);
    expect((await post("/scheduler/k8s-prod/bind", {})).status).toBe(404);
    // Malformed percent-encoding: no token (401, before anything else), a bad source (400), never a 500.
    expect((await post("/scheduler/k8s-prod/token/%E0%A4%A/filter", fixture("extender-args-nodes.json"), null)).status).toBe(401);
    expect(await post("/scheduler/%E0%A4%A/filter", fixture("extender-args-nodes.json"))).toEqual({ status: 400, body: { Error: "the <source> segment of the path is not valid percent-encoding" } });
  });
});

describe("the validating admission webhook", () => {
  it("refuses a pod created with spec.nodeName on a node where it would break a requirement, the reason in status.message", async () => {
    const review = fixture("admission-review-pod-node-name.json");
    const { status, body } = await post("/scheduler/k8s-prod/admit", review);
    expect(status).toBe(200);
    expect(body).toEqual({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: {
        uid: review.request.uid,
        allowed: false,
        status: { code: 403, reason: "Forbidden", message: `tenancy-scale refuses pod payments/checkout-api-pinned on node srv-1: ${ISOLATION_REFUSAL}` },
      },
    });
  });

  it("allows the same pod pinned to a proven node, and a pod the scheduler will place", async () => {
    const review = fixture("admission-review-pod-node-name.json");
    review.request.object.spec.nodeName = "srv-3";
    expect((await post("/scheduler/k8s-prod/admit", review)).body.response).toEqual({ uid: review.request.uid, allowed: true });
    const unpinned = fixture("admission-review-pod.json");
    expect((await post("/scheduler/k8s-prod/admit", unpinned)).body.response).toEqual({ uid: unpinned.request.uid, allowed: true });
  });

  it("refuses a KubeVirt VMI pinned beside globex's database, allows it on srv-4 (a VM wall beside a Kata sandbox)", async () => {
    const review = fixture("admission-review-vmi.json");
    const refused = await post("/scheduler/k8s-prod/admit", review);
    expect(refused.body.response).toMatchObject({ allowed: false, status: { code: 403 } });
    expect(refused.body.response.status.message).toBe(`tenancy-scale refuses VirtualMachineInstance payments/ledger-replica on node srv-1: ${ISOLATION_REFUSAL}`);
    review.request.object.spec.nodeSelector["kubernetes.io/hostname"] = "srv-4";
    expect((await post("/scheduler/k8s-prod/admit", review)).body.response).toEqual({ uid: review.request.uid, allowed: true });
  });

  it("answers only admission.k8s.io/v1, and names what is missing", async () => {
    const review = fixture("admission-review-pod.json");
    expect(await post("/scheduler/k8s-prod/admit", { ...review, apiVersion: "admission.k8s.io/v1beta1" })).toEqual({
      status: 400,
      body: { Error: 'AdmissionReview apiVersion "admission.k8s.io/v1beta1": only admission.k8s.io/v1 is answered' },
    });
    expect(await post("/scheduler/k8s-prod/admit", { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" })).toEqual({
      status: 400,
      body: { Error: "the body is not an AdmissionReview with request.uid" },
    });
  });
});
