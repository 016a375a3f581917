import { rank } from "./scale.ts";
import { datacenterSeparation } from "./separation.ts";
import { datacenterKeys, rackDomainKeys, rackPlaceKey, reservationsKeepOff, UNKNOWN_DC, type SharedPlaces, type UnitFacts } from "./shared-places.ts";
import { NONE, type PlaceTable } from "./place-table.ts";
import type { Topology } from "./topology.ts";
import { compareCodeUnits } from "./compare-code-units.ts";

/*
 * One workload's visit of the places its units share with others (the rules: fleet-report.ts),
 * on the numbered index of shared-places.ts. Its state is allocated once per report and reused
 * for every workload: per tenant the lowest (actual, possible) met so far, its witness pair and
 * the lowest possible, stamped with the workload's turn, so starting the next workload clears
 * nothing and a visit allocates nothing.
 */
export const [PROCESS, , , , HOST, RACK, DATACENTER, HAZARD_ZONE, PLANET] = [0, 1, 2, 3, 4, 5, 6, 7, 8];

/** Work counters, for the benchmark and the tests: how much of the co-located population the scan visited. */
export interface ReportStats {
  /** (place, tenant) combinations looked at. */
  visits: number;
}

/** The places of a rack signature: its rack places, power and network domains. */
interface RackPlaces {
  racks: number[];
  power: number[];
  network: number[];
}

/** The places of a synced datacenter above it (-1: none). */
interface AbovePlaces {
  zones: number[];
  region: number;
  planet: number;
}

export class WorkloadScan {
  private turn = 0;
  private own = -1;
  private units: UnitFacts[] = [];
  /** Per tenant: the turn it was last met in, and what was met. */
  private readonly stamp: Int32Array;
  readonly actual: Uint8Array;
  private readonly witnessPossible: Uint8Array;
  readonly lowestPossible: Uint8Array;
  readonly unit: Int32Array;
  readonly other: Int32Array;
  /** The tenants met this turn: touched[0 .. touchedCount). */
  readonly touched: Int32Array;
  touchedCount = 0;
  /** Per signature (or datacenter group): the turn it was last visited in. */
  private readonly seen: Record<"dc" | "near" | "hostMaybe" | "host" | "rack", Int32Array>;
  private readonly rackPlaces: (RackPlaces | undefined)[] = [];
  private readonly abovePlaces: (AbovePlaces | null | undefined)[] = [];
  private readonly nearPlaces: ([number, number, number][] | undefined)[] = [];
  private readonly dcPlace: Int32Array;
  private readonly partnerLists: (readonly string[])[] = [];
  private readonly hostGroupLists = new Map<string, [string, string | null][]>();

  constructor(
    private readonly topology: Topology,
    private readonly places: SharedPlaces,
    private readonly stats: ReportStats,
  ) {
    const tenants = places.tenantNames.length;
    this.stamp = new Int32Array(tenants);
    this.actual = new Uint8Array(tenants);
    this.witnessPossible = new Uint8Array(tenants);
    this.lowestPossible = new Uint8Array(tenants);
    this.unit = new Int32Array(tenants);
    this.other = new Int32Array(tenants);
    this.touched = new Int32Array(tenants);
    const dcs = places.datacenterGroups.length;
    const { hostMaybe, host, rack } = places.signatures;
    this.seen = { dc: new Int32Array(dcs), near: new Int32Array(dcs), hostMaybe: new Int32Array(hostMaybe), host: new Int32Array(host), rack: new Int32Array(rack) };
    this.dcPlace = Int32Array.from(places.datacenterGroups, (dc) => places.datacenters.placeOf(dc));
  }

  /** Starts the next workload: its trust group and units. */
  begin(own: number, units: UnitFacts[]) {
    this.turn++;
    this.own = own;
    this.units = units;
    this.touchedCount = 0;
  }

  private offer(tenant: number, a: number, p: number, u: number, v: number) {
    if (this.stamp[tenant] !== this.turn) {
      this.stamp[tenant] = this.turn;
      this.touched[this.touchedCount++] = tenant;
      this.actual[tenant] = a;
      this.witnessPossible[tenant] = p;
      this.lowestPossible[tenant] = p;
      this.unit[tenant] = u;
      this.other[tenant] = v;
      return;
    }
    if (a < this.actual[tenant] || (a === this.actual[tenant] && p < this.witnessPossible[tenant])) {
      this.actual[tenant] = a;
      this.witnessPossible[tenant] = p;
      this.unit[tenant] = u;
      this.other[tenant] = v;
    }
    if (p < this.lowestPossible[tenant]) this.lowestPossible[tenant] = p;
  }

  /** True the first time this turn: units alike visit a place once. */
  private first(kind: keyof WorkloadScan["seen"], id: number): boolean {
    const seen = this.seen[kind];
    if (seen[id] === this.turn) return false;
    seen[id] = this.turn;
    return true;
  }

  /** Every tenant of a place (but our own units) at the levels (a, p). */
  private each(table: PlaceTable, place: number, u: number, a: number, p: number) {
    if (place < 0) return;
    const from = table.start[place];
    const to = table.start[place + 1];
    this.stats.visits += to - from;
    for (let e = from; e < to; e++) {
      const unit = table.unitWithout(e, this.own);
      if (unit !== -1) this.offer(table.party[e], a, p, u, unit);
    }
  }

  /**
   * The datacenter groups whose hosts may be u's: its own and the unknown one, or all when its
   * own is not known (made once per group). Places of one kind are visited in the order of
   * their keys, never in the order the index met them: a tie between two pairs goes to the
   * first visited, and that order must not hang on units elsewhere in the fleet (a report
   * patched after a sync carries over the rows of workloads no change reached: patch-report.ts).
   */
  private partners(u: UnitFacts): readonly string[] {
    return (this.partnerLists[u.dcId] ??= u.dc === UNKNOWN_DC ? [...this.places.datacenterGroups].sort(compareCodeUnits) : [u.dc, UNKNOWN_DC]);
  }

  /** The host groups of datacenter group g, in key order (made once per group). */
  private hostGroupsOf(g: string): readonly [string, string | null][] {
    let found = this.hostGroupLists.get(g);
    if (!found) this.hostGroupLists.set(g, (found = [...(this.places.hostGroups.get(g) ?? [])].sort(([a], [b]) => compareCodeUnits(a, b))));
    return found;
  }

  visit(threshold: number) {
    if (threshold <= PROCESS) return;
    for (const u of this.units) this.coLocated(u);
    for (const u of this.units) this.possiblyOnOneHost(u);
    if (threshold > HOST) for (const u of this.units) this.hostApart(u);
    if (threshold > RACK) for (const u of this.units) if (u.dc !== UNKNOWN_DC && this.first("dc", u.dcId)) this.each(this.places.datacenters, this.dcPlace[u.dcId], u.index, RACK, RACK);
    if (threshold > DATACENTER) {
      for (const u of this.units) {
        if (u.dc === UNKNOWN_DC || !this.first("near", u.dcId)) continue;
        for (const [other, a, p] of this.nearDatacenters(u.dcId)) {
          if (a < threshold) this.each(this.places.datacenters, other, u.index, a, p);
        }
      }
    }
  }

  /** The places of the other known datacenters with the levels rule 3 gives against group dc, below PLANET. */
  private nearDatacenters(dc: number): [number, number, number][] {
    let near = this.nearPlaces[dc];
    if (near) return near;
    near = [];
    const key = this.places.datacenterGroups[dc];
    const { datacenters } = this.places;
    for (let other = 0; other < datacenters.keys.length; other++) {
      if (datacenters.keys[other] === key) continue;
      const s = datacenterSeparation(this.topology, key, datacenters.keys[other]);
      if (rank(s.actual) < PLANET) near.push([other, rank(s.actual), rank(s.possible)]);
    }
    near.sort(([a], [b]) => compareCodeUnits(datacenters.keys[a], datacenters.keys[b]));
    return (this.nearPlaces[dc] = near);
  }

  /** Units that share a compute unit with u, or contain it, or sit in it: exact levels. */
  private coLocated(u: UnitFacts) {
    const { below, belowUnit, units, links, linkStart, linkStrongest } = this.places;
    const start = linkStart[u.index];
    const end = linkStart[u.index + 1];
    for (let i = start; i < end; i++) {
      const place = links[i];
      const k = i - start;
      const strongest = linkStrongest[i];
      if (k > 0) {
        const outer = belowUnit[place];
        if (outer !== -1 && units[outer].groupId !== this.own) this.offer(units[outer].tenantId, PROCESS, PROCESS, u.index, outer); // u runs inside it
      }
      const from = below.start[place];
      const to = below.start[place + 1];
      this.stats.visits += to - from;
      for (let e = from; e < to; e++) {
        const value = below.valueWithout(e, this.own);
        if (value === NONE) continue;
        const level = k === 0 ? PROCESS : Math.min(strongest, value);
        this.offer(below.party[e], level, level, u.index, below.unitWithout(e, this.own));
      }
    }
  }

  /** A shared host not ruled out: each side brings its own walls; dedicated hardware on either side makes it HOST. */
  private possiblyOnOneHost(u: UnitFacts) {
    if (!this.first("hostMaybe", u.hostMaybeSignature)) return;
    const { hidden, dedicatedHidden, onHosts, dedicatedOnHosts } = this.places;
    for (const g of this.partners(u)) {
      const base = u.dc !== UNKNOWN_DC && g === u.dc ? RACK : PLANET;
      this.sideBySide(u, hidden, hidden.placeOf(g), false, base);
      this.sideBySide(u, dedicatedHidden, dedicatedHidden.placeOf(g), true, base);
      for (const hostGroup of this.unlikeHostGroups(u, g)) {
        this.sideBySide(u, onHosts, onHosts.placeOf(hostGroup), false, base);
        this.sideBySide(u, dedicatedOnHosts, dedicatedOnHosts.placeOf(hostGroup), true, base);
      }
    }
  }

  /**
   * The host groups of datacenter group g whose hosts u's host cannot be told apart from: all
   * of them when u's host is not known; else those of another placement group than u's (one of
   * them may be u's very machine: docs/separation.md).
   */
  private unlikeHostGroups(u: UnitFacts, g: string): string[] {
    const unlike: string[] = [];
    for (const [key, placementGroup] of this.hostGroupsOf(g)) if (!u.hostKnown || placementGroup !== u.placementGroup) unlike.push(key);
    return unlike;
  }

  /** Units that may share u's host: the weaker side's walls, unless dedicated hardware on either side rules it out. */
  private sideBySide(u: UnitFacts, table: PlaceTable, place: number, dedicatedSide: boolean, base: number) {
    if (place < 0) return;
    const { partyTenant, partyHostLevel, partyReservations } = this.places;
    const from = table.start[place];
    const to = table.start[place + 1];
    this.stats.visits += to - from;
    for (let e = from; e < to; e++) {
      const party = table.party[e];
      const tenant = dedicatedSide ? partyTenant[party] : party;
      if (dedicatedSide && reservationsKeepOff(partyReservations[party], u.tenantId, u.hostLevelTenantId)) continue; // the other's hardware keeps u off
      if (u.reservations.length > 0 && reservationsKeepOff(u.reservations, tenant, dedicatedSide ? partyHostLevel[party] : party)) continue; // ours keeps it off
      const value = table.valueWithout(e, this.own);
      if (value === NONE) continue;
      const actual = Math.min(u.side, value);
      this.offer(tenant, actual, Math.max(actual, base), u.index, table.unitWithout(e, this.own));
    }
  }

  /** Pairs at HOST: a host possibly shared (whatever dedication says), a shared rack, power or network domain, or known hosts in racks not known. */
  private hostApart(u: UnitFacts) {
    const { places } = this;
    if (this.first("host", u.hostSignature)) {
      for (const g of this.partners(u)) {
        const base = u.dc !== UNKNOWN_DC && g === u.dc ? RACK : PLANET;
        this.each(places.hiddenAll, places.hiddenAll.placeOf(g), u.index, HOST, base);
        for (const [hostGroup, placementGroup] of this.hostGroupsOf(g)) {
          // Hosts told apart from u's: different hosts whose racks decide; the others may be u's own.
          const apart = u.hostKnown && placementGroup === u.placementGroup;
          if (!apart || !u.rackDomainsKnown) this.each(places.rackSynced, places.rackSynced.placeOf(hostGroup), u.index, HOST, base);
          this.each(places.rackUnsynced, places.rackUnsynced.placeOf(hostGroup), u.index, HOST, base);
        }
      }
    }
    if (u.rackSignature === -1 || !this.first("rack", u.rackSignature)) return;
    const { racks, power, network } = this.rackPlacesOf(u);
    for (const place of racks) this.each(places.racks, place, u.index, HOST, HOST);
    for (const place of power) this.each(places.powerDomains, place, u.index, HOST, HOST);
    for (const place of network) this.each(places.networkDomains, place, u.index, HOST, HOST);
  }

  /** The places of u's rack (itself when synced, else per datacenter its hosts may be in) and of its power and network domains; u's rack is known. */
  private rackPlacesOf(u: UnitFacts): RackPlaces {
    let found = this.rackPlaces[u.rackSignature];
    if (found) return found;
    const { places } = this;
    const groups = u.rackSynced ? [u.dc] : u.dc !== UNKNOWN_DC ? [u.dc, UNKNOWN_DC] : [...places.rackDatacenters.get(u.rack!)!].sort(compareCodeUnits);
    const domains = u.rackSynced ? rackDomainKeys(this.topology, u.rack!, u.placementGroup) : { power: [], network: [] };
    found = {
      racks: [...groups].map((g) => places.racks.placeOf(rackPlaceKey(u, g))),
      power: domains.power.map((key) => places.powerDomains.placeOf(key)),
      network: domains.network.map((key) => places.networkDomains.placeOf(key)),
    };
    return (this.rackPlaces[u.rackSignature] = found);
  }

  /** The places above u's datacenter, when it is synced. */
  private abovePlacesOf(u: UnitFacts): AbovePlaces | null {
    let found = this.abovePlaces[u.dcId];
    if (found !== undefined) return found;
    const keys = u.dc === UNKNOWN_DC ? null : datacenterKeys(this.topology, u.dc);
    const { hazardZones, regions, planets } = this.places;
    found = keys ? { zones: keys.zones.map((key) => hazardZones.placeOf(key)), region: keys.region === null ? -1 : regions.placeOf(keys.region), planet: planets.placeOf(keys.planet) } : null;
    return (this.abovePlaces[u.dcId] = found);
  }

  /** The lowest possible against `tenant`, looking up only that tenant in the places the visit skipped. */
  refinePossible(tenant: number, possible: number): number {
    const { places } = this;
    let best = possible;
    for (const u of this.units) {
      if (best <= HOST) return best;
      if (u.rackSignature !== -1) {
        const { racks, power, network } = this.rackPlacesOf(u);
        if (this.anyPresent(places.racks, racks, tenant) || this.anyPresent(places.powerDomains, power, tenant) || this.anyPresent(places.networkDomains, network, tenant)) return HOST;
      }
      if (best > RACK && u.dc !== UNKNOWN_DC && this.present(places.datacenters, this.dcPlace[u.dcId], tenant)) best = RACK;
    }
    if (best <= RACK) return best;
    // No unit of the tenant (but ours) shares a datacenter with ours: any two known ones differ.
    for (const u of this.units) {
      const above = this.abovePlacesOf(u);
      if (!above) continue;
      if (this.anyPresent(places.hazardZones, above.zones, tenant) || this.present(places.regions, above.region, tenant)) return DATACENTER;
      if (best > HAZARD_ZONE && this.present(places.planets, above.planet, tenant)) best = HAZARD_ZONE;
    }
    return best;
  }

  /** Whether a unit of `tenant` (but ours) is at the place. Plain loops, no closures: this runs for every listed pair. */
  private present(table: PlaceTable, place: number, tenant: number): boolean {
    const e = table.find(place, tenant);
    return e !== -1 && table.valueWithout(e, this.own) !== NONE;
  }

  private anyPresent(table: PlaceTable, placeList: readonly number[], tenant: number): boolean {
    for (const place of placeList) if (this.present(table, place, tenant)) return true;
    return false;
  }
}
