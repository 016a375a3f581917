import { rackDomainsListed, type Chain } from "./separation.ts";
import type { Topology } from "./topology.ts";
import { getOrInsert } from "./get-or-insert.ts";
import { PlaceTable } from "./place-table.ts";
import { datacenterKeys, rackDomainKeys, rackPlaceKey, SEP, UNKNOWN_DC } from "./place-keys.ts";

/*
 * What the shared-places index numbers while it indexes units: tenants, trust groups,
 * datacenter groups, the parties of the dedicated tables, the signatures the scan visits once per
 * workload, and, once per host (or per datacenter for units whose host is hidden), the places
 * that host decides. A unit then costs a few lookups of small integers instead of a dozen
 * string keys built and hashed again for every unit.
 *
 * The numbering of the index before a sync is carried into the next one (`carried`): numbers
 * are only ever added, so a unit nothing changed keeps every number it had, and the index is
 * patched rather than built (shared-places.ts). Nothing the index answers depends on the
 * numbers themselves (rows go by tenant name, places by key, ties by unit order), only on
 * their being equal where the keys are.
 */
export const TABLES = ["below", "hidden", "onHosts", "dedicatedHidden", "dedicatedOnHosts", "hiddenAll", "rackSynced", "rackUnsynced", "racks", "powerDomains", "networkDomains", "datacenters", "hazardZones", "regions", "planets"] as const;
export type TableName = (typeof TABLES)[number];
export type PlaceTables = Record<TableName, PlaceTable>;

/** New tables, or tables carried from `previous` (place-table.ts). */
export function placeTables(previous: PlaceTables | null): PlaceTables {
  return Object.fromEntries(TABLES.map((t) => [t, new PlaceTable(previous?.[t] ?? null)])) as PlaceTables;
}

/** What a unit's host decides (or, when its host is hidden or not known, its datacenter). */
export interface Where {
  dc: string;
  dcId: number;
  hostKnown: boolean;
  placementGroup: string | null;
  hostGroup: string;
  rack: string | null;
  rackSynced: boolean;
  /** Its rack is synced and lists its power and network domains: only then are its hosts proven RACK apart from another rack's. */
  rackDomainsKnown: boolean;
  /** Numbers of (where a shared host is looked for, whether the host is known), of the hosts apart, of the rack. */
  nearSignature: number;
  hostSignature: number;
  rackSignature: number;
  /** The place its units offer their side at: without dedication, and with. */
  sidePlace: number;
  dedicatedSidePlace: number;
  /** The places every unit there offers 0 at: pairs of (table, place). */
  zeroOffers: [TableName, number][];
  /** The rack and datacenter nodes it was worked out from: a carried one is reused only while they are the same objects. */
  rackNode: unknown;
  dcNode: unknown;
}

export class PlaceNumbering {
  readonly tenants: Map<string, number>;
  readonly tenantNames: string[];
  readonly workloadGroups: Map<string, number>;
  groupCount: number;
  readonly datacenters: Map<string, number>;
  /** Parties of the dedicated tables: tenant, host-level tenant (-1: not known), the tenants their hardware is reserved for. */
  readonly partyTenant: number[];
  readonly partyHostLevel: number[];
  readonly partyReservations: (readonly number[])[];
  readonly signatures: { near: Map<string, number>; host: Map<string, number>; rack: Map<string, number> };
  hostMaybeCount: number;
  readonly rackDatacenters: Map<string, Set<string>>;
  readonly hostGroups: Map<string, Map<string, string | null>>;
  private readonly parties: Map<string, number>;
  private readonly hostMaybe: Map<string, number>;
  /** Where each host (or hidden host's datacenter) is: worked out in this build, and carried from the one before (checked before reuse). */
  private readonly byHost = new Map<string, Where>();
  private readonly byHiddenDc = new Map<string, Where>();
  private readonly carriedByHost: ReadonlyMap<string, Where>;
  private readonly carriedByHiddenDc: ReadonlyMap<string, Where>;

  /** A numbering of its own, or the one `previous` ends with carried on (its maps copied: `previous` is left as it was). */
  constructor(
    private readonly topology: Topology,
    private readonly tables: PlaceTables,
    previous: PlaceNumbering | null = null,
  ) {
    const copy = <K, V>(map: Map<K, V> | undefined) => new Map(map);
    this.tenants = copy(previous?.tenants);
    this.tenantNames = previous ? previous.tenantNames.slice() : [];
    this.workloadGroups = copy(previous?.workloadGroups);
    this.groupCount = previous?.groupCount ?? 0;
    this.datacenters = copy(previous?.datacenters);
    this.partyTenant = previous ? previous.partyTenant.slice() : [];
    this.partyHostLevel = previous ? previous.partyHostLevel.slice() : [];
    this.partyReservations = previous ? previous.partyReservations.slice() : [];
    this.signatures = { near: copy(previous?.signatures.near), host: copy(previous?.signatures.host), rack: copy(previous?.signatures.rack) };
    this.hostMaybeCount = previous?.hostMaybeCount ?? 0;
    this.rackDatacenters = new Map([...(previous?.rackDatacenters ?? [])].map(([rack, dcs]) => [rack, new Set(dcs)]));
    this.hostGroups = new Map([...(previous?.hostGroups ?? [])].map(([dc, groups]) => [dc, new Map(groups)]));
    this.parties = copy(previous?.parties);
    this.hostMaybe = copy(previous?.hostMaybe);
    this.carriedByHost = previous ? new Map([...previous.carriedByHost, ...previous.byHost]) : new Map();
    this.carriedByHiddenDc = previous ? new Map([...previous.carriedByHiddenDc, ...previous.byHiddenDc]) : new Map();
  }

  tenant(key: string): number {
    return getOrInsert(this.tenants, key, () => this.tenantNames.push(key) - 1);
  }

  /** A workload's units share one trust group; a unit without a workload is a group of its own. */
  group(workload: string | null): number {
    return workload === null ? this.groupCount++ : getOrInsert(this.workloadGroups, workload, () => this.groupCount++);
  }

  /**
   * The party of a tenant's units that dedication reads more of than their tenant: whose
   * host-level unit is another tenant's or not known (-1), or whose hardware is reserved.
   */
  party(tenant: number, hostLevel: number, reservations: readonly number[]): number {
    return getOrInsert(this.parties, `${tenant},${hostLevel},${reservations.join(",")}`, () => {
      this.partyHostLevel.push(hostLevel);
      this.partyReservations.push(reservations);
      return this.partyTenant.push(tenant) - 1;
    });
  }

  /** The signature of a possibly shared host: where, the walls brought, the tenant and its party (-1: the tenant alone). */
  hostMaybeSignature(near: number, side: number, tenant: number, party: number): number {
    return getOrInsert(this.hostMaybe, `${near},${side},${tenant},${party}`, () => this.hostMaybeCount++);
  }

  /**
   * What the chain's host (or hidden host's datacenter) decides, worked out once per host. A
   * dangling host is told apart from no other host (docs/separation.md), just as a hidden one:
   * its units are indexed as hidden in their (unknown) datacenter, and those naming it share it
   * through `below`, whose pairs are never looser than the hidden ones'.
   */
  where(chain: Chain): Where {
    const dc = chain.datacenter ?? UNKNOWN_DC;
    if (chain.host === null || !this.topology.hosts.has(chain.host)) return this.known(this.byHiddenDc, this.carriedByHiddenDc, dc, chain, dc, false);
    return this.known(this.byHost, this.carriedByHost, chain.host, chain, dc, true);
  }

  /** The Where made in this build, or the carried one while it still holds (the same place, rack node and datacenter node), or a new one. */
  private known(made: Map<string, Where>, carried: ReadonlyMap<string, Where>, key: string, chain: Chain, dc: string, hostKnown: boolean): Where {
    let where = made.get(key);
    if (where) return where;
    where = carried.get(key);
    const rack = hostKnown ? chain.rack : null;
    const holds = (w: Where) =>
      w.dc === dc &&
      w.hostKnown === hostKnown &&
      w.rack === rack &&
      w.placementGroup === (hostKnown ? chain.placementGroup : null) &&
      w.rackNode === (rack === null ? undefined : this.topology.racks.get(rack)) &&
      w.dcNode === this.topology.datacenters.get(dc);
    if (!where || !holds(where)) where = this.whereOf(chain, dc, hostKnown);
    made.set(key, where);
    return where;
  }

  private whereOf(chain: Chain, dc: string, hostKnown: boolean): Where {
    const placementGroup = hostKnown ? chain.placementGroup : null;
    const rack = hostKnown ? chain.rack : null;
    const hostGroup = placementGroup === null ? dc : `${dc}${SEP}${placementGroup}`;
    const rackNode = rack === null ? undefined : this.topology.racks.get(rack);
    const rackSynced = rackNode !== undefined;
    const rackDomainsKnown = rackNode !== undefined && rackDomainsListed(rackNode);
    const near = hostKnown ? hostGroup : dc;
    const number = (map: Map<string, number>, key: string) => getOrInsert(map, key, () => map.size);
    if (hostKnown) getOrInsert(this.hostGroups, dc, () => new Map<string, string | null>()).set(hostGroup, placementGroup);
    if (hostKnown && rack !== null) getOrInsert(this.rackDatacenters, rack, () => new Set()).add(dc);
    const where: Where = {
      dc,
      dcId: number(this.datacenters, dc),
      hostKnown,
      placementGroup,
      hostGroup,
      rack,
      rackSynced,
      rackDomainsKnown,
      nearSignature: number(this.signatures.near, `${near}${SEP}${hostKnown}`),
      hostSignature: number(this.signatures.host, `${near}${SEP}${hostKnown}${SEP}${rackDomainsKnown}`),
      rackSignature: hostKnown && rack !== null ? number(this.signatures.rack, `${rack}${SEP}${dc}${SEP}${placementGroup ?? ""}`) : -1,
      sidePlace: (hostKnown ? this.tables.onHosts : this.tables.hidden).id(near),
      dedicatedSidePlace: (hostKnown ? this.tables.dedicatedOnHosts : this.tables.dedicatedHidden).id(near),
      zeroOffers: [],
      rackNode: rackNode,
      dcNode: this.topology.datacenters.get(dc),
    };
    this.addZeroOffers(where);
    return where;
  }

  /** The places below the unit's requirement that its host (or datacenter) decides, each at value 0. */
  private addZeroOffers(w: Where) {
    const add = (table: TableName, key: string) => w.zeroOffers.push([table, this.tables[table].id(key)]);
    if (!w.hostKnown) add("hiddenAll", w.dc);
    else {
      add(w.rackDomainsKnown ? "rackSynced" : "rackUnsynced", w.hostGroup);
      if (w.rack !== null) {
        add("racks", rackPlaceKey(w));
        if (w.rackSynced) {
          const keys = rackDomainKeys(this.topology, w.rack, w.placementGroup);
          for (const key of keys.power) add("powerDomains", key);
          for (const key of keys.network) add("networkDomains", key);
        }
      }
    }
    if (w.dc === UNKNOWN_DC) return;
    add("datacenters", w.dc);
    const keys = datacenterKeys(this.topology, w.dc);
    if (!keys) return;
    add("planets", keys.planet);
    for (const key of keys.zones) add("hazardZones", key);
    if (keys.region !== null) add("regions", keys.region);
  }
}
