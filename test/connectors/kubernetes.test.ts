import { describe, expect, it } from "vitest";
import { vmKeyFromProviderId } from "../../src/connectors/vm-key-from-provider-id.ts";
import { mapKubernetes } from "../../src/connectors/kubernetes/map-kubernetes.ts";
import { validateSnapshot } from "../../src/inventory/validate-snapshot.ts";
import { fixture, ids, record } from "./fixtures.ts";
import { actual, container, topologyOf } from "./truth-support.ts";

const cluster = fixture("kubernetes", "nodes-pods-namespaces.json");
const vmis = fixture("kubernetes", "vmi.json");
const map = (settings: Record<string, string> = {}, documents: unknown[] = [cluster, vmis]) => mapKubernetes(documents, { source: "k8s-prod", settings });

describe("the Kubernetes connector", () => {
  const { snapshot, warnings } = map();

  it("puts pods on a node with a cloud providerID into that cloud VM, across sources", () => {
    expect(record(snapshot, "containers", "payments/checkout-api-7d4b9c8f6d-x2x9z")).toEqual({
      id: "payments/checkout-api-7d4b9c8f6d-x2x9z",
      virtualMachine: "i-0a1b2c3d4e5f60010",
      runtime: "runc",
      privileged: false,
      nodeFiles: false,
      tenant: "acme",
      workload: "payments/checkout-api",
    });
    expect(record(snapshot, "containers", "payments/checkout-api-7d4b9c8f6d-q8w7e").virtualMachine).toBe("i-0a1b2c3d4e5f60011");
    // The cloud VM itself belongs to the cloud's source.
    expect(ids(snapshot, "virtualMachines")).not.toContain("i-0a1b2c3d4e5f60010");
  });

  it("models a node without a cloud providerID as the platform tenant's VM in its zone, or as a host", () => {
    expect(record(snapshot, "virtualMachines", "node/metal-07")).toEqual({ id: "node/metal-07", datacenter: "ams1", tenant: "platform", workload: null, dedicated: false });
    const asHosts = map({ nodes: "hosts", "platform-tenant": "infra" }).snapshot;
    expect(record(asHosts, "hosts", "node/metal-07")).toEqual({ id: "node/metal-07", datacenter: "ams1" });
    expect(record(asHosts, "containers", "payments/fraud-model")).toMatchObject({ host: "node/metal-07" });
    expect(warnings).toContainEqual({ subject: "kind-worker", message: "providerID kind://docker/kind/kind-worker names no provider a connector maps; the node is modeled on its own" });
    expect(warnings).toContainEqual({ subject: "kind-worker", message: "no topology.kubernetes.io/zone label: its datacenter is unknown" });
  });

  it("maps runtimeClassName to a runtime: gVisor, Kata, or a configured name", () => {
    expect(record(snapshot, "containers", "analytics/spark-worker-0").runtime).toBe("gvisor");
    expect(record(snapshot, "containers", "payments/fraud-model").runtime).toBe("kata");
    expect(record(map({ "runtime-classes": "kata-qemu=firecracker" }).snapshot, "containers", "payments/fraud-model").runtime).toBe("firecracker");
  });

  it("marks a pod with its node's rights privileged: a privileged container (init and ephemeral too), hostPID, hostIPC, a hostPath volume, SYS_ADMIN", () => {
    const { snapshot: mapped } = map({}, [cluster, fixture("kubernetes", "node-rights-pods.json")]);
    const privileged = (id: string) => record(mapped, "containers", id).privileged;
    expect(privileged("kube-system/aws-node-9fj2k")).toBe(true); // a privileged init container, a hostPath volume
    expect(privileged("monitoring/node-exporter-7xq4m")).toBe(true); // hostPID, hostPath /proc and /sys
    expect(privileged("ci/buildkit-0")).toBe(true); // CAP_SYS_ADMIN
    expect(privileged("ci/ipc-bench")).toBe(true); // hostIPC
    expect(privileged("shop/cart-6b8f9d7c5-k2j4n")).toBe(true); // a privileged ephemeral (debug) container
    expect(record(mapped, "containers", "shop/sandboxed-builder")).toMatchObject({ runtime: "kata", privileged: true });
    expect(record(mapped, "containers", "ci/kata-runner")).toMatchObject({ runtime: "kata", privileged: true });
    // The node's network alone, capabilities that stay inside, emptyDir and configMap volumes: no node rights.
    expect(privileged("edge/ingress-nginx-controller-5c8d66c76d-t7l9p")).toBe(false);
    expect(privileged("shop/catalog-0")).toBe(false);
    expect(mapped.containers?.filter((c) => c.id.startsWith("payments/")).map((c) => c.privileged)).toEqual([false, false, false]);
    expect(validateSnapshot(mapped).ok).toBe(true);
  });

  it("marks a pod with a hostPath volume nodeFiles, whatever its runtime: a Kata pod's micro-VM gets its node's files shared in, so it has no wall of its own", () => {
    const { snapshot: mapped, warnings: said } = map({}, [cluster, fixture("kubernetes", "node-rights-pods.json")]);
    const withFiles = mapped.containers?.filter((c) => c.nodeFiles).map((c) => c.id);
    expect(withFiles).toEqual(["kube-system/aws-node-9fj2k", "monitoring/node-exporter-7xq4m", "shop/sandboxed-builder"]);
    expect(said.filter((w) => w.message.includes("hostPath"))).toEqual([]);
    // Both Kata pods are privileged on one node; the one with the node's files has no wall, the other keeps its micro-VM's.
    const topology = topologyOf([{ snapshot: mapped, warnings: said }]);
    expect(actual(topology, container("shop/sandboxed-builder"), container("ci/kata-runner"))).toBe("PROCESS");
    expect(actual(topology, container("ci/kata-runner"), container("shop/catalog-0"))).toBe("CONTAINER");
  });

  it("takes the tenant from the namespace's label or annotation, else the namespace's name", () => {
    expect(record(snapshot, "containers", "analytics/spark-worker-0").tenant).toBe("globex");
    expect(record(snapshot, "containers", "kube-system/aws-node-x7k2p").tenant).toBe("kube-system");
    expect(record(map({ "tenant-label": "team" }).snapshot, "containers", "analytics/spark-worker-0").tenant).toBe("analytics");
  });

  it("never takes a tenant label a pod or VMI gives itself: whoever may create a pod could write any tenant there", () => {
    // A namespace with no tenant label: its pods are its name's, whatever they say. Were the pod's
    // own label read, a pod of "intruder" could pass as acme's and hide from every verdict about
    // the acme workloads it runs beside (acme against acme requires nothing).
    const namespace = { kind: "Namespace", metadata: { name: "intruder" } };
    const labels = { "tenancy.io/tenant": "acme", "app.kubernetes.io/name": "miner" };
    const pod = { kind: "Pod", metadata: { name: "miner-1", namespace: "intruder", labels }, spec: { nodeName: "metal-07" }, status: { phase: "Running" } };
    const launcher = { kind: "Pod", metadata: { name: "virt-launcher-vm-1", uid: "launcher-uid", namespace: "intruder", labels }, spec: { nodeName: "metal-07" }, status: { phase: "Running" } };
    const vmi = { kind: "VirtualMachineInstance", metadata: { name: "vm-1", namespace: "intruder", labels }, status: { activePods: { "launcher-uid": "metal-07" } } };
    const { snapshot: mapped } = map({}, [cluster, { kind: "List", items: [namespace, pod, launcher, vmi] }]);
    expect(record(mapped, "containers", "intruder/miner-1").tenant).toBe("intruder");
    expect(mapped.workloads).toContainEqual({ id: "intruder/miner", tenant: "intruder", antiAffinity: [] });
    expect(mapped.virtualMachines?.filter((vm) => vm.id.startsWith("intruder/")).map((vm) => vm.tenant)).toEqual(["intruder"]);
  });

  it("takes the workload from the owner (a Deployment through its ReplicaSet, a StatefulSet, a DaemonSet) or the label", () => {
    expect(snapshot.workloads).toEqual([
      { id: "payments/checkout-api", tenant: "acme", antiAffinity: [{ level: "DATACENTER", maxSkew: 1, mode: "HARD" }] },
      { id: "analytics/spark-worker", tenant: "globex", antiAffinity: [] },
      { id: "kube-system/aws-node", tenant: "kube-system", antiAffinity: [] },
      { id: "payments/fraud-model", tenant: "acme", antiAffinity: [] },
      { id: "kube-system/coredns", tenant: "kube-system", antiAffinity: [] },
    ]);
  });

  it("reads a spread over EKS's zone-id label as a zone spread, and leaves a hostname spread out", () => {
    const pod = (name: string, topologyKey: string) => ({
      kind: "Pod",
      metadata: { name, namespace: "shop", ownerReferences: [{ kind: "StatefulSet", name: name.replace(/-\d$/, ""), controller: true }] },
      spec: { nodeName: "n1", topologySpreadConstraints: [{ topologyKey, maxSkew: 1, whenUnsatisfiable: "ScheduleAnyway" }] },
      status: { phase: "Running" },
    });
    const list = { apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items: [pod("cart-0", "topology.k8s.aws/zone-id"), pod("edge-0", "kubernetes.io/hostname")] };
    const { snapshot: s } = mapKubernetes([list], { source: "k8s", settings: {} });
    expect(s.workloads).toEqual([
      { id: "shop/cart", tenant: "shop", antiAffinity: [{ level: "DATACENTER", maxSkew: 1, mode: "SOFT" }] },
      { id: "shop/edge", tenant: "shop", antiAffinity: [] },
    ]);
  });

  it("leaves out pods that do not run: pending without a node, succeeded", () => {
    expect(ids(snapshot, "containers")).not.toContain("payments/checkout-api-7d4b9c8f6d-pnd42");
    expect(ids(snapshot, "containers")).not.toContain("analytics/nightly-report-28712345-kq2vd");
    expect(warnings).toContainEqual({ subject: "pods", message: "left out pods that do not run: 1 pending without a node, 1 succeeded" });
  });

  it("puts a KubeVirt VM inside its virt-launcher pod's container", () => {
    expect(record(snapshot, "virtualMachines", "vms/vmi/win-build")).toEqual({ id: "vms/vmi/win-build", container: "vms/virt-launcher-win-build-8x2kq", tenant: "acme", workload: null, dedicated: false });
    expect(record(snapshot, "containers", "vms/virt-launcher-win-build-8x2kq")).toMatchObject({ virtualMachine: "node/metal-07", tenant: "acme" });
    expect(warnings).toContainEqual({ subject: "vms/vmi/scheduling", message: "its virt-launcher pod is not running or not in the export; left out" });
  });

  it("links a node's providerID to the key each cloud connector gives that VM", () => {
    expect(vmKeyFromProviderId("aws:///eu-west-1a/i-0a1b2c3d4e5f60010")).toBe("i-0a1b2c3d4e5f60010");
    expect(vmKeyFromProviderId("gce://acme-prod-4711/europe-west1-b/gke-prod-pool-1-a1b2")).toBe("acme-prod-4711/europe-west1-b/gke-prod-pool-1-a1b2");
    expect(vmKeyFromProviderId("azure:///subscriptions/8c1f/resourceGroups/MC_AKS/providers/Microsoft.Compute/virtualMachines/aks-node-1")).toBe(
      "/subscriptions/8c1f/resourcegroups/mc_aks/providers/microsoft.compute/virtualmachines/aks-node-1",
    );
    expect(vmKeyFromProviderId("openstack:///5b2f1a7e-1c2d-4e3f-8a9b-0c1d2e3f4a5b")).toBe("5b2f1a7e-1c2d-4e3f-8a9b-0c1d2e3f4a5b");
    expect(vmKeyFromProviderId("kind://docker/kind/kind-worker")).toBeNull();
  });

  it("agrees with each cloud provider on what an instance is: any EC2 id, scale-set VMs, projects with a domain, regions", () => {
    // The AWS cloud provider takes `i-` followed by anything but `/`, after an optional zone.
    expect(vmKeyFromProviderId("aws:///eu-west-1a/i-0k1")).toBe("i-0k1");
    expect(vmKeyFromProviderId("aws:///eu-west-1a/i-0K1z")).toBe("i-0K1z");
    expect(vmKeyFromProviderId("aws:///i-0k1")).toBe("i-0k1");
    expect(vmKeyFromProviderId("aws://eu-west-1a/i-0k1")).toBe("i-0k1");
    expect(vmKeyFromProviderId("aws:///eu-west-1a/fargate-ip-10-0-1-9.eu-west-1.compute.internal")).toBeNull();
    expect(vmKeyFromProviderId("aws:///eu-west-1a/x/i-0k1")).toBeNull();
    expect(vmKeyFromProviderId("gce://example.com:acme/europe-west1-b/gke-pool-1-x")).toBe("example.com:acme/europe-west1-b/gke-pool-1-x");
    expect(vmKeyFromProviderId("azure:///subscriptions/8c1f/resourceGroups/MC_rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-np1-vmss/virtualMachines/3")).toBe(
      "/subscriptions/8c1f/resourcegroups/mc_rg/providers/microsoft.compute/virtualmachinescalesets/aks-np1-vmss/virtualmachines/3",
    );
    expect(vmKeyFromProviderId("openstack://RegionOne/5b2f1a7e-1c2d-4e3f-8a9b-0c1d2e3f4a5b")).toBe("5b2f1a7e-1c2d-4e3f-8a9b-0c1d2e3f4a5b");
  });

  it("names a node's datacenter only by the place's canonical id: EKS zone ids, GKE zones; never an AWS zone name or an AKS logical zone", () => {
    const node = (name: string, labels: Record<string, string>, providerID?: string) => ({ kind: "Node", metadata: { name, labels }, spec: providerID ? { providerID } : {} });
    const zone = (z: string) => ({ "topology.kubernetes.io/zone": z });
    const nodes = {
      apiVersion: "v1",
      kind: "List",
      metadata: { resourceVersion: "" },
      items: [
        node("eks-hybrid", { ...zone("eu-west-1a"), "topology.k8s.aws/zone-id": "euw1-az3", "eks.amazonaws.com/compute-type": "hybrid" }),
        node("eks-named", { ...zone("eu-west-1a"), "eks.amazonaws.com/nodegroup": "ng-1" }),
        node("fargate-ip-10-0-1-9", zone("eu-west-1a"), "aws:///eu-west-1a/fargate-ip-10-0-1-9.eu-west-1.compute.internal"),
        node("gke-unlinked", { ...zone("europe-west1-b"), "cloud.google.com/gke-nodepool": "pool-1" }),
        node("aks-unlinked", { ...zone("westeurope-1"), "kubernetes.azure.com/agentpool": "np1" }),
        node("os-unlinked", zone("nova"), "openstack:///"),
      ],
    };
    const { snapshot: s, warnings: w } = map({}, [nodes]);
    const dc = (name: string) => record(s, "virtualMachines", `node/${name}`).datacenter;
    expect([dc("eks-hybrid"), dc("eks-named"), dc("fargate-ip-10-0-1-9"), dc("gke-unlinked"), dc("aks-unlinked"), dc("os-unlinked")]).toEqual(["euw1-az3", null, null, "europe-west1-b", null, null]);
    expect(w).toContainEqual({ subject: "eks-named", message: expect.stringMatching(/^an AWS node without the topology.k8s.aws\/zone-id label: its zone name eu-west-1a names different zones/) });
    expect(w).toContainEqual({ subject: "aks-unlinked", message: expect.stringMatching(/logical zone of one subscription/) });
  });

  it("produces a snapshot the contract accepts", () => {
    const checked = validateSnapshot(snapshot);
    expect(checked.ok ? [] : checked.problems).toEqual([]);
  });
});
