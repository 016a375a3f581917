import type { Topology, UnitRef } from "./topology.ts";
import { compareUnitRef } from "./compare-code-units.ts";
import { getOrInsert } from "./get-or-insert.ts";

/*
 * The units of each workload and of each tenant (containers and VMs only: hosts belong to no
 * tenant), derived once per topology and cached beside it.
 */
export interface UnitsIndex {
  byWorkload: ReadonlyMap<string, UnitRef[]>;
  byTenant: ReadonlyMap<string, UnitRef[]>;
}

const cache = new WeakMap<Topology, UnitsIndex>();

export function unitsIndex(topology: Topology): UnitsIndex {
  const steps = unitsIndexSteps(topology);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** Keeps `index` as the units index of `topology`: one a per-sync patch made (src/domain/patch-topology.ts). */
export function rememberUnitsIndex(topology: Topology, index: UnitsIndex): void {
  cache.set(topology, index);
}

/** Units handled between two yields: well under a millisecond. */
const UNITS_PER_STEP = 512;

/** The same in steps, so a service building it for a large fleet keeps answering. */
export function* unitsIndexSteps(topology: Topology): Generator<void, UnitsIndex> {
  const cached = cache.get(topology);
  if (cached) return cached;
  const byWorkload = new Map<string, UnitRef[]>();
  const byTenant = new Map<string, UnitRef[]>();
  const add = (map: Map<string, UnitRef[]>, key: string, unit: UnitRef) => getOrInsert(map, key, () => []).push(unit);
  let n = 0;
  for (const vm of topology.virtualMachines.values()) {
    if (++n % UNITS_PER_STEP === 0) yield;
    const unit: UnitRef = { kind: "virtualMachine", key: vm.key };
    add(byTenant, vm.tenant, unit);
    if (vm.workload) add(byWorkload, vm.workload, unit);
  }
  for (const container of topology.containers.values()) {
    if (++n % UNITS_PER_STEP === 0) yield;
    const unit: UnitRef = { kind: "container", key: container.key };
    add(byTenant, container.tenant, unit);
    if (container.workload) add(byWorkload, container.workload, unit);
  }
  n = 0;
  for (const list of [...byWorkload.values(), ...byTenant.values()]) {
    list.sort(compareUnitRef);
    n += list.length;
    if (n > UNITS_PER_STEP) {
      n = 0;
      yield;
    }
  }
  const index = { byWorkload, byTenant };
  cache.set(topology, index);
  return index;
}
