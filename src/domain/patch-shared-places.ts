import { compareUnitRef } from "./compare-code-units.ts";
import { getOrInsert } from "./get-or-insert.ts";
import { chainStillHolds } from "./separation.ts";
import { unitFactsOf, type SharedPlaces, type UnitFacts } from "./shared-places.ts";
import type { PatchOrigin } from "./patch-topology.ts";
import type { Topology, UnitKind, UnitRef } from "./topology.ts";
import { enterUnit, type Build } from "./unit-places.ts";

/*
 * The shared-places index of a patched topology carried from the index of the topology it was
 * patched from (or, when that one's warm-up was overtaken by this sync, of the nearest one
 * before it that was built: `nearestOrigin`, its patches' touched units together), so that the
 * warm-up after a sync costs what the sync changed plus a copy of the index's columns, not a
 * walk up from every unit of the fleet.
 *
 * A unit whose row the patch left alone and whose chain still holds (separation.ts
 * `chainStillHolds`: the chain above it is the very object it was, which the patch keeps only
 * while every node on it, its host's rack and datacenter and who holds the host are the same
 * objects) has the same facts and makes the same offers: it keeps them, renumbered. Every
 * other unit (new, changed, or anything on its way up changed) is entered anew, with the
 * numbering carried on
 * (place-numbering.ts), and the places it or its former self offered to are worked out again
 * from their offers (place-table.ts). Units stay in key order, so ties break as a full build
 * breaks them. test/domain/carried-places.test.ts compares the result with a full build.
 */

/** How an index was carried from `from`: where each of its units went, and the units entered anew (again, or for the first time) or gone. */
export interface Carry {
  /**
   * Held weakly: what reads a carry holds that index already (the kept report, the origin
   * topology), and each index holding the one before would keep every index since the last
   * full build alive, with its topology (test/domain/carry-retention.test.ts).
   */
  from: WeakRef<SharedPlaces>;
  /** A kept unit's number before → its number now; -1 for the others. */
  unitMap: Int32Array;
  /** Units entered again, as they were and as they are now. */
  reentered: [UnitFacts, UnitFacts][];
  added: UnitFacts[];
  gone: UnitFacts[];
}

/** Every unit of `build.topology`, in key order: carried from `before` where nothing on its way up changed, else entered anew. */
export function* carriedUnitsSteps(build: Build, before: SharedPlaces, origin: PatchOrigin, every: number): Generator<void, { units: UnitFacts[]; byWorkload: Map<string, UnitFacts[]>; carry: Carry }> {
  const { topology } = build;
  const touched = origin.units;
  const present = (ref: UnitRef) => (ref.kind === "container" ? topology.containers.has(ref.key) : topology.virtualMachines.has(ref.key));
  const added = addedUnits(topology, before, touched);
  const carry: Carry = { from: new WeakRef(before), unitMap: new Int32Array(before.units.length).fill(-1), reentered: [], added: [], gone: [] };
  const units: UnitFacts[] = [];
  const byWorkload = new Map<string, UnitFacts[]>();
  const push = (f: UnitFacts) => {
    units.push(f);
    if (f.workload !== null) getOrInsert(byWorkload, f.workload, () => []).push(f);
  };
  let a = 0;
  for (let i = 0; i <= before.units.length; i++) {
    if (i % every === every - 1) yield;
    const was = before.units[i] as UnitFacts | undefined;
    // The units new to the index that come before this one.
    for (; a < added.length && (!was || compareUnitRef(added[a], was.ref) < 0); a++) {
      const f = enterUnit(build, added[a], units.length);
      carry.added.push(f);
      push(f);
    }
    if (!was) break;
    const changed = touched[was.ref.kind].has(was.ref.key);
    if (changed && !present(was.ref)) carry.gone.push(was);
    else if (!changed && chainStillHolds(topology, was.chain, origin.topology)) {
      carry.unitMap[was.index] = units.length;
      push(carried(build, before, was, units.length));
    } else {
      const now = enterUnit(build, was.ref, units.length);
      carry.reentered.push([was, now]);
      push(now);
    }
  }
  return { units, byWorkload, carry };
}

/** The units the patch touched that are units now and were none before, in key order. */
function addedUnits(topology: Topology, before: SharedPlaces, touched: Record<UnitKind, ReadonlySet<string>>): UnitRef[] {
  const added: UnitRef[] = [];
  for (const key of touched.container) if (topology.containers.has(key) && !unitFactsOf(before, { kind: "container", key })) added.push({ kind: "container", key });
  for (const key of touched.virtualMachine) if (topology.virtualMachines.has(key) && !unitFactsOf(before, { kind: "virtualMachine", key })) added.push({ kind: "virtualMachine", key });
  return added.sort(compareUnitRef);
}

/** A unit kept from `before` as unit number `index`: its facts, and its way up copied (its places keep their numbers). */
function carried(build: Build, before: SharedPlaces, was: UnitFacts, index: number): UnitFacts {
  const { ways } = build;
  const from = before.linkStart[was.index];
  const to = before.linkStart[was.index + 1];
  for (let k = from; k < to; k++) {
    ways.links.push(before.links[k]);
    ways.linkStrongest.push(before.linkStrongest[k]);
  }
  ways.linkStart.push(ways.links.length);
  ways.belowUnit.set(before.links[from], index);
  return { ...was, index };
}
