import { nodeOf, ownWorkload, unitNodes, type TopologyInput } from "./build-topology.ts";
import { compareUnitRef } from "./compare-code-units.ts";
import { getOrInsert } from "./get-or-insert.ts";
import { flattenSteps, LayeredMap, worthFlattening } from "./layered-map.ts";
import { inheritChains, unitId } from "./separation.ts";
import type { Topology, UnitKind, UnitRef } from "./topology.ts";
import { hostUnder, type UnitsIndex } from "./units-index.ts";

/*
 * A sync's changes applied to a topology: the topology (and its units of each workload and
 * tenant) a full load would give after them, made in time proportional to the changes. The
 * given topology is left as it was: answers under way keep reading it.
 */
export type Part = keyof Topology;
export const PARTS: readonly Part[] = ["datacenters", "racks", "hosts", "virtualMachines", "containers", "tenants", "workloads"];

export interface TopologyChanges {
  /** Every key that changed, by part. */
  keys: Record<Part, readonly string[]>;
  /**
   * The rows of those keys as they are now; a changed key without a row was removed. The units
   * that name a changed workload must be among them (whether a unit belongs to a workload
   * depends on the workload's tenant: build-topology.ts).
   */
  rows: Required<TopologyInput>;
}

/** Records handled between two yields. */
const RECORDS_PER_STEP = 256;

export function* patchTopologySteps(topology: Topology, units: UnitsIndex, changes: TopologyChanges): Generator<void, { topology: Topology; units: UnitsIndex }> {
  const workloads = yield* patchPart(topology.workloads, changes.keys.workloads, changes.rows.workloads, nodeOf.workloads);
  const unit = unitNodes(ownWorkload((workload) => workloads.get(workload)?.tenant));
  const patched: Topology = {
    datacenters: yield* patchPart(topology.datacenters, changes.keys.datacenters, changes.rows.datacenters, nodeOf.datacenters),
    racks: yield* patchPart(topology.racks, changes.keys.racks, changes.rows.racks, nodeOf.racks),
    hosts: yield* patchPart(topology.hosts, changes.keys.hosts, changes.rows.hosts, nodeOf.hosts),
    virtualMachines: yield* patchPart(topology.virtualMachines, changes.keys.virtualMachines, changes.rows.virtualMachines, unit.virtualMachines),
    containers: yield* patchPart(topology.containers, changes.keys.containers, changes.rows.containers, unit.containers),
    tenants: yield* patchPart(topology.tenants, changes.keys.tenants, changes.rows.tenants, nodeOf.tenants),
    workloads,
  };
  inheritChains(patched, topology);
  patches.set(patched, {
    from: new WeakRef(topology),
    held: topology,
    keys: changes.keys,
    units: { container: touchedKeys(changes, "containers"), virtualMachine: touchedKeys(changes, "virtualMachines"), host: new Set() },
  });
  return { topology: patched, units: yield* patchUnits(topology, patched, units, changes) };
}

/** The keys of a part the changes name: changed, and rows handed in (the units of a changed workload). */
function touchedKeys(changes: TopologyChanges, part: "containers" | "virtualMachines"): Set<string> {
  return new Set([...changes.keys[part], ...changes.rows[part].map((r) => (r.key ?? r.id) as string)]);
}

/** A patched topology's origin: what it was patched from, and the containers and VMs whose rows the patch touched. */
export interface PatchOrigin {
  topology: Topology;
  units: Record<UnitKind, ReadonlySet<string>>;
}

/**
 * What each patch changed, kept as long as the patched topology. The topology it was patched
 * from is held (`held`) only until the patched one is warm (`forgetPatchOrigin`: the report's
 * index is carried from its origin's), then weakly: else every patched topology would keep the
 * one before it alive, and so on.
 */
interface PatchRecord {
  from: WeakRef<Topology>;
  held: Topology | null;
  keys: Record<Part, readonly string[]>;
  units: Record<UnitKind, ReadonlySet<string>>;
}
const patches = new WeakMap<Topology, PatchRecord>();

/**
 * The keys whose rows changed between `before` and `after`, by part, when `after` was patched
 * from `before`, directly or through patches in between (every other key's node is the same
 * object: a patch makes a new node only for a changed row); else null.
 */
export function keysChangedSince(after: Topology, before: Topology): Record<Part, readonly string[]> | null {
  const keys = Object.fromEntries(PARTS.map((part) => [part, new Set<string>()])) as Record<Part, Set<string>>;
  for (let t: Topology | undefined = after; t !== before;) {
    const patch: PatchRecord | undefined = t && patches.get(t);
    if (!patch) return null;
    for (const part of PARTS) for (const key of patch.keys[part]) keys[part].add(key);
    t = patch.from.deref();
  }
  const changed = {} as Record<Part, readonly string[]>;
  for (const part of PARTS) changed[part] = [...keys[part]];
  return changed;
}

/** Until the patched topology is warm: its origin, held. */
export function patchOrigin(topology: Topology): PatchOrigin | undefined {
  const patch = patches.get(topology);
  return patch?.held ? { topology: patch.held, units: patch.units } : undefined;
}

/**
 * The nearest topology before this one, through held origins, that `usable` accepts, with the
 * containers and VMs whose rows any patch since touched: a warm-up overtaken by the next sync
 * stops (and so keeps its origin held), and the topology after it then carries from the last
 * one that was built, not from nothing.
 */
export function nearestOrigin(topology: Topology, usable: (origin: Topology) => boolean): PatchOrigin | undefined {
  const units: Record<UnitKind, Set<string>> = { container: new Set(), virtualMachine: new Set(), host: new Set() };
  for (let origin = patchOrigin(topology); origin; origin = patchOrigin(origin.topology)) {
    for (const kind of Object.keys(units) as UnitKind[]) for (const key of origin.units[kind]) units[kind].add(key);
    if (usable(origin.topology)) return { topology: origin.topology, units };
  }
  return undefined;
}

/** Lets the origin go, keeping what the patch changed. */
export function forgetPatchOrigin(topology: Topology): void {
  const patch = patches.get(topology);
  if (patch) patch.held = null;
}

/** One part's map with the changed keys' rows made nodes, and the keys without a row removed. */
function* patchPart<T extends { key: string }, R extends { key?: string; id?: string }>(map: ReadonlyMap<string, T>, keys: readonly string[], rows: readonly R[], node: (row: Required<R>) => T): Generator<void, ReadonlyMap<string, T>> {
  if (keys.length === 0 && rows.length === 0) return map;
  const set: [string, T][] = [];
  for (let i = 0; i < rows.length; i++) {
    if (i % RECORDS_PER_STEP === RECORDS_PER_STEP - 1) yield;
    const made = node(rows[i] as Required<R>);
    set.push([made.key, made]);
  }
  const present = new Set(set.map(([key]) => key));
  return LayeredMap.over(
    map,
    set,
    keys.filter((key) => !present.has(key)),
  );
}

/** The units of each workload, tenant and host, each list a changed unit was or now is in made anew. */
function* patchUnits(before: Topology, after: Topology, units: UnitsIndex, changes: TopologyChanges): Generator<void, UnitsIndex> {
  const edits = { byWorkload: new Map<string, ListEdit>(), byTenant: new Map<string, ListEdit>(), byHost: new Map<string, ListEdit>() };
  const edit = (map: Map<string, ListEdit>, key: string) => getOrInsert(map, key, (): ListEdit => ({ removed: new Set(), added: [] }));
  let n = 0;
  for (const kind of ["virtualMachine", "container"] as const) {
    const part = kind === "container" ? "containers" : "virtualMachines";
    for (const key of touchedKeys(changes, part)) {
      if (++n % RECORDS_PER_STEP === 0) yield;
      const old = before[part].get(key);
      const now = after[part].get(key);
      const unit: UnitRef = { kind, key };
      const [oldHost, nowHost] = [old ? hostUnder(old) : null, now ? hostUnder(now) : null];
      if (old) edit(edits.byTenant, old.tenant).removed.add(unitId(unit));
      if (old?.workload) edit(edits.byWorkload, old.workload).removed.add(unitId(unit));
      if (oldHost !== null) edit(edits.byHost, oldHost).removed.add(unitId(unit));
      if (now) edit(edits.byTenant, now.tenant).added.push(unit);
      if (now?.workload) edit(edits.byWorkload, now.workload).added.push(unit);
      if (nowHost !== null) edit(edits.byHost, nowHost).added.push(unit);
    }
  }
  return { byWorkload: patchLists(units.byWorkload, edits.byWorkload), byTenant: patchLists(units.byTenant, edits.byTenant), byHost: patchLists(units.byHost, edits.byHost) };
}

interface ListEdit {
  /** The units that were in the list ("kind:key"). */
  removed: Set<string>;
  added: UnitRef[];
}

/** Each edited list filtered, extended and sorted as a full build sorts it; an emptied list goes, as a full build would not have it. */
function patchLists(map: ReadonlyMap<string, UnitRef[]>, edits: Map<string, ListEdit>): ReadonlyMap<string, UnitRef[]> {
  const set: [string, UnitRef[]][] = [];
  const removed: string[] = [];
  for (const [key, { removed: gone, added }] of edits) {
    const keep = (map.get(key) ?? []).filter((unit) => !gone.has(unitId(unit)));
    const list = [...keep, ...added].sort(compareUnitRef);
    if (list.length === 0) removed.push(key);
    else set.push([key, list]);
  }
  return LayeredMap.over(map, set, removed);
}

/**
 * A patched topology's maps (and its units index's) whose changes have grown deep folded into
 * plain Maps, in steps: the same entries in the same order, so what reads them sees no change,
 * only faster lookups. The others stay layered (layered-map.ts `worthFlattening`): the next
 * patch merges its changes into theirs. Each field is swapped once its copy is whole; a walk
 * under way goes on over the layered map.
 */
export function* flattenTopologySteps(topology: Topology, units: UnitsIndex | undefined): Generator<void, void> {
  const parts = topology as Record<Part, ReadonlyMap<string, unknown>>;
  for (const part of PARTS) if (worthFlattening(parts[part])) parts[part] = yield* flattenSteps(parts[part]);
  if (units && worthFlattening(units.byWorkload)) units.byWorkload = yield* flattenSteps(units.byWorkload);
  if (units && worthFlattening(units.byTenant)) units.byTenant = yield* flattenSteps(units.byTenant);
  if (units && worthFlattening(units.byHost)) units.byHost = yield* flattenSteps(units.byHost);
}
