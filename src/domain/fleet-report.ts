import { requiredLevel, type Policy } from "./policy.ts";
import { rank } from "./scale.ts";
import { datacenterSeparation } from "./separation.ts";
import { datacenterKeys, rackDomainKeys, rackPlaceKey, SEP, sharedPlacesSteps, UNKNOWN_DC, type Place, type Places, type SharedPlaces, type UnitFacts } from "./shared-places.ts";
import type { Topology } from "./topology.ts";
import { ReportRowsBuilder, type FleetReport } from "./fleet-report-rows.ts";
import { compareCodeUnits } from "./compare-code-units.ts";
import { getOrInsert } from "./get-or-insert.ts";

/*
 * Every (workload, tenant) pair of the fleet that is NOT_ISOLATED or UNPROVEN, with its levels
 * and its weakest pair, without comparing every workload with every tenant.
 *
 * Why it can skip most pairs: two units that share nothing fall apart by a level that only
 * depends on what they do share (docs/separation.md):
 *
 * | they share                                  | actual, possible          |
 * |---------------------------------------------|---------------------------|
 * | a compute unit (or one contains the other)  | ≤ VIRTUAL_MACHINE, exact  |
 * | possibly a host (one host hidden/unknown)   | ≤ HOST, RACK or PLANET    |
 * | a rack, a power or a network domain         | HOST                      |
 * | known hosts, a rack not known               | HOST, RACK or PLANET      |
 * | a datacenter                                | ≤ RACK                    |
 * | a hazard zone or region                     | DATACENTER                |
 * | a planet                                    | HAZARD_ZONE               |
 *
 * So a workload whose strongest requirement is T visits, per unit, only the places of the
 * rows above T (src/domain/shared-places.ts indexes units by each), and per place only the
 * tenants there: the co-located population below the requirement, never workloads × tenants.
 * A place visited gives each pair a level no lower than the pair's own (a pair sharing a host
 * also shares its rack), and every pair below T is visited at its own level, so the lowest
 * actual, and the weakest pair, are exact. The lowest possible of a listed pair can also come
 * from a place above T: those are looked up for that tenant only (`refinePossible`).
 * test/domain/fleet-report.test.ts checks all of it against a naive verdict on random fleets.
 */
const [PROCESS, , , , HOST, RACK, DATACENTER, HAZARD_ZONE, PLANET] = [0, 1, 2, 3, 4, 5, 6, 7, 8];

/** Work counters, for the benchmark and the tests: how much of the co-located population the scan visited. */
export interface ReportStats {
  /** (place, tenant) combinations looked at. */
  visits: number;
}

/** The report at once. */
export function fleetReport(topology: Topology, policy: Policy, stats: ReportStats = { visits: 0 }): FleetReport {
  const steps = fleetReportSteps(topology, policy, stats);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** The report in steps: it yields every so often, so a service can answer other requests meanwhile. */
export function* fleetReportSteps(topology: Topology, policy: Policy, stats: ReportStats = { visits: 0 }): Generator<void, FleetReport> {
  const places = yield* sharedPlacesSteps(topology);
  const organizationOf = new Map([...topology.tenants.values()].map((t) => [t.key, t.organization]));
  const builder = new ReportRowsBuilder(topology, places, policy);
  const workloads = [...topology.workloads.values()].sort((x, y) => compareCodeUnits(x.key, y.key));
  let sinceYield = 0;
  for (const workload of workloads) {
    const units = places.byWorkload.get(workload.key);
    if (!units) continue;
    const organization = topology.tenants.get(workload.tenant)?.organization;
    const [forSelf, forOrganization, forOthers] = (["SAME_TENANT", "SAME_ORGANIZATION", "OTHER_ORGANIZATION"] as const).map((rel) => rank(requiredLevel(policy, rel, workload.minimumIsolation)));
    const required = (tenant: string) => (tenant === workload.tenant ? forSelf : organization !== undefined && organizationOf.get(tenant) === organization ? forOrganization : forOthers);
    const before = stats.visits;
    const scan = new WorkloadScan(topology, places, `w:${workload.key}`, units, stats);
    scan.visit(Math.max(forSelf, forOrganization, forOthers));
    for (const tenant of [...scan.candidates.keys()].sort()) {
      const c = scan.candidates.get(tenant)!;
      const level = required(tenant);
      if (c.a >= level) continue;
      const possible = c.mp >= level ? scan.refinePossible(tenant, c.mp) : c.mp;
      builder.add(workload.key, tenant, level, c.a, possible, c.u, c.v);
    }
    sinceYield += stats.visits - before + units.length + scan.candidates.size;
    if (sinceYield > 500) {
      sinceYield = 0;
      yield;
    }
  }
  return builder.build();
}

/** The lowest (actual, possible) met so far against one tenant, its witness pair, and the lowest possible. */
interface Candidate {
  a: number;
  p: number;
  u: number;
  v: number;
  mp: number;
}

const dcLevelsCache = new WeakMap<Topology, Map<string, [string, number, number][]>>();

/** The other known datacenters with the levels rule 3 gives against `dc`, below PLANET. */
function nearDatacenters(topology: Topology, places: SharedPlaces, dc: string): [string, number, number][] {
  return getOrInsert(
    getOrInsert(dcLevelsCache, topology, () => new Map()),
    dc,
    () => {
      const near: [string, number, number][] = [];
      for (const other of places.datacenters.keys()) {
        if (other === dc) continue;
        const s = datacenterSeparation(topology, dc, other);
        if (rank(s.actual) < PLANET) near.push([other, rank(s.actual), rank(s.possible)]);
      }
      return near;
    },
  );
}

/** One workload's visit of the places its units share with others. */
class WorkloadScan {
  readonly candidates = new Map<string, Candidate>();
  private visited = new Set<string>();

  constructor(
    private readonly topology: Topology,
    private readonly places: SharedPlaces,
    private readonly own: string,
    private readonly units: UnitFacts[],
    private readonly stats: ReportStats,
  ) {}

  private offer(tenant: string, a: number, p: number, u: number, v: number) {
    const c = this.candidates.get(tenant);
    if (!c) this.candidates.set(tenant, { a, p, u, v, mp: p });
    else {
      if (a < c.a || (a === c.a && p < c.p)) {
        c.a = a;
        c.p = p;
        c.u = u;
        c.v = v;
      }
      if (p < c.mp) c.mp = p;
    }
  }

  /** Every tenant of a place (but our own units) at the levels (a, p). */
  private each(place: Place | undefined, u: number, a: number, p: number) {
    if (!place) return;
    this.stats.visits += place.size;
    for (const [tenant, lowest] of place) {
      const unit = lowest.unitWithout(this.own);
      if (unit !== -1) this.offer(tenant, a, p, u, unit);
    }
  }

  /** True the first time a key is seen: units alike visit a place once. */
  private first(key: string): boolean {
    if (this.visited.has(key)) return false;
    this.visited.add(key);
    return true;
  }

  private partners(dc: string): readonly string[] {
    return dc === UNKNOWN_DC ? this.places.datacenterGroups : [dc, UNKNOWN_DC];
  }

  visit(threshold: number) {
    if (threshold <= PROCESS) return;
    for (const u of this.units) this.coLocated(u);
    for (const u of this.units) this.possiblyOnOneHost(u);
    if (threshold > HOST) for (const u of this.units) this.hostApart(u);
    if (threshold > RACK) for (const u of this.units) if (u.dc !== UNKNOWN_DC && this.first(`dc${SEP}${u.dc}`)) this.each(this.places.datacenters.get(u.dc), u.index, RACK, RACK);
    if (threshold > DATACENTER) {
      for (const u of this.units) {
        if (u.dc === UNKNOWN_DC || !this.first(`near${SEP}${u.dc}`)) continue;
        for (const [other, a, p] of nearDatacenters(this.topology, this.places, u.dc)) {
          if (a < threshold) this.each(this.places.datacenters.get(other), u.index, a, p);
        }
      }
    }
  }

  /** Units that share a compute unit with u, or contain it, or sit in it: exact levels. */
  private coLocated(u: UnitFacts) {
    const { links, ids } = u.chain;
    let strongest = PROCESS;
    for (let k = 0; k < links.length; k++) {
      if (k > 0) {
        strongest = Math.max(strongest, rank(links[k - 1].boundary));
        const outer = this.places.byId.get(ids[k]);
        if (outer && outer.group !== this.own) this.offer(outer.tenant, PROCESS, PROCESS, u.index, outer.index); // u runs inside it
      }
      const place = this.places.below.get(ids[k]);
      if (!place) continue;
      this.stats.visits += place.size;
      for (const [tenant, lowest] of place) {
        const value = lowest.valueWithout(this.own);
        if (value === Infinity) continue;
        const level = k === 0 ? PROCESS : Math.min(strongest, value);
        this.offer(tenant, level, level, u.index, lowest.unitWithout(this.own));
      }
    }
  }

  /** A shared host not ruled out: each side brings its own walls; dedicated hardware on either side makes it HOST. */
  private possiblyOnOneHost(u: UnitFacts) {
    if (u.dedicated.length > 1) return; // reserved for two tenants at once: shares with nobody
    if (!this.first(`host?${SEP}${u.hostKnown ? u.hostGroup : u.dc}${SEP}${u.hostKnown}${SEP}${u.side}${SEP}${u.tenant}${SEP}${u.dedicated[0] ?? ""}`)) return;
    for (const g of this.partners(u.dc)) {
      const base = u.dc !== UNKNOWN_DC && g === u.dc ? RACK : PLANET;
      this.sideBySide(u, this.places.hidden.get(g), false, base);
      this.sideBySide(u, this.places.dedicatedHidden.get(g), true, base);
      for (const hostGroup of this.unlikeHostGroups(u, g)) {
        this.sideBySide(u, this.places.onHosts.get(hostGroup), false, base);
        this.sideBySide(u, this.places.dedicatedOnHosts.get(hostGroup), true, base);
      }
    }
  }

  /**
   * The host groups of datacenter group g whose hosts u's host cannot be told apart from: all
   * of them when u's host is not known; else those of another placement group than u's (one of
   * them may be u's very machine: docs/separation.md).
   */
  private unlikeHostGroups(u: UnitFacts, g: string): string[] {
    const hostGroups = this.places.hostGroups.get(g);
    if (!hostGroups) return [];
    const unlike: string[] = [];
    for (const [key, placementGroup] of hostGroups) if (!u.hostKnown || placementGroup !== u.placementGroup) unlike.push(key);
    return unlike;
  }

  /** Units that may share u's host: the weaker side's walls, unless dedicated hardware on either side rules it out. */
  private sideBySide(u: UnitFacts, place: Place | undefined, dedicatedSide: boolean, base: number) {
    if (!place) return;
    const reservedFor = u.dedicated[0];
    this.stats.visits += place.size;
    for (const [key, lowest] of place) {
      let tenant = key;
      if (dedicatedSide) {
        const [owner, only] = key.split(SEP);
        if (only !== u.tenant) continue; // the other's hardware is reserved for another tenant
        tenant = owner;
      }
      if (reservedFor !== undefined && tenant !== reservedFor) continue; // ours is reserved
      const value = lowest.valueWithout(this.own);
      if (value === Infinity) continue;
      const actual = Math.min(u.side, value);
      this.offer(tenant, actual, Math.max(actual, base), u.index, lowest.unitWithout(this.own));
    }
  }

  /** Pairs at HOST: a host possibly shared (whatever dedication says), a shared rack, power or network domain, or known hosts in racks not known. */
  private hostApart(u: UnitFacts) {
    const { places } = this;
    if (this.first(`host${SEP}${u.hostKnown ? u.hostGroup : u.dc}${SEP}${u.hostKnown}${SEP}${u.rackSynced}`)) {
      for (const g of this.partners(u.dc)) {
        const base = u.dc !== UNKNOWN_DC && g === u.dc ? RACK : PLANET;
        this.each(places.hiddenAll.get(g), u.index, HOST, base);
        for (const [hostGroup, placementGroup] of places.hostGroups.get(g) ?? []) {
          // Hosts told apart from u's: different hosts whose racks decide; the others may be u's own.
          const apart = u.hostKnown && placementGroup === u.placementGroup;
          if (!apart || !u.rackSynced) this.each(places.rackSynced.get(hostGroup), u.index, HOST, base);
          this.each(places.rackUnsynced.get(hostGroup), u.index, HOST, base);
        }
      }
    }
    if (!u.hostKnown || u.rack === null || !this.first(`rack${SEP}${u.rack}${SEP}${u.dc}${SEP}${u.placementGroup ?? ""}`)) return;
    for (const key of this.rackKeys(u)) this.each(places.racks.get(key), u.index, HOST, HOST);
    if (!u.rackSynced) return;
    const domains = rackDomainKeys(this.topology, u.rack, u.placementGroup);
    for (const key of domains.power) this.each(places.powerDomains.get(key), u.index, HOST, HOST);
    for (const key of domains.network) this.each(places.networkDomains.get(key), u.index, HOST, HOST);
  }

  /** The rack places of u's rack: itself when synced, else per datacenter its hosts may be in. */
  private rackKeys(u: UnitFacts): string[] {
    if (u.rackSynced) return [rackPlaceKey(u)];
    const groups = u.dc !== UNKNOWN_DC ? [u.dc, UNKNOWN_DC] : this.places.rackDatacenters.get(u.rack!)!;
    return [...groups].map((g) => rackPlaceKey(u, g));
  }

  /** The lowest possible against `tenant`, looking up only that tenant in the places the visit skipped. */
  refinePossible(tenant: string, possible: number): number {
    const { places, topology, own } = this;
    const present = (map: Places, key: string) => (map.get(key)?.get(tenant)?.valueWithout(own) ?? Infinity) !== Infinity;
    let best = possible;
    for (const u of this.units) {
      if (best <= HOST) return best;
      if (u.hostKnown && u.rack !== null) {
        if (this.rackKeys(u).some((key) => present(places.racks, key))) return HOST;
        const domains = u.rackSynced ? rackDomainKeys(topology, u.rack, u.placementGroup) : { power: [], network: [] };
        if (domains.power.some((key) => present(places.powerDomains, key)) || domains.network.some((key) => present(places.networkDomains, key))) return HOST;
      }
      if (best > RACK && u.dc !== UNKNOWN_DC && present(places.datacenters, u.dc)) best = RACK;
    }
    if (best <= RACK) return best;
    // No unit of the tenant (but ours) shares a datacenter with ours: any two known ones differ.
    for (const u of this.units) {
      const keys = u.dc === UNKNOWN_DC ? null : datacenterKeys(topology, u.dc);
      if (!keys) continue;
      if (keys.zones.some((key) => present(places.hazardZones, key))) return DATACENTER;
      if (keys.region !== null && present(places.regions, keys.region)) return DATACENTER;
      if (best > HAZARD_ZONE && present(places.planets, keys.planet)) best = HAZARD_ZONE;
    }
    return best;
  }
}

export type { FleetReport };
