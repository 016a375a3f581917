import { podRights } from "../connectors/kubernetes/pod-node-rights.ts";
import { kubernetesSettings, nodeUnitOf, runtimeOf, spreadRules, workloadOf, type K8sObject } from "../connectors/kubernetes/map-kubernetes.ts";
import type { ConnectorOptions } from "../connectors/connector.ts";
import { placementAdvice, type AdviceWorkload, type CandidateAdvice } from "../domain/placement-advice.ts";
import { kubernetesNodePlace } from "../domain/placement-candidates.ts";
import type { CandidatePlace, ReplicaKind } from "../domain/placement-overlay.ts";
import type { Policy } from "../domain/policy.ts";
import type { AntiAffinityRule, Topology } from "../domain/topology.ts";
import type { NodeUnit } from "../inventory/kubernetes-nodes.ts";

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
  /** The unit the source's last sync recorded for this node name (src/inventory/kubernetes-nodes.ts). */
  synced?: NodeUnit;
}

export interface PodAdvice {
  workload: AdviceWorkload;
  /** Per node name, in the order asked. */
  advice: Map<string, CandidateAdvice>;
}

/**
 * The tenant: the pod's workload's when synced; else the one tenant the source's synced pods of
 * its namespace carry (the namespace's label wins at sync, as it does here: the scheduler does
 * not send the namespace); else, in a namespace whose synced pods carry several tenants (its
 * label changed between syncs that were not complete), the pod's label when it is one of them. Anything else is not known: a pod's
 * own label is not trusted where nothing synced backs it, or anyone could claim any tenant.
 */
function podTenant(topology: Topology, source: string, meta: NonNullable<K8sObject["metadata"]>, tenantLabel: string, workload: string | null): string | null {
  const synced = workload !== null ? topology.workloads.get(workload) : undefined;
  if (synced) return synced.tenant;
  const own = meta.labels?.[tenantLabel];
  const seen = namespaceTenants(topology).get(`${source}\u0000${meta.namespace ?? "default"}/`) ?? new Set<string>();
  if (seen.size === 1) return [...seen][0];
  return own !== undefined && seen.has(own) ? own : null;
}

/** The tenant a pod of an unknown tenant is judged as: one no inventory names, so every requirement is the policy's for another organization. */
export const unknownTenant = (namespace: string) => `unknown tenant of namespace ${namespace}`;

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

/** The workload to advise (the synced one, else one described from the object: its spread constraints as rules), and whether its tenant is known. */
export function objectWorkload(topology: Topology, options: ConnectorOptions, object: K8sObject): AdviceWorkload & { tenantKnown: boolean } {
  const { tenantLabel, workloadLabel } = kubernetesSettings(options);
  const meta = object.metadata ?? {};
  const key = workloadOf(meta, workloadLabel);
  const known = podTenant(topology, options.source, meta, tenantLabel, key);
  const tenant = known ?? unknownTenant(meta.namespace ?? "default");
  const tenantKnown = known !== null;
  const synced = key !== null ? topology.workloads.get(key) : undefined;
  if (synced && synced.tenant === tenant) return { key: synced.key, tenant, minimumIsolation: synced.minimumIsolation, antiAffinity: synced.antiAffinity, tenantKnown };
  // A pod no controller owns is a workload of its own: the policy still applies to it, both ways.
  const rules: AntiAffinityRule[] = object.kind === "Pod" ? spreadRules(object) : [];
  return { key: key ?? `${meta.namespace ?? "default"}/${meta.name ?? "unnamed"}`, tenant, minimumIsolation: null, antiAffinity: rules.map((r) => ({ ...r, mode: r.mode ?? "HARD" })), tenantKnown };
}

/**
 * A node as a place: the unit the connector syncs it as. The scheduler's providerID names a
 * cloud VM; else the node's unit as its source last synced it (a cloud node's VM is keyed by
 * its instance id, not the node's name); one not synced (yet) is the reference a pod on it would carry.
 */
export function nodePlace(topology: Topology, options: ConnectorOptions, node: NodeRef): CandidatePlace {
  const unit = nodeUnitOf(node.name, node.providerId, kubernetesSettings(options).nodesAs);
  if (!unit.cloud && node.synced) return { kind: node.synced.kind, key: node.synced.key };
  if (unit.kind === "host" ? topology.hosts.has(unit.id) : topology.virtualMachines.has(unit.id)) return { kind: unit.kind, key: unit.id };
  return kubernetesNodePlace(topology, node.name) ?? { kind: unit.kind, key: unit.id };
}

/**
 * What the object brings to its node: a pod is a container with its runtime class's wall (none
 * of its own under runc when it has its node's rights, nor under any runtime when it mounts
 * its node's files, as the connector maps it); a
 * VMI (a VM inside its virt-launcher pod) brings a VIRTUAL_MACHINE wall, as a Kata pod does.
 */
function replicaOf(options: ConnectorOptions, object: K8sObject): ReplicaKind {
  if (object.kind === "VirtualMachineInstance") return { kind: "container", runtime: "kata", privileged: false, nodeFiles: false };
  const runtime = runtimeOf(object.spec?.runtimeClassName as string | undefined, kubernetesSettings(options).classes);
  return { kind: "container", runtime, ...podRights(object.spec) };
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
  nodes.forEach((node, i) => advice.set(node.name, atBest(byPlace.get(`${places[i].kind}:${places[i].key}`)!, workload)));
  return { workload, advice };
}

/** A pod whose tenant is not known is judged as another organization's, and proven nowhere: its tenant's own requirements are not known. */
function atBest(advice: CandidateAdvice, workload: AdviceWorkload & { tenantKnown: boolean }): CandidateAdvice {
  if (workload.tenantKnown || advice.outcome === "REFUSED") return advice;
  const why = `the tenant of ${workload.key} is not known: its namespace has no pods synced from this source that name one, and a pod's own tenant label is not trusted`;
  return { ...advice, outcome: "POSSIBLE", reasons: [why, ...advice.reasons] };
}

/** kube-scheduler's extender score, 0 to 10: PROVEN 6–10 and POSSIBLE 1–5, less for SOFT breaches and crowding; REFUSED 0. */
export function extenderScore(advice: CandidateAdvice): number {
  if (advice.outcome === "REFUSED") return 0;
  const spread = Math.min(4, advice.softBreaches.length * 2 + advice.crowding);
  return (advice.outcome === "PROVEN" ? 10 : 5) - spread;
}
