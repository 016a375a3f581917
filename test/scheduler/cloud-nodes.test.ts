import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapKubernetes } from "../../src/connectors/kubernetes/map-kubernetes.ts";
import type { RunningService } from "../../src/service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * A cluster on cloud VMs (EKS): each Node's providerID names its EC2 instance, so the
 * Kubernetes connector syncs a pod on it into the instance's VM (i-0c0ffee…), and the node's
 * name (ip-10-0-1-17.eu-west-1.compute.internal) is no key of the inventory. An AdmissionReview
 * names the node only (spec.nodeName), and so does kube-scheduler with nodeCacheCapable: true;
 * the source's sync records each node's name and unit (kubernetesNodes), which is how both find
 * the VM. Here globex's report-worker runs on node 1: acme's checkout-api pinned there would
 * share a VM with another organization's pod.
 */
const FIXTURES = path.join(import.meta.dirname, "fixtures");
const fixture = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8"));
const ADMIN = "admin-token-for-the-cloud-node-tests";
const NODE_1 = "ip-10-0-1-17.eu-west-1.compute.internal";
const NODE_2 = "ip-10-0-2-5.eu-west-1.compute.internal";

let t: TestDatabase;
let service: RunningService;
let base: string;
let schedulerToken: string;

const sync = async (snapshot: unknown) => {
  const { body } = await gqlAs(service.url, ADMIN, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { message } } }`, { s: snapshot });
  expect(body.data.syncInventory.userErrors).toEqual([]);
  return body.data.syncInventory.status as string;
};
const cluster = () => mapKubernetes([fixture("cloud-cluster.json")], { source: "k8s-eks", settings: {} }).snapshot;

beforeAll(async () => {
  t = await createTestDatabase();
  service = await startTestService(t.url, { adminToken: ADMIN });
  base = service.url.replace(/\/graphql$/, "");
  await sync(fixture("cloud-ec2.json"));
  await sync(cluster());
  schedulerToken = await createToken(service.url, ADMIN, { name: "kube-scheduler", role: "SCHEDULER" });
});
afterAll(async () => {
  await service.close();
  await t.drop();
});

async function post(route: string, body: unknown) {
  const response = await fetch(`${base}${route}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${schedulerToken}` }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

const SHARED_VM = "NOT ISOLATED: payments/checkout-api (acme) needs VIRTUAL_MACHINE separation from another tenant, but the new container replica and a unit of another tenant share a VM (only a CONTAINER boundary between them).";

describe("Kubernetes nodes on cloud VMs, known by name", () => {
  it("the connector's snapshot names every node and the VM its providerID names", () => {
    expect(cluster().kubernetesNodes).toEqual([
      { name: NODE_1, virtualMachine: "i-0c0ffee1234567890", host: null },
      { name: NODE_2, virtualMachine: "i-0feed98765432100a", host: null },
    ]);
  });

  it("the admission webhook refuses a pod pinned by spec.nodeName to a cloud node, with the reason", async () => {
    const review = fixture("admission-review-pod-cloud-node.json");
    const { status, body } = await post("/scheduler/k8s-eks/admit", review);
    expect(status).toBe(200);
    expect(body).toEqual({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: {
        uid: review.request.uid,
        allowed: false,
        status: { code: 403, reason: "Forbidden", message: `tenancy-scale refuses pod payments/checkout-api-debug on node ${NODE_1}: ${SHARED_VM}` },
      },
    });
    // The other node's VM holds no other tenant's pod: admitted.
    review.request.object.spec.nodeName = NODE_2;
    expect((await post("/scheduler/k8s-eks/admit", review)).body.response).toEqual({ uid: review.request.uid, allowed: true });
  });

  it("the extender finds cloud nodes sent by name only (nodeCacheCapable: true)", async () => {
    const pod = fixture("admission-review-pod-cloud-node.json").request.object;
    delete pod.spec.nodeName;
    const { status, body } = await post("/scheduler/k8s-eks/filter", { Pod: pod, Nodes: null, NodeNames: [NODE_1, NODE_2] });
    expect(status).toBe(200);
    expect(body.NodeNames).toEqual([NODE_2]);
    expect(body.FailedAndUnresolvableNodes).toEqual({ [NODE_1]: SHARED_VM });
  });

  it("a node is known by the source that synced it, and as that source last synced it", async () => {
    const review = fixture("admission-review-pod-cloud-node.json");
    // Another cluster's source never synced this name: not known, so the pod is admitted (POSSIBLE at best).
    expect((await post("/scheduler/k8s-other/admit", review)).body.response.allowed).toBe(true);
    // The cluster synced again without node 1 (drained and deleted): its name no longer leads to the VM.
    const without = cluster();
    without.kubernetesNodes = without.kubernetesNodes!.filter((n) => n.name !== NODE_1);
    expect(await sync(without)).toBe("APPLIED");
    expect((await post("/scheduler/k8s-eks/admit", review)).body.response.allowed).toBe(true);
    expect(await sync(cluster())).toBe("APPLIED");
    expect((await post("/scheduler/k8s-eks/admit", review)).body.response.allowed).toBe(false);
  });

  it("placementAdvice and tenancy place's --node find cloud nodes through kubernetesSource; a tenant learns nothing of others' nodes", async () => {
    const ADVICE = `workloadKey candidates(first: 10) { nodes { kind key outcome reasons } }`;
    const ask = (token: string, candidates: string) => gqlAs(service.url, token, `{ placementAdvice(workload: "payments/checkout-api-5f7c9d8b6c", candidates: ${candidates}) { ${ADVICE} } }`);
    const named = `{ kubernetesNodes: ["${NODE_1}", "${NODE_2}"], kubernetesSource: "k8s-eks" }`;
    const { body } = await ask(ADMIN, named);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const byKey = Object.fromEntries(body.data.placementAdvice.candidates.nodes.map((n: any) => [n.key, n]));
    expect(byKey["i-0c0ffee1234567890"]).toMatchObject({ kind: "VIRTUAL_MACHINE", outcome: "REFUSED" });
    expect(byKey["i-0c0ffee1234567890"].reasons[0]).toBe(
      "NOT ISOLATED: payments/checkout-api-5f7c9d8b6c (acme) needs VIRTUAL_MACHINE separation from tenant globex, but the new container replica and globex's container analytics/report-worker-6d9f8b7c5d-q2w3e share VM i-0c0ffee1234567890 (only a CONTAINER boundary between them).",
    );
    expect(byKey["i-0feed98765432100a"]).toMatchObject({ outcome: "PROVEN", reasons: [] });
    // Without the source the names are no keys of the inventory: refused as unknown, naming the node.
    const unnamed = await ask(ADMIN, `{ kubernetesNodes: ["${NODE_1}"] }`);
    expect(unnamed.body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(unnamed.body.errors[0].message).toContain(`no Kubernetes node "${NODE_1}" has been synced`);
    // Another cluster's source never listed it: the same.
    expect((await ask(ADMIN, `{ kubernetesNodes: ["${NODE_1}"], kubernetesSource: "k8s-other" }`)).body.errors[0].message).toContain(`no Kubernetes node "${NODE_1}"`);
    // globex's token, for a workload of its own, naming acme's node: word for word what a name nobody synced gets.
    const globex = await createToken(service.url, ADMIN, { name: "globex-team", role: "TENANT", tenant: "globex" });
    const probe = (name: string) => gqlAs(service.url, globex, `{ placementAdvice(describe: { tenant: "globex" }, candidates: { kubernetesNodes: ["${name}"], kubernetesSource: "k8s-eks" }) { workloadKey } }`);
    const hidden = (await probe(NODE_2)).body.errors[0];
    const nobody = (await probe("never-synced-node")).body.errors[0];
    expect(hidden.extensions.code).toBe("BAD_USER_INPUT");
    expect(hidden.message).toBe(nobody.message.replaceAll("never-synced-node", NODE_2));
  });
});
