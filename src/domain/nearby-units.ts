import { rank } from "./scale.ts";
import { sharedPlaces, type UnitFacts } from "./shared-places.ts";
import type { Topology } from "./topology.ts";
import { getOrInsert } from "./get-or-insert.ts";

/*
 * The fleet's units as placement advice visits them (placement-advice.ts): by datacenter, then
 * by host, in groups that stand alike from any replica that shares no compute unit with them.
 * Built once per topology from the shared-places index, so a candidate walks groups, not units,
 * and no unit's way up again.
 *
 * Separation reads of a unit that shares nothing with the replica: when both hosts are known
 * and are slots of the same placement group (or both of none), only the unit's host (its rack,
 * its datacenter); else its walls below the host, the tenants its hardware is reserved for, its
 * tenant, the tenant of its host-level unit and its datacenter (separation.ts, the possibly
 * shared host): its signature. A group
 * is the units of one host (or of the hidden hosts of one datacenter) with one signature and
 * one workload: a requirement either way reads only the unit's tenant (in the signature) and
 * workload, so its first unit stands for the rest.
 */
export interface UnitGroup {
  tenant: string;
  workload: string | null;
  /** What separation reads of its units when a host is hidden or unknown, or their slots are in different placement groups. */
  signature: number;
  /** Its units (indices into the shared-places units), ascending. */
  units: number[];
}

/** The units on one known host. */
export interface HostUnits {
  host: string;
  /** The placement group the host is a slot of: its host alone decides only against slots of the same group. */
  placementGroup: string | null;
  groups: UnitGroup[];
  /** The first unit (index) of each (tenant, workload) on it: all a requirement reads once the host alone decides. */
  parties: number[];
  /** The same, for workloads that set a minimumIsolation: the only ones whose requirement may exceed the policy's. */
  strictParties: number[];
  /**
   * Per tenant on it, its first unit, and its first unit of another workload than that one's
   * (-1 if none): whichever workload asks, the first unit of the tenant outside it is one of the two.
   */
  tenantFirst: number[];
  tenantOther: number[];
  /** The strictest minimumIsolation (as a rank) among its units' workloads. */
  strictest: number;
}

export interface DatacenterUnits {
  hosts: HostUnits[];
  /** Units whose host is hidden or not known. */
  hidden: UnitGroup[];
}

export interface Nearby {
  /** By datacenter key (UNKNOWN_DC for units whose datacenter is not known). */
  datacenters: Map<string, DatacenterUnits>;
  /** One unit per (tenant, workload) in each datacenter: the others there stand as far from a replica in another datacenter. */
  representatives: Map<string, UnitFacts[]>;
  /** The units whose way up holds a compute unit, by its id ("virtualMachine:vm-1"), the unit itself left out. */
  byLink: Map<string, number[]>;
  /** By unit index: its signature. */
  hiddenSignature: Int32Array;
  /** The strictest minimumIsolation (as a rank) among the workloads of each datacenter's units. */
  strictestMinimum: Map<string, number>;
}

const nearCache = new WeakMap<Topology, Nearby>();

/** The units by datacenter, host and group, and by the compute units above them: built once per topology beside the shared-places index. */
export function nearbyUnits(topology: Topology): Nearby {
  let near = nearCache.get(topology);
  if (near) return near;
  const units = sharedPlaces(topology).units;
  const builder = new NearbyBuilder(topology, units.length);
  for (const facts of units) builder.add(facts);
  near = builder.done();
  nearCache.set(topology, near);
  return near;
}

class NearbyBuilder {
  private readonly datacenters = new Map<string, DatacenterUnits>();
  private readonly hosts = new Map<string, HostUnits>();
  /** The group of each (place, signature, workload), place being a host or a datacenter's hidden hosts. */
  private readonly groups = new Map<string, UnitGroup>();
  private readonly parties = new Set<string>();
  /** Where each (host, tenant) stands in its host's tenant lists. */
  private readonly tenantAt = new Map<string, number>();
  private readonly seen = new Map<string, Map<string, UnitFacts>>();
  private readonly byLink = new Map<string, number[]>();
  private readonly signatures = new Map<string, number>();
  private readonly hiddenSignature: Int32Array;
  private readonly strictestMinimum = new Map<string, number>();

  constructor(
    private readonly topology: Topology,
    count: number,
  ) {
    this.hiddenSignature = new Int32Array(count);
  }

  add(facts: UnitFacts) {
    const dc = getOrInsert(this.datacenters, facts.dc, () => ({ hosts: [], hidden: [] }));
    getOrInsert(
      getOrInsert(this.seen, facts.dc, () => new Map()),
      `${facts.tenant}\u0000${facts.workload ?? ""}`,
      () => facts,
    );
    for (let i = 1; i < facts.chain.ids.length; i++) getOrInsert(this.byLink, facts.chain.ids[i], () => []).push(facts.index);
    const signature = getOrInsert(this.signatures, `${facts.side}\u0000${facts.dedicated.join("\u0001")}\u0000${facts.tenant}\u0000${facts.hostLevelTenantId}\u0000${facts.dc}`, () => this.signatures.size);
    this.hiddenSignature[facts.index] = signature;
    const minimum = facts.workload !== null ? this.topology.workloads.get(facts.workload)?.minimumIsolation : null;
    const strictness = minimum ? rank(minimum) : 0;
    if (strictness > (this.strictestMinimum.get(facts.dc) ?? 0)) this.strictestMinimum.set(facts.dc, strictness);
    // A host's key is unique: its units are in one datacenter group (its rack's, the one it names, or UNKNOWN_DC).
    const host = facts.hostKnown ? facts.chain.host! : null;
    const place = host === null ? dc.hidden : this.hostUnits(dc, host, facts.placementGroup).groups;
    const key = `${host ?? `\u0001${facts.dc}`}\u0000${signature}\u0000${facts.workload ?? ""}`;
    const group = getOrInsert(this.groups, key, () => {
      const created: UnitGroup = { tenant: facts.tenant, workload: facts.workload, signature, units: [] };
      place.push(created);
      return created;
    });
    group.units.push(facts.index);
    if (host !== null) {
      const of = this.hosts.get(host)!;
      if (strictness > of.strictest) of.strictest = strictness;
      this.addParty(of, facts, strictness > 0);
    }
  }

  private addParty(of: HostUnits, facts: UnitFacts, strict: boolean) {
    const party = `${of.host}\u0000${facts.tenant}\u0000${facts.workload ?? ""}`;
    if (this.parties.has(party)) return;
    this.parties.add(party);
    of.parties.push(facts.index);
    if (strict) of.strictParties.push(facts.index);
    const tenant = `${of.host}\u0000${facts.tenant}`;
    const at = this.tenantAt.get(tenant);
    if (at === undefined) {
      this.tenantAt.set(tenant, of.tenantFirst.length);
      of.tenantFirst.push(facts.index);
      of.tenantOther.push(-1);
    } else if (of.tenantOther[at] === -1) of.tenantOther[at] = facts.index; // a new party of a known tenant: another workload
  }

  private hostUnits(dc: DatacenterUnits, host: string, placementGroup: string | null): HostUnits {
    return getOrInsert(this.hosts, host, () => {
      const created: HostUnits = { host, placementGroup, groups: [], parties: [], strictParties: [], tenantFirst: [], tenantOther: [], strictest: 0 };
      dc.hosts.push(created);
      return created;
    });
  }

  done(): Nearby {
    const { datacenters, byLink, hiddenSignature, strictestMinimum } = this;
    return { datacenters, representatives: new Map([...this.seen].map(([dc, m]) => [dc, [...m.values()]])), byLink, hiddenSignature, strictestMinimum };
  }
}
