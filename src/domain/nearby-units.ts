import { rank } from "./scale.ts";
import { sharedPlaces, type UnitFacts } from "./shared-places.ts";
import type { Topology } from "./topology.ts";

/*
 * The fleet's units as placement advice visits them (placement-advice.ts): by datacenter, by
 * the compute units above them, and by what separation reads of a unit that shares nothing
 * with the replica. Built once per topology from the shared-places index, so an advice walks
 * no unit's way up again.
 */
export interface Nearby {
  byDatacenter: Map<string, UnitFacts[]>;
  /** One unit per (tenant, workload) in each datacenter: the others there stand as far from a replica in another datacenter. */
  representatives: Map<string, UnitFacts[]>;
  /** The units whose way up holds a compute unit, by its id ("virtualMachine:vm-1"), the unit itself left out. */
  byLink: Map<string, number[]>;
  /**
   * By unit index: what separation reads of a unit that shares nothing with the other side and
   * whose host (or the other's) is not known: its walls below the host, the tenants its hardware
   * is reserved for, its tenant and its datacenter (separation.ts, the possibly shared host).
   * With both hosts known and different, the unit's host alone decides.
   */
  hiddenSignature: Int32Array;
  /** The strictest minimumIsolation (as a rank) among the workloads of each datacenter's units. */
  strictestMinimum: Map<string, number>;
}

const nearCache = new WeakMap<Topology, Nearby>();

/** The units by datacenter, by the compute units above them, and by signature: built once per topology beside the shared-places index. */
export function nearbyUnits(topology: Topology): Nearby {
  let near = nearCache.get(topology);
  if (near) return near;
  const units = sharedPlaces(topology).units;
  const byDatacenter = new Map<string, UnitFacts[]>();
  const seen = new Map<string, Map<string, UnitFacts>>();
  const byLink = new Map<string, number[]>();
  const signatures = new Map<string, number>();
  const hiddenSignature = new Int32Array(units.length);
  const strictestMinimum = new Map<string, number>();
  for (const facts of units) {
    let list = byDatacenter.get(facts.dc);
    if (!list) byDatacenter.set(facts.dc, (list = []));
    list.push(facts);
    let inDc = seen.get(facts.dc);
    if (!inDc) seen.set(facts.dc, (inDc = new Map<string, UnitFacts>()));
    const key = `${facts.tenant}\u0000${facts.workload ?? ""}`;
    if (!inDc.has(key)) inDc.set(key, facts);
    for (let i = 1; i < facts.chain.ids.length; i++) {
      const id = facts.chain.ids[i];
      const above = byLink.get(id);
      if (above) above.push(facts.index);
      else byLink.set(id, [facts.index]);
    }
    const signature = `${facts.side}\u0000${facts.dedicated.join("\u0001")}\u0000${facts.tenant}\u0000${facts.dc}`;
    let id = signatures.get(signature);
    if (id === undefined) signatures.set(signature, (id = signatures.size));
    hiddenSignature[facts.index] = id;
    const minimum = facts.workload !== null ? topology.workloads.get(facts.workload)?.minimumIsolation : null;
    if (minimum && rank(minimum) > (strictestMinimum.get(facts.dc) ?? 0)) strictestMinimum.set(facts.dc, rank(minimum));
  }
  near = { byDatacenter, representatives: new Map([...seen].map(([dc, m]) => [dc, [...m.values()]])), byLink, hiddenSignature, strictestMinimum };
  nearCache.set(topology, near);
  return near;
}
