import type { CandidatePlace } from "./placement-overlay.ts";
import { hostDatacenter, type Topology } from "./topology.ts";

/*
 * The places a caller names, resolved against the topology: hosts and VMs by key, Kubernetes
 * nodes by name (the Kubernetes connector keys a node `node/<name>`, as a VM or a host; a node
 * whose name is its cloud VM's key is that VM), or "anywhere" in a datacenter or region: each
 * of its hosts, and the datacenter itself for a replica whose host the provider chooses.
 */
export interface CandidateRequest {
  hosts?: readonly string[] | null;
  virtualMachines?: readonly string[] | null;
  kubernetesNodes?: readonly string[] | null;
  /** Whose node list maps the names (read by the caller: `nodeUnits` below). */
  kubernetesSource?: string | null;
  anywhereInDatacenter?: string | null;
  anywhereInRegion?: string | null;
}

export interface ResolvedCandidates {
  places: CandidatePlace[];
  /** What names nothing in the inventory, each in words, with the input field it came from. */
  unknown: { field: keyof CandidateRequest; message: string }[];
}

/** `nodeUnits`: a Kubernetes source's nodes by name, as it last synced them (kubernetes_node). */
export function resolveCandidates(topology: Topology, request: CandidateRequest, nodeUnits: ReadonlyMap<string, CandidatePlace> = new Map()): ResolvedCandidates {
  const places: CandidatePlace[] = [];
  const unknown: ResolvedCandidates["unknown"] = [];
  const seen = new Set<string>();
  const add = (place: CandidatePlace) => {
    const id = `${place.kind}:${place.key}`;
    if (seen.has(id)) return;
    seen.add(id);
    places.push(place);
  };
  for (const key of request.hosts ?? []) {
    if (topology.hosts.has(key)) add({ kind: "host", key });
    else unknown.push({ field: "hosts", message: `no host "${key}" has been synced` });
  }
  for (const key of request.virtualMachines ?? []) {
    if (topology.virtualMachines.has(key)) add({ kind: "virtualMachine", key });
    else unknown.push({ field: "virtualMachines", message: `no VM "${key}" has been synced` });
  }
  for (const name of request.kubernetesNodes ?? []) {
    const place = kubernetesNodePlace(topology, name, nodeUnits);
    if (place) add(place);
    else unknown.push({ field: "kubernetesNodes", message: `no Kubernetes node "${name}" has been synced (as VM or host node/${name}, or a VM keyed ${name})` });
  }
  if (request.anywhereInDatacenter != null) {
    const dc = request.anywhereInDatacenter;
    if (!topology.datacenters.has(dc)) unknown.push({ field: "anywhereInDatacenter", message: `no datacenter "${dc}" has been synced` });
    else anywhereIn(topology, new Set([dc])).forEach(add);
  }
  if (request.anywhereInRegion != null) {
    const region = request.anywhereInRegion;
    const dcs = new Set([...topology.datacenters.values()].filter((d) => d.region === region).map((d) => d.key));
    if (dcs.size === 0) unknown.push({ field: "anywhereInRegion", message: `no synced datacenter is in region "${region}"` });
    else anywhereIn(topology, dcs).forEach(add);
  }
  return { places, unknown };
}

/**
 * A node as its source's node list names it (when that unit is synced), else as the Kubernetes
 * connector keys it: `node/<name>` (a VM, or a host with nodes=hosts), else a VM keyed by the name itself.
 */
export function kubernetesNodePlace(topology: Topology, name: string, nodeUnits: ReadonlyMap<string, CandidatePlace> = new Map()): CandidatePlace | null {
  const listed = nodeUnits.get(name);
  if (listed && (listed.kind === "virtualMachine" ? topology.virtualMachines : topology.hosts).has(listed.key)) return listed;
  const key = `node/${name}`;
  if (topology.virtualMachines.has(key)) return { kind: "virtualMachine", key };
  if (topology.hosts.has(key)) return { kind: "host", key };
  if (topology.virtualMachines.has(name)) return { kind: "virtualMachine", key: name };
  return null;
}

function anywhereIn(topology: Topology, datacenters: Set<string>): CandidatePlace[] {
  const hosts = [...topology.hosts.values()]
    .filter((h) => datacenters.has(hostDatacenter(topology, h) ?? ""))
    .map((h) => h.key)
    .sort();
  return [...hosts.map((key) => ({ kind: "host" as const, key })), ...[...datacenters].sort().map((key) => ({ kind: "datacenter" as const, key }))];
}
