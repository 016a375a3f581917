import { kubernetesSettings, nodeUnitOf, runtimeOf, spreadRules, tenantOfObject, workloadOf, type K8sObject } from "../connectors/kubernetes/map-kubernetes.ts";
import type { ConnectorOptions } from "../connectors/connector.ts";
import { placementAdvice, type AdviceWorkload, type CandidateAdvice } from "../domain/placement-advice.ts";
import { kubernetesNodePlace } from "../domain/placement-candidates.ts";
import type { CandidatePlace, ReplicaKind } from "../domain/placement-overlay.ts";
import type { Policy } from "../domain/policy.ts";
import type { AntiAffinityRule, Topology } from "../domain/topology.ts";

/*
 * A pod (or a KubeVirt VMI) about to be placed on Kubernetes nodes, as placement advice sees
 * it: its tenant and workload by the Kubernetes connector's own rules (owner references, the
 * workload label, the tenant label, the runtime class), each node as the unit the connector
 * syncs it as, and the advice for one more replica on each node.
 */
export interface NodeRef {
  name: string;
  /** spec.providerID, when the scheduler sent the whole Node (nodeCacheCapable: false). */
  providerId?: string;
}

export interface PodAdvice {
  workload: AdviceWorkload;
  /** Per node name, in the order asked. */
  advice: Map<string, CandidateAdvice>;
}

/**
 * The tenant: the pod's workload's when synced; else the tenant the source's synced pods of its
 * namespace carry (the namespace's label, read at sync: the scheduler does not send the
 * namespace), when they agree; else the connector's rule on the pod alone (its label, else the
 * namespace's name).
 */
function podTenant(topology: Topology, source: string, meta: NonNullable<K8sObject["metadata"]>, tenantLabel: string, workload: string | null): string {
  const synced = workload !== null ? topology.workloads.get(workload) : undefined;
  if (synced) return synced.tenant;
  const own = meta.labels?.[tenantLabel];
  const prefix = `${meta.namespace ?? "default"}/`;
  const seen = namespaceTenants(topology).get(`${source}\u0000${prefix}`) ?? new Set<string>();
  if (seen.size === 1 && (own === undefined || seen.has(own))) return [...seen][0];
  return tenantOfObject(meta, undefined, tenantLabel);
}

const namespaceCache = new WeakMap<Topology, Map<string, Set<string>>>();

/** The tenants of each Kubernetes source's synced pods (`<namespace>/<pod>`), by source and namespace; once per topology. */
function namespaceTenants(topology: Topology): Map<string, Set<string>> {
  let byNamespace = namespaceCache.get(topology);
  if (byNamespace) return byNamespace;
  byNamespace = new Map();
  for (const c of topology.containers.values()) {
    const slash = c.key.indexOf("/");
    if (slash <= 0) continue;
    const key = `${c.source}\u0000${c.key.slice(0, slash + 1)}`;
    let tenants = byNamespace.get(key);
    if (!tenants) byNamespace.set(key, (tenants = new Set()));
    tenants.add(c.tenant);
  }
  namespaceCache.set(topology, byNamespace);
  return byNamespace;
}

/** The workload to advise: the synced one, else one described from the object (its spread constraints as rules). */
export function objectWorkload(topology: Topology, options: ConnectorOptions, object: K8sObject): AdviceWorkload {
  const { tenantLabel, workloadLabel } = kubernetesSettings(options);
  const meta = object.metadata ?? {};
  const key = workloadOf(meta, workloadLabel);
  const tenant = podTenant(topology, options.source, meta, tenantLabel, key);
  const synced = key !== null ? topology.workloads.get(key) : undefined;
  if (synced && synced.tenant === tenant) return { key: synced.key, tenant, minimumIsolation: synced.minimumIsolation, antiAffinity: synced.antiAffinity };
  // A pod no controller owns is a workload of its own: the policy still applies to it, both ways.
  const rules = (object.kind === "Pod" ? spreadRules(object) : []) as unknown as AntiAffinityRule[];
  return { key: key ?? `${meta.namespace ?? "default"}/${meta.name ?? "unnamed"}`, tenant, minimumIsolation: null, antiAffinity: rules.map((r) => ({ ...r, mode: r.mode ?? "HARD" })) };
}

/** A node as a place: the unit the connector syncs it as; one not synced (yet) is the reference a pod on it would carry. */
export function nodePlace(topology: Topology, options: ConnectorOptions, node: NodeRef): CandidatePlace {
  const unit = nodeUnitOf(node.name, node.providerId, kubernetesSettings(options).nodesAs);
  if (unit.kind === "host" ? topology.hosts.has(unit.id) : topology.virtualMachines.has(unit.id)) return { kind: unit.kind, key: unit.id };
  return kubernetesNodePlace(topology, node.name) ?? { kind: unit.kind, key: unit.id };
}

/**
 * What the object brings to its node: a pod is a container with its runtime class's wall; a
 * VMI (a VM inside its virt-launcher pod) brings a VIRTUAL_MACHINE wall, as a Kata pod does.
 */
function replicaOf(options: ConnectorOptions, object: K8sObject): ReplicaKind {
  if (object.kind === "VirtualMachineInstance") return { kind: "container", runtime: "kata" };
  return { kind: "container", runtime: runtimeOf(object.spec?.runtimeClassName as string | undefined, kubernetesSettings(options).classes) };
}

/**
 * The advice for the object on each node. Reasons are redacted as for a tenant caller: they
 * end up in the pod's events, which its tenant reads.
 */
export function podAdvice(topology: Topology, policy: Policy, options: ConnectorOptions, object: K8sObject, nodes: readonly NodeRef[]): PodAdvice {
  const workload = objectWorkload(topology, options, object);
  const replica = replicaOf(options, object);
  const advice = new Map<string, CandidateAdvice>();
  const places = nodes.map((node) => nodePlace(topology, options, node));
  const ranked = placementAdvice(topology, policy, workload, places, { replica, redactOthers: true });
  const byPlace = new Map(ranked.map((a) => [`${a.place.kind}:${a.place.key}`, a]));
  nodes.forEach((node, i) => advice.set(node.name, byPlace.get(`${places[i].kind}:${places[i].key}`)!));
  return { workload, advice };
}

/** kube-scheduler's extender score, 0 to 10: PROVEN 6–10 and POSSIBLE 1–5, less for SOFT breaches and crowding; REFUSED 0. */
export function extenderScore(advice: CandidateAdvice): number {
  if (advice.outcome === "REFUSED") return 0;
  const spread = Math.min(4, advice.softBreaches.length * 2 + advice.crowding);
  return (advice.outcome === "PROVEN" ? 10 : 5) - spread;
}
