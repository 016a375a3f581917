import { rackDomainsListed, type Chain } from "./separation.ts";
import type { Topology } from "./topology.ts";
import { getOrInsert } from "./get-or-insert.ts";
import { IntColumn } from "./int-column.ts";
import type { PlaceTable } from "./place-table.ts";
import { datacenterKeys, rackDomainKeys, rackPlaceKey, SEP, UNKNOWN_DC } from "./place-keys.ts";

/*
 * What the shared-places index numbers while it indexes units: tenants, trust groups,
 * datacenter groups, the parties of the dedicated tables, the signatures the scan visits once per
 * workload, and, once per host (or per datacenter for units whose host is hidden), the places
 * that host decides. A unit then costs a few lookups of small integers instead of a dozen
 * string keys built and hashed again for every unit.
 */
export const TABLES = ["below", "hidden", "onHosts", "dedicatedHidden", "dedicatedOnHosts", "hiddenAll", "rackSynced", "rackUnsynced", "racks", "powerDomains", "networkDomains", "datacenters", "hazardZones", "regions", "planets"] as const;
export type PlaceTables = Record<(typeof TABLES)[number], PlaceTable>;

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
  /** The place its units offer their side at: without dedication, and with (made when first needed). */
  sidePlace: number;
  dedicatedSidePlace: number;
  /** The places every unit there offers 0 at: pairs of (table, place). */
  zeroOffers: [PlaceTable, number][];
}

export class PlaceNumbering {
  readonly tenants = new Map<string, number>();
  readonly tenantNames: string[] = [];
  readonly workloadGroups = new Map<string, number>();
  groupCount = 0;
  readonly datacenters = new Map<string, number>();
  /** Parties of the dedicated tables: tenant, host-level tenant (-1: not known), the tenants their hardware is reserved for. */
  readonly partyTenant: number[] = [];
  readonly partyHostLevel: number[] = [];
  readonly partyReservations: (readonly number[])[] = [];
  readonly signatures = { near: new Map<string, number>(), host: new Map<string, number>(), rack: new Map<string, number>() };
  hostMaybeCount = 0;
  readonly links = new IntColumn((n) => new Int32Array(n));
  readonly linkStrongest = new IntColumn((n) => new Uint8Array(n));
  readonly linkStart = new IntColumn((n) => new Int32Array(n));
  /** The unit each place of `below` is (-1: a host, or a unit not synced). */
  readonly belowUnit = new IntColumn((n) => new Int32Array(n), -1);
  readonly rackDatacenters = new Map<string, Set<string>>();
  readonly hostGroups = new Map<string, Map<string, string | null>>();
  private readonly parties = new Map<string, number>();
  private readonly hostMaybe = new Map<number, Map<number, Map<number, number>>>();
  private readonly byHost = new Map<string, Where>();
  private readonly byHiddenDc = new Map<string, Where>();

  constructor(
    private readonly topology: Topology,
    private readonly tables: PlaceTables,
  ) {
    this.linkStart.push(0);
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
    const bySide = getOrInsert(this.hostMaybe, near * 16 + side, () => new Map());
    return getOrInsert(
      getOrInsert(bySide, tenant, () => new Map()),
      party + 1,
      () => this.hostMaybeCount++,
    );
  }

  /**
   * What the chain's host (or hidden host's datacenter) decides, worked out once per host. A
   * dangling host is told apart from no other host (docs/separation.md), just as a hidden one:
   * its units are indexed as hidden in their (unknown) datacenter, and those naming it share it
   * through `below`, whose pairs are never looser than the hidden ones'.
   */
  where(chain: Chain): Where {
    const dc = chain.datacenter ?? UNKNOWN_DC;
    if (chain.host === null || !this.topology.hosts.has(chain.host)) return getOrInsert(this.byHiddenDc, dc, () => this.whereOf(chain, dc, false));
    return getOrInsert(this.byHost, chain.host, () => this.whereOf(chain, dc, true));
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
      dedicatedSidePlace: -1,
      zeroOffers: [],
    };
    this.addZeroOffers(where);
    return where;
  }

  /** The places below the unit's requirement that its host (or datacenter) decides, each at value 0. */
  private addZeroOffers(w: Where) {
    const { tables } = this;
    const add = (table: PlaceTable, key: string) => w.zeroOffers.push([table, table.id(key)]);
    if (!w.hostKnown) add(tables.hiddenAll, w.dc);
    else {
      add(w.rackDomainsKnown ? tables.rackSynced : tables.rackUnsynced, w.hostGroup);
      if (w.rack !== null) {
        add(tables.racks, rackPlaceKey(w));
        if (w.rackSynced) {
          const keys = rackDomainKeys(this.topology, w.rack, w.placementGroup);
          for (const key of keys.power) add(tables.powerDomains, key);
          for (const key of keys.network) add(tables.networkDomains, key);
        }
      }
    }
    if (w.dc === UNKNOWN_DC) return;
    add(tables.datacenters, w.dc);
    const keys = datacenterKeys(this.topology, w.dc);
    if (!keys) return;
    add(tables.planets, keys.planet);
    for (const key of keys.zones) add(tables.hazardZones, key);
    if (keys.region !== null) add(tables.regions, keys.region);
  }
}
