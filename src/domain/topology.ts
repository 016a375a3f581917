import type { AntiAffinityLevel, AntiAffinityMode, IsolationLevel } from "./scale.ts";

/*
 * The placement graph the separation rules read: compute units with their parents, and the
 * physical places above them. Pure data, built from inventory rows by whoever loads them
 * (src/isolation/load-topology.ts), so the rules never touch I/O.
 *
 * A reference to an object that is not in the topology (a dangling id) is kept as the key:
 * its kind is known from the field that names it, what lies above it is not.
 */
export type UnitKind = "container" | "virtualMachine" | "host";

export interface UnitRef {
  kind: UnitKind;
  key: string;
}

export interface ContainerNode {
  key: string;
  source: string;
  runtime: string;
  /** Has its node's rights (docs/separation.md): its wall is then `containerWall`'s. */
  privileged: boolean;
  /** Mounts its node's files, a hostPath volume (docs/separation.md): its wall is then `containerWall`'s under every runtime. */
  nodeFiles: boolean;
  tenant: string;
  workload: string | null;
  virtualMachine: string | null;
  host: string | null;
}

export interface VirtualMachineNode {
  key: string;
  source: string;
  tenant: string;
  workload: string | null;
  dedicated: boolean;
  host: string | null;
  container: string | null;
  /** The datacenter a cloud VM names when its host is hidden. */
  datacenter: string | null;
}

export interface HostNode {
  key: string;
  source: string;
  rack: string | null;
  datacenter: string | null;
  dedicatedTo: string | null;
  /**
   * The provider's placement group this host stands for a slot of (an AWS spread or partition
   * group, an Azure availability set's fault domain), or null for a host of its own. Such a host
   * is known to be apart only from the other hosts of its group, and its rack only from the
   * other racks of its group: against anything else it may be the same machine (docs/separation.md).
   */
  placementGroup: string | null;
}

export interface RackNode {
  key: string;
  source: string;
  datacenter: string;
  powerDomains: readonly string[];
  networkDomains: readonly string[];
}

export interface DatacenterNode {
  key: string;
  /** Every source that describes it: it is their union (several sources may see one place). */
  sources: readonly string[];
  region: string | null;
  hazardZones: readonly string[];
  planet: string;
}

export interface TenantNode {
  key: string;
  source: string;
  organization: string;
  name: string | null;
}

export interface WorkloadNode {
  key: string;
  source: string;
  tenant: string;
  minimumIsolation: IsolationLevel | null;
  /** Its anti-affinity rules in force (an operator's override, else its snapshot's). */
  antiAffinity: readonly AntiAffinityRule[];
  /** The fewest replicas it needs running; null when its owner set none. */
  minHealthyReplicas: number | null;
}

/** A spread rule (docs/anti-affinity.md). */
export interface AntiAffinityRule {
  level: AntiAffinityLevel;
  maxPerDomain?: number;
  minDomains?: number;
  maxSkew?: number;
  mode: AntiAffinityMode;
}

export interface Topology {
  containers: ReadonlyMap<string, ContainerNode>;
  virtualMachines: ReadonlyMap<string, VirtualMachineNode>;
  hosts: ReadonlyMap<string, HostNode>;
  racks: ReadonlyMap<string, RackNode>;
  datacenters: ReadonlyMap<string, DatacenterNode>;
  tenants: ReadonlyMap<string, TenantNode>;
  workloads: ReadonlyMap<string, WorkloadNode>;
}

/** When each source last synced: the freshness of its objects. Kept apart from the topology, which changes less often. */
export type Freshness = ReadonlyMap<string, Date>;

/** Why a host's place is not known: its synced rack, and the other datacenter it names itself. */
export interface HostPlaceConflict {
  rack: RackNode;
  named: string;
}

/**
 * A host that names a datacenter other than its synced rack's (the rack described by another
 * source, or moved since): it is in one of the two, and the data cannot say which. Null for a
 * host whose place is not contradicted. Syncs warn about it (src/inventory); the rules read
 * such a host's rack and datacenter as not known (docs/separation.md), never the rack's.
 */
export function hostPlaceConflict(topology: Topology, host: HostNode): HostPlaceConflict | null {
  const rack = host.rack ? topology.racks.get(host.rack) : undefined;
  return rack && host.datacenter !== null && host.datacenter !== rack.datacenter ? { rack, named: host.datacenter } : null;
}

/** A host's rack as the rules read it: the one it names, unless its place is contradicted (`hostPlaceConflict`). */
export function hostRack(topology: Topology, host: HostNode): string | null {
  return hostPlaceConflict(topology, host) ? null : host.rack;
}

/**
 * A host's datacenter: its rack's when the rack is synced, else the one it names (or null);
 * null when the two differ (`hostPlaceConflict`): reading either would prove the host apart
 * from the other, which the data does not.
 */
export function hostDatacenter(topology: Topology, host: HostNode): string | null {
  const rack = host.rack ? topology.racks.get(host.rack) : undefined;
  if (!rack) return host.datacenter;
  return hostPlaceConflict(topology, host) ? null : rack.datacenter;
}

/**
 * The placement group a host is known apart within (docs/separation.md): a synced host's own
 * (null: a host of its own); a dangling host is a group of its own. Nobody described it, so
 * nothing says its id is not another name for some other machine (a connector names the slot
 * of a group another account owns, a host another source describes under its own name): it is
 * one host to every unit that names it, and possibly the very machine of any other.
 */
export function hostPlacementGroup(key: string, host: HostNode | undefined): string | null {
  return host ? host.placementGroup : `${DANGLING_HOST}${key}`;
}

/** What starts the group of a dangling host: no synced host's group holds a NUL (PostgreSQL text cannot). */
export const DANGLING_HOST = "\u0000dangling-host\u0000";
