import type { ContainerNode, Topology, UnitRef, VirtualMachineNode } from "./topology.ts";
import { compareUnitRef } from "./compare-code-units.ts";
import { getOrInsert } from "./get-or-insert.ts";

/*
 * The units of each workload and of each tenant (containers and VMs only: hosts belong to no
 * tenant), and those sitting directly on each host, derived once per topology and cached beside it.
 */
export interface UnitsIndex {
  byWorkload: ReadonlyMap<string, UnitRef[]>;
  byTenant: ReadonlyMap<string, UnitRef[]>;
  /** The host-level units on each host id, synced or dangling: whether its dedication is honoured (dedication.ts). */
  byHost: ReadonlyMap<string, UnitRef[]>;
}

/**
 * The host a unit sits directly on: the next unit up is that host, as separation.ts `chainOf`
 * walks it (a VM's host before its container; a container's VM before its host). Null: none.
 */
export function hostUnder(node: VirtualMachineNode | ContainerNode): string | null {
  if ("virtualMachine" in node) return node.virtualMachine ? null : node.host || null; // a container
  return node.host || null;
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
  const byHost = new Map<string, UnitRef[]>();
  const add = (map: Map<string, UnitRef[]>, key: string, unit: UnitRef) => getOrInsert(map, key, () => []).push(unit);
  let n = 0;
  for (const vm of topology.virtualMachines.values()) {
    if (++n % UNITS_PER_STEP === 0) yield;
    const unit: UnitRef = { kind: "virtualMachine", key: vm.key };
    add(byTenant, vm.tenant, unit);
    if (vm.workload) add(byWorkload, vm.workload, unit);
    const host = hostUnder(vm);
    if (host !== null) add(byHost, host, unit);
  }
  for (const container of topology.containers.values()) {
    if (++n % UNITS_PER_STEP === 0) yield;
    const unit: UnitRef = { kind: "container", key: container.key };
    add(byTenant, container.tenant, unit);
    if (container.workload) add(byWorkload, container.workload, unit);
    const host = hostUnder(container);
    if (host !== null) add(byHost, host, unit);
  }
  n = 0;
  for (const list of [...byWorkload.values(), ...byTenant.values(), ...byHost.values()]) {
    list.sort(compareUnitRef);
    n += list.length;
    if (n > UNITS_PER_STEP) {
      n = 0;
      yield;
    }
  }
  const index = { byWorkload, byTenant, byHost };
  cache.set(topology, index);
  return index;
}

/** Where one more unit joins a units index: its tenant, its workload and the host it sits directly on. */
export interface Joins {
  tenant: string;
  workload: string | null;
  host: string | null;
}

/**
 * `index` with one more unit (placement-overlay.ts imagines a replica): each list the unit
 * joins made, in order, when first read; every other list the index's own, so a candidate
 * costs nothing here until a rule reads one of its lists (its host's, for dedication).
 */
export function unitsIndexWithUnit(index: UnitsIndex, unit: UnitRef, joins: Joins): UnitsIndex {
  return {
    byWorkload: new WithUnit(index.byWorkload, joins.workload, unit),
    byTenant: new WithUnit(index.byTenant, joins.tenant, unit),
    byHost: new WithUnit(index.byHost, joins.host, unit),
  };
}

class WithUnit implements ReadonlyMap<string, UnitRef[]> {
  private joined: UnitRef[] | undefined;

  constructor(
    private readonly base: ReadonlyMap<string, UnitRef[]>,
    private readonly key: string | null,
    private readonly unit: UnitRef,
  ) {}

  private listOf(key: string): UnitRef[] | undefined {
    if (key !== this.key) return this.base.get(key);
    return (this.joined ??= [...(this.base.get(key) ?? []), this.unit].sort(compareUnitRef));
  }

  get size() {
    return this.base.size + (this.key !== null && !this.base.has(this.key) ? 1 : 0);
  }
  get(key: string) {
    return this.listOf(key);
  }
  has(key: string) {
    return key === this.key || this.base.has(key);
  }
  *entries(): MapIterator<[string, UnitRef[]]> {
    for (const key of this.base.keys()) yield [key, this.listOf(key)!];
    if (this.key !== null && !this.base.has(this.key)) yield [this.key, this.listOf(this.key)!];
  }
  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }
  *values(): MapIterator<UnitRef[]> {
    for (const [, list] of this.entries()) yield list;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  forEach(fn: (value: UnitRef[], key: string, map: ReadonlyMap<string, UnitRef[]>) => void) {
    for (const [key, list] of this.entries()) fn(list, key, this);
  }
}
