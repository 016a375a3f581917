import { keyList, setting, SnapshotBuilder, type ConnectorOptions, type ConnectorResult } from "../connector.ts";
import type { AntiAffinityRule } from "../../inventory/snapshot.ts";
import { vmKeyFromProviderId } from "../vm-key-from-provider-id.ts";
import { podRights } from "./pod-node-rights.ts";
import { AWS_ZONE_ID, nodeDatacenter, ZONE_LABELS } from "./node-datacenter.ts";

/*
 * Kubernetes: `kubectl get nodes,pods,namespaces -A -o json` (and KubeVirt's `vmi`) → a snapshot.
 *
 * - A node whose `spec.providerID` names a cloud VM *is* that VM (aws:///eu-west-1a/i-0abc… is
 *   the EC2 instance i-0abc…, synced by the AWS source): pods on it sit in that VM, across
 *   sources. A node without one is a host (`nodes=hosts`, bare metal) or a VM of the platform
 *   tenant (`nodes=vms`, the default), in the datacenter its place's own connector names
 *   (`nodeDatacenter`: EKS's zone id, GKE's zone, an on-premises zone label), else unknown.
 * - A pod is one container unit (`<namespace>/<pod>`): its containers share its sandbox and
 *   network namespace, so the pod is what is isolated. Its runtime is its runtimeClassName's
 *   (gVisor, Kata, …) or runc. A pod with its node's rights (privileged, hostPID, hostIPC, a
 *   hostPath volume, SYS_ADMIN…: `podHasNodeRights`) is `privileged`; one with a hostPath volume
 *   (`mountsNodeFiles`) has `nodeFiles` too, which takes even a Kata pod's wall: the node's
 *   files are shared into its micro-VM. Pods that do not run (pending without a node,
 *   succeeded, failed) are left out.
 * - Tenant: the namespace's label (`tenant-label`, default tenancy.io/tenant) or annotation,
 *   else the namespace's name (never the pod's own label, which its author writes). Workload: the owner (a Deployment
 *   through its ReplicaSet, a StatefulSet, a DaemonSet) or the `workload-label`, as
 *   `<namespace>/<name>`. A zone topologySpreadConstraint becomes a DATACENTER maxSkew rule.
 * - A KubeVirt VirtualMachineInstance is a VM inside its virt-launcher pod.
 */
export interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind?: string; name?: string; controller?: boolean }[];
}
export interface K8sObject {
  kind?: string;
  metadata?: Meta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export function runtimeOf(runtimeClass: string | undefined, classes: Map<string, string>): string {
  if (!runtimeClass) return "runc";
  const mapped = classes.get(runtimeClass);
  if (mapped) return mapped;
  const name = runtimeClass.toLowerCase();
  if (name.includes("gvisor") || name.includes("runsc")) return "gvisor";
  if (name.includes("kata")) return "kata";
  if (name.includes("firecracker")) return "firecracker";
  return runtimeClass;
}

/** The connector's settings, read once: the scheduler extender (src/http/scheduler-routes.ts) reads them the same way. */
export function kubernetesSettings(options: ConnectorOptions) {
  return {
    tenantLabel: setting(options, "tenant-label", "tenancy.io/tenant"),
    workloadLabel: setting(options, "workload-label", "app.kubernetes.io/name"),
    nodesAs: setting(options, "nodes", "vms"),
    platformTenant: setting(options, "platform-tenant", "platform"),
    classes: new Map(keyList(setting(options, "runtime-classes", "")).map((pair) => pair.split("=") as [string, string])),
  };
}

/**
 * The tenant of a pod or VMI: its namespace's label or annotation, else the namespace's name.
 * Never a label of its own: whoever may create a pod writes those, and a pod passing as another
 * tenant's would hide from every verdict about the workloads beside it.
 */
export function tenantOfObject(meta: Meta, namespace: Meta | undefined, tenantLabel: string): string {
  return namespace?.labels?.[tenantLabel] ?? namespace?.annotations?.[tenantLabel] ?? meta.namespace ?? "default";
}

/** The unit a node is: the cloud VM its providerID names, else `node/<name>` (a host with nodes=hosts, else a VM). */
export function nodeUnitOf(name: string, providerId: string | undefined, nodesAs: string): { kind: "virtualMachine" | "host"; id: string; cloud: boolean } {
  const cloudVm = providerId ? vmKeyFromProviderId(providerId) : null;
  if (cloudVm) return { kind: "virtualMachine", id: cloudVm, cloud: true };
  return { kind: nodesAs === "hosts" ? "host" : "virtualMachine", id: `node/${name}`, cloud: false };
}

export function mapKubernetes(documents: unknown[], options: ConnectorOptions): ConnectorResult {
  const b = new SnapshotBuilder(options.source);
  const { tenantLabel, workloadLabel, nodesAs, platformTenant, classes } = kubernetesSettings(options);
  if (nodesAs !== "vms" && nodesAs !== "hosts") b.warn("settings", `nodes is "vms" or "hosts", not "${nodesAs}"; using vms`);
  const objects = flattenLists(documents);
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const namespaces = new Map(of("Namespace").map((n) => [n.metadata?.name ?? "", n.metadata ?? {}]));
  const cluster: Cluster = {
    b,
    workloadLabel,
    classes,
    tenantOf: (meta: Meta): string => tenantOfObject(meta, namespaces.get(meta.namespace ?? ""), tenantLabel),
  };
  const nodeUnit = mapNodes(b, of("Node"), nodesAs, platformTenant);
  const podUnits = mapPods(cluster, of("Pod"), nodeUnit);
  mapVirtualMachineInstances(cluster, of("VirtualMachineInstance"), podUnits);
  const result = b.result();
  // Every node by name, whatever it runs as: an AdmissionReview names a node, never its providerID.
  result.snapshot.kubernetesNodes = [...nodeUnit].map(([name, unit]) => ({ name, virtualMachine: unit.kind === "virtualMachine" ? unit.id : null, host: unit.kind === "host" ? unit.id : null }));
  return result;
}

/** What mapping pods and VMIs needs besides the objects. */
interface Cluster {
  b: SnapshotBuilder;
  workloadLabel: string;
  /** Runtime class name → runtime, from the settings. */
  classes: Map<string, string>;
  tenantOf: (meta: Meta) => string;
}

/** Every object of the documents: single objects, kubectl's Lists and the API's typed lists. */
function flattenLists(documents: unknown[]): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const document of documents) {
    const d = document as { kind?: string; items?: K8sObject[] };
    if (Array.isArray(d.items)) {
      // A List from kubectl, or a typed list (NodeList, PodList) from the API whose items carry no kind.
      const itemKind = d.kind && d.kind !== "List" ? d.kind.replace(/List$/, "") : undefined;
      for (const item of d.items) objects.push(item.kind ? item : { ...item, kind: itemKind });
    } else if (d.kind) objects.push(d);
  }
  return objects;
}

/** Each node as the cloud VM its providerID names, or as a VM or host of its own; the unit by node name. */
function mapNodes(b: SnapshotBuilder, nodes: K8sObject[], nodesAs: string, platformTenant: string) {
  const nodeUnit = new Map<string, { kind: "virtualMachine" | "host"; id: string }>();
  for (const node of nodes) {
    const name = node.metadata?.name ?? "";
    const labels = node.metadata?.labels ?? {};
    const providerId = node.spec?.providerID as string | undefined;
    const unit = nodeUnitOf(name, providerId, nodesAs);
    if (providerId && !unit.cloud) b.warn(name, `providerID ${providerId} names no provider a connector maps; the node is modeled on its own`);
    if (unit.cloud) {
      nodeUnit.set(name, { kind: "virtualMachine", id: unit.id });
      continue;
    }
    const { datacenter, why } = nodeDatacenter(labels, providerId);
    if (why) b.warn(name, why);
    const id = unit.id;
    if (unit.kind === "host") {
      b.add("hosts", { id, datacenter });
      nodeUnit.set(name, { kind: "host", id });
    } else {
      b.add("virtualMachines", { id, datacenter, tenant: platformTenant, workload: null, dedicated: false });
      nodeUnit.set(name, { kind: "virtualMachine", id });
    }
  }
  return nodeUnit;
}

/** Running pods as containers on their node's unit; returns "<namespace>/<pod>" by uid. */
function mapPods({ b, workloadLabel, classes, tenantOf }: Cluster, pods: K8sObject[], nodeUnit: ReturnType<typeof mapNodes>) {
  const podUnits = new Map<string, string>(); // "<namespace>/<pod>" by uid
  for (const pod of pods) {
    const meta = pod.metadata ?? {};
    const id = `${meta.namespace}/${meta.name}`;
    const phase = (pod.status?.phase as string | undefined) ?? "Unknown";
    const nodeName = pod.spec?.nodeName as string | undefined;
    if (phase === "Succeeded" || phase === "Failed" || !nodeName) {
      b.leaveOut("pods", "pods", nodeName ? phase.toLowerCase() : "pending without a node");
      continue;
    }
    const node = nodeUnit.get(nodeName);
    if (!node) b.warn(id, `runs on node ${nodeName}, which is not in the export: its placement is unknown`);
    const tenant = tenantOf(meta);
    const workload = workloadOf(meta, workloadLabel);
    if (workload) b.workload(workload, tenant, id, { antiAffinity: spreadRules(pod) });
    const parent = !node ? { virtualMachine: `node/${nodeName}` } : node.kind === "host" ? { host: node.id } : { virtualMachine: node.id };
    const runtime = runtimeOf(pod.spec?.runtimeClassName as string | undefined, classes);
    b.add("containers", { id, ...parent, runtime, ...podRights(pod.spec), tenant, workload });
    if (meta.uid) podUnits.set(meta.uid, id);
  }
  return podUnits;
}

/** KubeVirt's VMIs as VMs inside their virt-launcher pod. */
function mapVirtualMachineInstances({ b, workloadLabel, tenantOf }: Cluster, vmis: K8sObject[], podUnits: Map<string, string>) {
  for (const vmi of vmis) {
    const meta = vmi.metadata ?? {};
    const id = `${meta.namespace}/vmi/${meta.name}`;
    const launcherUid = Object.keys((vmi.status?.activePods as Record<string, string> | undefined) ?? {})[0];
    const launcher = launcherUid ? podUnits.get(launcherUid) : undefined;
    if (!launcher) {
      b.warn(id, "its virt-launcher pod is not running or not in the export; left out");
      continue;
    }
    b.add("virtualMachines", { id, container: launcher, tenant: tenantOf(meta), workload: workloadOf(meta, workloadLabel), dedicated: false });
  }
}

/** The controller that owns a pod, as `<namespace>/<name>`; a ReplicaSet stands for its Deployment. */
export function workloadOf(meta: Meta, workloadLabel: string): string | null {
  const owner = meta.ownerReferences?.find((o) => o.controller) ?? meta.ownerReferences?.[0];
  const ns = meta.namespace ?? "default";
  if (owner?.name) {
    if (owner.kind === "ReplicaSet") {
      const hash = meta.labels?.["pod-template-hash"];
      const deployment = hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : owner.name;
      return `${ns}/${deployment}`;
    }
    if (owner.kind === "StatefulSet" || owner.kind === "DaemonSet" || owner.kind === "Job") return `${ns}/${owner.name}`;
  }
  const label = meta.labels?.[workloadLabel];
  return label ? `${ns}/${label}` : null;
}

/** The topology keys that spread over zones: the zone labels, and EKS's zone id (one zone per id, as per name). */
const ZONE_SPREAD_KEYS = [...ZONE_LABELS, AWS_ZONE_ID];

/** Zone spread constraints as DATACENTER rules; host spread is left out (a node is a VM, not a host). */
export function spreadRules(pod: K8sObject): AntiAffinityRule[] {
  const constraints = (pod.spec?.topologySpreadConstraints as { topologyKey?: string; maxSkew?: number; whenUnsatisfiable?: string }[] | undefined) ?? [];
  return constraints
    .filter((c) => ZONE_SPREAD_KEYS.includes(c.topologyKey ?? "") && Number.isInteger(c.maxSkew) && (c.maxSkew ?? 0) >= 1)
    .map((c): AntiAffinityRule => ({ level: "DATACENTER", maxSkew: c.maxSkew, mode: c.whenUnsatisfiable === "ScheduleAnyway" ? "SOFT" : "HARD" }));
}
