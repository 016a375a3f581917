import type { FleetReport } from "./fleet-report-rows.ts";
import { requiredLevel, type Policy } from "./policy.ts";
import { rank } from "./scale.ts";
import { datacenterSeparation } from "./separation.ts";
import { carryOf, precedes, UNKNOWN_DC, type SharedPlaces, type UnitFacts } from "./shared-places.ts";
import type { Carry } from "./patch-shared-places.ts";
import { keysChangedSince } from "./patch-topology.ts";
import type { Topology } from "./topology.ts";
import { DATACENTER, HOST } from "./workload-scan.ts";

/*
 * Which workloads' report rows can differ between a kept report and a new topology's, so that
 * only those are scanned again and the others' rows carried over (src/domain/patch-report.ts).
 *
 * A row (workload W, tenant T) is what the scan of W finds of T: it reads the policy, W's
 * minimum, the organizations of W's tenant and of T, W's units (their ways up, racks and
 * datacenters), and of T's units only those at the places W's units visit (fleet-report.ts
 * says which: shared compute units, possibly shared hosts and hosts apart in W's units'
 * datacenter groups, racks and domains there, W's datacenters and those rule 3 does not put a
 * PLANET apart from them) and, for an UNPROVEN row, T's presence at the places above W's units
 * (`refinePossible`: racks, datacenters, zones, regions, planets). So with the same policy and
 * datacenters, a row of W can change only when
 *
 * 1. W itself changed (its tenant or minimum), or one of its units did;
 * 2. a changed unit (added, removed, or anything on its way up: a host moved to another rack,
 *    a rack's domains, a dedication, a runtime) is, before or after, at a place W's units visit
 *    at W's strongest requirement: in one of their chains, in their datacenter group or the
 *    unknown one (any group when theirs is unknown) for a possibly shared host (a hidden host
 *    on either side, or different placement groups) or, from HOST up, anywhere there; or, from
 *    HAZARD_ZONE up, in a datacenter rule 3 puts below W's requirement from theirs;
 * 3. W has an UNPROVEN row against a tenant with a changed unit (its possible may move).
 *
 * A row can appear only for a W of 1 or 2 (its actual comes from the visited places). The scan
 * breaks ties between equal pairs by the order it visits places in: places of a kind in key
 * order (workload-scan.ts), and a place's unit for a tenant is its first in key order, so the
 * order is W's and T's alone (a new datacenter or host group holds only changed units). When the
 * policy, the datacenters or the organization of a tenant the kept report numbered changed, the
 * whole report is scanned again. Being wrong here would carry
 * over a row the data no longer proves: test/domain/patch-report.test.ts compares the result
 * with a full scan row for row on random fleets through random changes.
 */
export type ReportChanges =
  | { full: string }
  | {
      rescan: Set<string>;
      /** The kept report's unit numbers and tenant numbers → the new index's (-1: gone). */
      units: Int32Array;
      tenants: Int32Array;
    };

/** Units compared between two yields. */
const UNITS_PER_STEP = 1024;
/** Report rows read between two yields. */
const ROWS_PER_STEP = 16_384;

export function* reportChangesSteps(before: FleetReport, topology: Topology, places: SharedPlaces, policy: Policy): Generator<void, ReportChanges> {
  const full = wholeFleetChange(before, topology, policy);
  if (full) return { full };
  const racks = changedRacks(before.topology, topology);
  const { units, changed } = yield* changedUnits(before.places, places, racks);
  const tenants = Int32Array.from(before.places.tenantNames, (name) => places.tenantIds.get(name) ?? -1);
  const rescan = changedWorkloads(before.topology, topology);
  for (const f of changed) if (f.workload !== null) rescan.add(f.workload);
  if (changed.length > 0) {
    yield* nearChangedUnits(topology, places, policy, new ChangedUnits(topology, changed), rescan);
    yield* unprovenAgainstChanged(before, new Set(changed.map((f) => f.tenant)), rescan);
  }
  return { rescan, units, tenants };
}

/** Why the whole report must be scanned again, or null. */
function wholeFleetChange(before: FleetReport, topology: Topology, policy: Policy): string | null {
  const was = before.policy;
  if (was.version !== policy.version || was.sameTenant !== policy.sameTenant || was.sameOrganization !== policy.sameOrganization || was.otherOrganization !== policy.otherOrganization) return "policy";
  if (!sameEntries(before.topology.datacenters, topology.datacenters, (a, b) => a.region === b.region && a.planet === b.planet && sameList(a.hazardZones, b.hazardZones))) return "datacenters";
  for (const key of changedKeys(before.topology, topology, "tenants")) {
    if (before.topology.tenants.get(key)?.organization !== topology.tenants.get(key)?.organization && before.places.tenantIds.has(key)) return "organizations";
  }
  return null;
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The same keys with equal values. */
function sameEntries<T>(a: ReadonlyMap<string, T>, b: ReadonlyMap<string, T>, equal: (x: T, y: T) => boolean): boolean {
  if (a.size !== b.size) return false;
  for (const [key, x] of a) {
    const y = b.get(key);
    if (y === undefined || !equal(x, y)) return false;
  }
  return true;
}

/** Racks whose datacenter or domains differ, or that came or went. */
function changedRacks(before: Topology, after: Topology): Set<string> {
  const changed = new Set<string>();
  for (const [key, a] of before.racks) {
    const b = after.racks.get(key);
    if (!b || a.datacenter !== b.datacenter || !sameList(a.powerDomains, b.powerDomains) || !sameList(a.networkDomains, b.networkDomains)) changed.add(key);
  }
  for (const key of after.racks.keys()) if (!before.racks.has(key)) changed.add(key);
  return changed;
}

/**
 * Every unit matched by its kind and key, walking both indexes' units side by side (both are in
 * the same order: shared-places.ts `precedes`); the changed ones (new, gone, or different), as
 * they were and as they are.
 */
function* changedUnits(before: SharedPlaces, after: SharedPlaces, racks: Set<string>): Generator<void, { units: Int32Array; changed: UnitFacts[] }> {
  const carry = carryOf(after);
  if (carry?.from.deref() === before) return changedInCarry(carry, racks);
  const units = new Int32Array(before.units.length).fill(-1);
  const changed: UnitFacts[] = [];
  let j = 0;
  for (let i = 0; i < after.units.length; i++) {
    if (i % UNITS_PER_STEP === UNITS_PER_STEP - 1) yield;
    const now = after.units[i];
    while (j < before.units.length && precedes(before.units[j].ref, now.ref)) j++;
    const next = before.units[j] as UnitFacts | undefined;
    const was = next && next.ref.kind === now.ref.kind && next.ref.key === now.ref.key ? next : undefined;
    if (was) units[was.index] = now.index;
    if (!was || !sameUnit(was, now, racks) || hostLevelTenant(before, was) !== hostLevelTenant(after, now)) changed.push(...(was ? [was, now] : [now]));
  }
  for (let i = 0; i < before.units.length; i++) if (units[i] === -1) changed.push(before.units[i]);
  return { units, changed };
}

/**
 * The same from how `after` was carried from `before` (patch-shared-places.ts): a kept unit is
 * unchanged (its facts are the ones it had), so only the units entered anew are compared.
 */
function changedInCarry(carry: Carry, racks: Set<string>): { units: Int32Array; changed: UnitFacts[] } {
  const units = carry.unitMap.slice();
  const changed: UnitFacts[] = [...carry.added];
  for (const [was, now] of carry.reentered) {
    units[was.index] = now.index;
    // The numbering is carried: equal tenant numbers are equal tenants.
    if (!sameUnit(was, now, racks) || was.hostLevelTenantId !== now.hostLevelTenantId) changed.push(was, now);
  }
  changed.push(...carry.gone);
  return { units, changed };
}

/** The tenant of the unit's host-level unit, which dedication is checked against (null: not known); numbers differ between indexes, names do not. */
function hostLevelTenant(places: SharedPlaces, f: UnitFacts): string | null {
  return f.hostLevelTenantId === -1 ? null : places.tenantNames[f.hostLevelTenantId];
}

/** Everything the scan reads of a unit but its host-level tenant (its signatures and places follow from these). */
function sameUnit(a: UnitFacts, b: UnitFacts, racks: Set<string>): boolean {
  const [x, y] = [a.chain, b.chain];
  if (a.tenant !== b.tenant || a.workload !== b.workload || a.rackSynced !== b.rackSynced || a.rackDomainsKnown !== b.rackDomainsKnown) return false;
  if (x.host !== y.host || x.rack !== y.rack || x.placementGroup !== y.placementGroup || x.datacenter !== y.datacenter || x.belowHost !== y.belowHost) return false;
  if (x.rack !== null && racks.has(x.rack)) return false;
  if (x.links.length !== y.links.length) return false;
  return x.links.every((l, i) => {
    const m = y.links[i];
    return l.kind === m.kind && l.key === m.key && l.boundary === m.boundary && l.dedicatedTo === m.dedicatedTo && l.synced === m.synced;
  });
}

/** Workloads added, or whose tenant or minimum changed (one removed has no rows left). */
function changedWorkloads(before: Topology, after: Topology): Set<string> {
  const changed = new Set<string>();
  for (const key of changedKeys(before, after, "workloads")) {
    const [was, w] = [before.workloads.get(key), after.workloads.get(key)];
    if (w && (!was || was.tenant !== w.tenant || was.minimumIsolation !== w.minimumIsolation)) changed.add(key);
  }
  return changed;
}

/**
 * The keys of a part that may differ between two topologies: the keys the patch changed when
 * `after` was patched from `before` (every other node is the same object), else every key of
 * either (a walk of tens of thousands of entries, one block of the event loop: the common case
 * after a sync is the patch).
 */
function changedKeys(before: Topology, after: Topology, part: "tenants" | "workloads"): Iterable<string> {
  return keysChangedSince(after, before)?.[part] ?? new Set([...before[part].keys(), ...after[part].keys()]);
}

/** Where the changed units are (as they were and as they are), as the visit of a unit of another workload meets them. */
class ChangedUnits {
  readonly links = new Set<string>();
  /** Per datacenter group, and over all: whether one is on a hidden host, and the placement groups of those on known hosts. */
  private readonly byDc = new Map<string, { hidden: boolean; groups: Set<string | null> }>();
  private readonly all = { hidden: false, groups: new Set<string | null>() };
  private readonly nearest = new Map<string, number>();

  constructor(
    private readonly topology: Topology,
    changed: UnitFacts[],
  ) {
    for (const f of changed) {
      for (const id of f.chain.ids) this.links.add(id);
      let dc = this.byDc.get(f.dc);
      if (!dc) this.byDc.set(f.dc, (dc = { hidden: false, groups: new Set() }));
      for (const where of [dc, this.all]) {
        if (f.hostKnown) where.groups.add(f.placementGroup);
        else where.hidden = true;
      }
    }
  }

  /** Whether the visit of unit u, for a workload whose strongest requirement is `threshold`, meets a changed unit. */
  met(u: UnitFacts, threshold: number): boolean {
    const { ids } = u.chain;
    for (let i = 0; i < ids.length; i++) if (this.links.has(ids[i])) return true;
    if (u.dc === UNKNOWN_DC) {
      if (meets(this.all, u, threshold)) return true;
    } else if (meets(this.byDc.get(u.dc), u, threshold) || meets(this.byDc.get(UNKNOWN_DC), u, threshold)) return true;
    return threshold > DATACENTER && u.dc !== UNKNOWN_DC && this.nearestTo(u.dc) < threshold;
  }

  /** The lowest level rule 3 gives between datacenter dc and another changed unit's. */
  private nearestTo(dc: string): number {
    let level = this.nearest.get(dc);
    if (level !== undefined) return level;
    level = rank("PLANET");
    for (const other of this.byDc.keys()) if (other !== dc && other !== UNKNOWN_DC) level = Math.min(level, rank(datacenterSeparation(this.topology, dc, other).actual));
    this.nearest.set(dc, level);
    return level;
  }
}

/** Whether u's visit meets changed units of a datacenter group: below HOST only a possibly shared host is visited (a hidden host on either side, or another placement group). */
function meets(where: { hidden: boolean; groups: Set<string | null> } | undefined, u: UnitFacts, threshold: number): boolean {
  if (!where) return false;
  if (threshold > HOST || !u.hostKnown || where.hidden) return true;
  return where.groups.size > 1 || (where.groups.size === 1 && !where.groups.has(u.placementGroup));
}

/** Adds the workloads whose units' visit meets a changed unit (2 above). */
function* nearChangedUnits(topology: Topology, places: SharedPlaces, policy: Policy, changed: ChangedUnits, rescan: Set<string>): Generator<void, void> {
  let n = 0;
  for (const [key, units] of places.byWorkload) {
    const workload = topology.workloads.get(key);
    if (!workload || rescan.has(key)) continue;
    if ((n += units.length) > UNITS_PER_STEP) {
      n = 0;
      yield;
    }
    const threshold = Math.max(...(["SAME_TENANT", "SAME_ORGANIZATION", "OTHER_ORGANIZATION"] as const).map((rel) => rank(requiredLevel(policy, rel, workload.minimumIsolation))));
    if (units.some((u) => changed.met(u, threshold))) rescan.add(key);
  }
}

/** Adds the workloads with an UNPROVEN row against a tenant with a changed unit (3 above), in steps (a report holds a million rows). */
function* unprovenAgainstChanged(before: FleetReport, tenants: Set<string>, rescan: Set<string>): Generator<void, void> {
  const changed = Uint8Array.from(before.places.tenantNames, (name) => (tenants.has(name) ? 1 : 0));
  for (let row = 0; row < before.count; row++) {
    if (row % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    if (changed[before.tenantNumber(row)] === 1 && before.possibleRank(row) >= before.requiredRank(row)) rescan.add(before.workload(row));
  }
}
