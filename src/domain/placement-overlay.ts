import { NEW_REPLICA_KEY } from "./explain-verdict.ts";
import type { ContainerRights } from "./scale.ts";
import type { ContainerNode, Topology, UnitRef, VirtualMachineNode } from "./topology.ts";
import { hostUnder, rememberUnitsIndex, unitsIndex, unitsIndexWithUnit } from "./units-index.ts";

/*
 * A topology with one more unit: the replica that placement advice imagines on a candidate.
 * Every map but one is the topology's own; the one the new unit belongs in answers for it too,
 * and so do its units index's lists (the host's: a replica of another tenant on a dedicated host
 * voids its dedication), so the separation and anti-affinity rules read it exactly as they
 * would read a synced unit.
 */

/** Where the new replica goes: in a VM or on a host (a Kubernetes node is one of these), or somewhere in a datacenter. */
export type CandidatePlace = { kind: "virtualMachine" | "host" | "datacenter"; key: string };

/** What the new replica is: a container (with its runtime, and whether it has its node's rights or files) or a VM. */
export type ReplicaKind = ({ kind: "container" } & ContainerRights) | { kind: "virtualMachine" };

class PlusOne<V> implements ReadonlyMap<string, V> {
  constructor(
    private readonly base: ReadonlyMap<string, V>,
    private readonly key: string,
    private readonly value: V,
  ) {}
  get size() {
    return this.base.size + 1;
  }
  get(key: string) {
    return key === this.key ? this.value : this.base.get(key);
  }
  has(key: string) {
    return key === this.key || this.base.has(key);
  }
  *entries(): MapIterator<[string, V]> {
    yield* this.base.entries();
    yield [this.key, this.value];
  }
  *keys(): MapIterator<string> {
    yield* this.base.keys();
    yield this.key;
  }
  *values(): MapIterator<V> {
    yield* this.base.values();
    yield this.value;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  forEach(fn: (value: V, key: string, map: ReadonlyMap<string, V>) => void) {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
}

/** The replica's kind where none was asked for: a container in a VM or node, a VM on a host or in a datacenter. */
export function defaultReplicaKind(place: CandidatePlace): ReplicaKind {
  return place.kind === "virtualMachine" ? { kind: "container", runtime: "runc", privileged: false, nodeFiles: false } : { kind: "virtualMachine" };
}

/**
 * The topology with the new replica of `workload` (of `tenant`) on `place`. A container may
 * not go "somewhere in a datacenter": nothing would hold it; the caller asks a VM there.
 */
export function withNewReplica(topology: Topology, place: CandidatePlace, replica: ReplicaKind, tenant: string, workload: string): { topology: Topology; unit: UnitRef } {
  if (replica.kind === "container") {
    if (place.kind === "datacenter") throw new Error("a container needs a VM or a host to run on");
    const node: ContainerNode = {
      key: NEW_REPLICA_KEY,
      source: "",
      runtime: replica.runtime,
      privileged: replica.privileged,
      nodeFiles: replica.nodeFiles,
      tenant,
      workload,
      virtualMachine: place.kind === "virtualMachine" ? place.key : null,
      host: place.kind === "host" ? place.key : null,
    };
    return withUnit(topology, { ...topology, containers: new PlusOne(topology.containers, NEW_REPLICA_KEY, node) }, { kind: "container", key: NEW_REPLICA_KEY }, node);
  }
  const node: VirtualMachineNode = {
    key: NEW_REPLICA_KEY,
    source: "",
    tenant,
    workload,
    dedicated: false,
    host: place.kind === "host" ? place.key : null,
    container: null,
    datacenter: place.kind === "datacenter" ? place.key : null,
  };
  if (place.kind === "virtualMachine") throw new Error("a VM replica goes on a host or in a datacenter, not in a VM");
  return withUnit(topology, { ...topology, virtualMachines: new PlusOne(topology.virtualMachines, NEW_REPLICA_KEY, node) }, { kind: "virtualMachine", key: NEW_REPLICA_KEY }, node);
}

/** The overlay, its units index the topology's with the new unit in its lists. */
function withUnit(topology: Topology, plus: Topology, unit: UnitRef, node: ContainerNode | VirtualMachineNode): { topology: Topology; unit: UnitRef } {
  rememberUnitsIndex(plus, unitsIndexWithUnit(unitsIndex(topology), unit, { tenant: node.tenant, workload: node.workload, host: hostUnder(node) }));
  return { topology: plus, unit };
}
