import type { Topology, UnitRef } from "./topology.ts";
import { compareUnitRef } from "./compare-code-units.ts";
import { getOrInsert } from "./get-or-insert.ts";

/**
 * The units of each workload and of each tenant (containers and VMs only: hosts belong to no
 * tenant), derived once per topology and cached beside it.
 */
export interface UnitsIndex {
  byWorkload: ReadonlyMap<string, UnitRef[]>;
  byTenant: ReadonlyMap<string, UnitRef[]>;
}

const cache = new WeakMap<Topology, UnitsIndex>();

export function unitsIndex(topology: Topology): UnitsIndex {
  return getOrInsert(cache, topology, buildUnitsIndex);
}

function buildUnitsIndex(topology: Topology): UnitsIndex {
  const byWorkload = new Map<string, UnitRef[]>();
  const byTenant = new Map<string, UnitRef[]>();
  const add = (map: Map<string, UnitRef[]>, key: string, unit: UnitRef) => getOrInsert(map, key, () => []).push(unit);
  for (const vm of topology.virtualMachines.values()) {
    const unit: UnitRef = { kind: "virtualMachine", key: vm.key };
    add(byTenant, vm.tenant, unit);
    if (vm.workload) add(byWorkload, vm.workload, unit);
  }
  for (const container of topology.containers.values()) {
    const unit: UnitRef = { kind: "container", key: container.key };
    add(byTenant, container.tenant, unit);
    if (container.workload) add(byWorkload, container.workload, unit);
  }
  for (const list of [...byWorkload.values(), ...byTenant.values()]) list.sort(compareUnitRef);
  return { byWorkload, byTenant };
}
