import { rank } from "./scale.ts";
import { cachedChainOf, type Chain } from "./separation.ts";
import { sortedKeysSteps } from "./sorted-keys.ts";
import type { Topology, UnitRef } from "./topology.ts";
import { getOrInsert } from "./get-or-insert.ts";
import { PlaceTable } from "./place-table.ts";
import { compareCodeUnits } from "./compare-code-units.ts";

/*
 * The fleet's compute units indexed by every place two of them can share, so that the fleet
 * report and the exposure lists visit only pairs that share something below a requirement
 * (src/domain/fleet-report.ts says which place sets which level). Built once per topology, in
 * slices (`sharedPlacesSteps`) so that a service can keep answering while it builds.
 *
 * Units, tenants, trust groups and places are numbered once here, and each kind of place is a
 * `PlaceTable` of integer columns: per place, each tenant's lowest value from outside a trust
 * group (a workload's own units are never paired with each other), and the unit that offered it.
 */

/** What the report needs to know of one container or VM. */
export interface UnitFacts {
  index: number;
  ref: UnitRef;
  tenant: string;
  tenantId: number;
  workload: string | null;
  /** Its trust group: its workload's, or its own when it has none; and its number. */
  group: string;
  groupId: number;
  chain: Chain;
  /** Rank of the strongest wall below the host: what it brings to a shared host. */
  side: number;
  hostKnown: boolean;
  /** The placement group its host is a slot of (null: none, or its host is not known). */
  placementGroup: string | null;
  /** Where its known host is indexed: its datacenter key, with its placement group when it has one. */
  hostGroup: string;
  rack: string | null;
  rackSynced: boolean;
  /** Its datacenter's key, or UNKNOWN_DC; and its number (an index into `datacenterGroups`). */
  dc: string;
  dcId: number;
  /** The tenants that dedicated hardware on its way up is reserved for. */
  dedicated: readonly string[];
  /** The tenant id of its only reservation (-1: none, or more than one). */
  reservedFor: number;
  /** Numbers of what the scan visits alike for all units that share it (-1: nothing to visit): a possibly shared host, hosts apart, its rack. */
  hostMaybeSignature: number;
  hostSignature: number;
  rackSignature: number;
}

export const UNKNOWN_DC = "\u0000unknown";
export const SEP = "\u0000";
export const groupOf = (workload: string | null, id: string) => (workload !== null ? `w:${workload}` : `u:${id}`);

export interface SharedPlaces {
  units: UnitFacts[];
  byId: Map<string, UnitFacts>;
  byWorkload: Map<string, UnitFacts[]>;
  /** Tenants by number, their numbers, and each one's rank in code-unit order of its key. */
  tenantNames: string[];
  tenantIds: Map<string, number>;
  tenantRank: Int32Array;
  /** Trust groups (`groupOf`) by key. */
  groupIds: Map<string, number>;
  /** The parties of the dedicated tables: a tenant on hardware reserved for another tenant (`only`). */
  pairTenant: Int32Array;
  pairOnly: Int32Array;
  /** Co-location: under a compute unit ("kind:key"), each tenant's weakest wall on the way up to it. */
  below: PlaceTable;
  /** Unit u's way up, as places of `below`: links[linkStart[u] + k] for its chain's link k. */
  linkStart: Int32Array;
  links: Int32Array;
  /** The unit a place of `below` is (-1: a host, or a unit that is not synced). */
  belowUnit: Int32Array;
  /**
   * Possibly shared hosts: units on hidden or unknown hosts per datacenter (or UNKNOWN_DC), and
   * on known hosts per host group (`hostGroups`), by side; without dedicated hardware.
   */
  hidden: PlaceTable;
  onHosts: PlaceTable;
  /** The same for units on hardware reserved for one tenant: parties are pairs (`pairTenant`, `pairOnly`). */
  dedicatedHidden: PlaceTable;
  dedicatedOnHosts: PlaceTable;
  /** Every unit on a hidden or unknown host, whatever its dedication (value 0): a shared host not ruled out means at most HOST. */
  hiddenAll: PlaceTable;
  /** Units on known hosts per host group, by whether their rack is synced (value 0). */
  rackSynced: PlaceTable;
  rackUnsynced: PlaceTable;
  /** Units on known hosts per rack key and datacenter ("rack SEP dc"), and the datacenters each rack key was seen in. */
  racks: PlaceTable;
  rackDatacenters: Map<string, Set<string>>;
  /** Units in synced racks per power and network domain ("dc SEP domain"). */
  powerDomains: PlaceTable;
  networkDomains: PlaceTable;
  /** Units per known datacenter key. */
  datacenters: PlaceTable;
  /** Units in synced datacenters per hazard zone ("planet SEP zone"), per region of datacenters with no zones ("planet SEP region"), per planet. */
  hazardZones: PlaceTable;
  regions: PlaceTable;
  planets: PlaceTable;
  /** Every datacenter group that holds units (UNKNOWN_DC included), by number (`UnitFacts.dcId`). */
  datacenterGroups: string[];
  /**
   * The host groups of each datacenter group: the datacenter itself for hosts of their own,
   * and one per placement group (whose slots are known apart only from each other), with
   * that placement group (null for the datacenter itself).
   */
  hostGroups: Map<string, Map<string, string | null>>;
  /** How many of each signature there are. */
  signatures: { hostMaybe: number; host: number; rack: number };
}

const TABLES = ["below", "hidden", "onHosts", "dedicatedHidden", "dedicatedOnHosts", "hiddenAll", "rackSynced", "rackUnsynced", "racks", "powerDomains", "networkDomains", "datacenters", "hazardZones", "regions", "planets"] as const;

/** The tables the report looks a single tenant up in (refining a pair's lowest possible level). */
const SEARCHED = new Set<string>(["racks", "powerDomains", "networkDomains", "datacenters", "hazardZones", "regions", "planets"]);

/** What is numbered while the units are indexed. */
class Numbering {
  readonly tenants = new Map<string, number>();
  readonly tenantNames: string[] = [];
  readonly groups = new Map<string, number>();
  readonly datacenters = new Map<string, number>();
  readonly pairs = new Map<string, number>();
  readonly pairTenant: number[] = [];
  readonly pairOnly: number[] = [];
  readonly signatures = { hostMaybe: new Map<string, number>(), host: new Map<string, number>(), rack: new Map<string, number>() };
  readonly links: number[] = [];
  readonly linkStart: number[] = [0];
  readonly belowUnit: number[] = [];

  tenant(key: string): number {
    return getOrInsert(this.tenants, key, () => this.tenantNames.push(key) - 1);
  }
  pair(tenant: number, only: number): number {
    return getOrInsert(this.pairs, `${tenant},${only}`, () => {
      this.pairOnly.push(only);
      return this.pairTenant.push(tenant) - 1;
    });
  }
}

const number = (map: Map<string, number>, key: string) => getOrInsert(map, key, () => map.size);

const cache = new WeakMap<Topology, SharedPlaces>();

/** The index for a topology, built at once (or taken from the cache). */
export function sharedPlaces(topology: Topology): SharedPlaces {
  const steps = sharedPlacesSteps(topology);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** Builds the index, yielding every few dozen units (well under a millisecond) so that a caller can give the event loop a turn. */
export function* sharedPlacesSteps(topology: Topology, every = 64): Generator<void, SharedPlaces> {
  const cached = cache.get(topology);
  if (cached) return cached;
  const tables = Object.fromEntries(TABLES.map((t) => [t, new PlaceTable()])) as Record<(typeof TABLES)[number], PlaceTable>;
  const numbering = new Numbering();
  const units: UnitFacts[] = [];
  const byId = new Map<string, UnitFacts>();
  const byWorkload = new Map<string, UnitFacts[]>();
  const rackDatacenters = new Map<string, Set<string>>();
  const hostGroups = new Map<string, Map<string, string | null>>();
  // Key order (kind, then key): the order verdicts list their units in, so witnesses agree where they can.
  const containerKeys = yield* sortedKeysSteps(topology.containers);
  const vmKeys = yield* sortedKeysSteps(topology.virtualMachines);
  const total = containerKeys.length + vmKeys.length;
  for (let i = 0; i < total; i++) {
    if (i > 0 && i % every === 0) yield;
    const isContainer = i < containerKeys.length;
    const key = isContainer ? containerKeys[i] : vmKeys[i - containerKeys.length];
    const node = isContainer ? topology.containers.get(key)! : topology.virtualMachines.get(key)!;
    const ref: UnitRef = { kind: isContainer ? "container" : "virtualMachine", key };
    const f = factsOf(topology, numbering, ref, node.tenant, node.workload, i);
    units.push(f);
    byId.set(f.chain.ids[0], f);
    if (f.workload !== null) getOrInsert(byWorkload, f.workload, () => []).push(f);
    addToPlaces(topology, tables, numbering, f);
    if (f.hostKnown) getOrInsert(hostGroups, f.dc, () => new Map<string, string | null>()).set(f.hostGroup, f.placementGroup);
    if (f.hostKnown && f.rack !== null) getOrInsert(rackDatacenters, f.rack, () => new Set()).add(f.dc);
  }
  const parties = Math.max(numbering.tenantNames.length, numbering.pairTenant.length);
  for (const table of TABLES) yield* tables[table].finish(parties, SEARCHED.has(table));
  const index: SharedPlaces = {
    units,
    byId,
    byWorkload,
    tenantNames: numbering.tenantNames,
    tenantIds: numbering.tenants,
    tenantRank: ranks(numbering.tenantNames),
    groupIds: numbering.groups,
    pairTenant: Int32Array.from(numbering.pairTenant),
    pairOnly: Int32Array.from(numbering.pairOnly),
    ...tables,
    linkStart: Int32Array.from(numbering.linkStart),
    links: Int32Array.from(numbering.links),
    belowUnit: belowUnits(numbering.belowUnit, tables.below.keys.length),
    rackDatacenters,
    datacenterGroups: [...numbering.datacenters.keys()],
    hostGroups,
    signatures: { hostMaybe: numbering.signatures.hostMaybe.size, host: numbering.signatures.host.size, rack: numbering.signatures.rack.size },
  };
  cache.set(topology, index);
  return index;
}

/** Each name's position in code-unit order. */
function ranks(names: string[]): Int32Array {
  const order = names.map((_, i) => i).sort((a, b) => compareCodeUnits(names[a], names[b]));
  const rankOf = new Int32Array(names.length);
  order.forEach((id, position) => (rankOf[id] = position));
  return rankOf;
}

function belowUnits(sparse: number[], places: number): Int32Array {
  const result = new Int32Array(places).fill(-1);
  sparse.forEach((unit, place) => (result[place] = unit));
  return result;
}

function factsOf(topology: Topology, numbering: Numbering, ref: UnitRef, tenant: string, workload: string | null, index: number): UnitFacts {
  const chain = cachedChainOf(topology, ref);
  let dedicated: string[] = [];
  for (const link of chain.links) if (link.dedicatedTo !== null && !dedicated.includes(link.dedicatedTo)) dedicated = [...dedicated, link.dedicatedTo];
  const dc = chain.datacenter ?? UNKNOWN_DC;
  const group = groupOf(workload, chain.ids[0]);
  const hostKnown = chain.host !== null;
  const side = rank(chain.belowHost);
  const hostGroup = chain.placementGroup === null ? dc : `${dc}${SEP}${chain.placementGroup}`;
  const rackSynced = chain.rack !== null && topology.racks.has(chain.rack);
  const near = hostKnown ? hostGroup : dc;
  const signatures = numbering.signatures;
  return {
    index,
    ref,
    tenant,
    tenantId: numbering.tenant(tenant),
    workload,
    group,
    groupId: number(numbering.groups, group),
    chain,
    side,
    hostKnown,
    placementGroup: chain.placementGroup,
    hostGroup,
    rack: chain.rack,
    rackSynced,
    dc,
    dcId: number(numbering.datacenters, dc),
    dedicated,
    reservedFor: dedicated.length === 1 ? numbering.tenant(dedicated[0]) : -1,
    hostMaybeSignature: dedicated.length > 1 ? -1 : number(signatures.hostMaybe, `${near}${SEP}${hostKnown}${SEP}${side}${SEP}${tenant}${SEP}${dedicated[0] ?? ""}`),
    hostSignature: number(signatures.host, `${near}${SEP}${hostKnown}${SEP}${rackSynced}`),
    rackSignature: hostKnown && chain.rack !== null ? number(signatures.rack, `${chain.rack}${SEP}${dc}${SEP}${chain.placementGroup ?? ""}`) : -1,
  };
}

function addToPlaces(topology: Topology, tables: Record<(typeof TABLES)[number], PlaceTable>, numbering: Numbering, f: UnitFacts) {
  const { chain, tenantId: tenant, groupId: group, index: unit } = f;
  const offer = (table: PlaceTable, key: string, party: number, value: number) => table.offer(table.id(key), party, value, group, unit);
  let strongest = 0;
  for (let k = 0; k < chain.links.length; k++) {
    const place = tables.below.id(chain.ids[k]);
    numbering.links.push(place);
    if (k === 0) numbering.belowUnit[place] = unit;
    else {
      strongest = Math.max(strongest, rank(chain.links[k - 1].boundary));
      tables.below.offer(place, tenant, strongest, group, unit);
    }
  }
  numbering.linkStart.push(numbering.links.length);
  if (f.dedicated.length <= 1) {
    // Reserved for two tenants at once: shares a host with nobody else's units.
    const only = f.reservedFor;
    const target = only === -1 ? (f.hostKnown ? tables.onHosts : tables.hidden) : f.hostKnown ? tables.dedicatedOnHosts : tables.dedicatedHidden;
    offer(target, f.hostKnown ? f.hostGroup : f.dc, only === -1 ? tenant : numbering.pair(tenant, only), f.side);
  }
  if (!f.hostKnown) offer(tables.hiddenAll, f.dc, tenant, 0);
  else {
    offer(f.rackSynced ? tables.rackSynced : tables.rackUnsynced, f.hostGroup, tenant, 0);
    if (f.rack !== null) {
      offer(tables.racks, rackPlaceKey(f), tenant, 0);
      if (f.rackSynced) {
        const keys = rackDomainKeys(topology, f.rack, f.placementGroup);
        for (const key of keys.power) offer(tables.powerDomains, key, tenant, 0);
        for (const key of keys.network) offer(tables.networkDomains, key, tenant, 0);
      }
    }
  }
  if (f.dc === UNKNOWN_DC) return;
  offer(tables.datacenters, f.dc, tenant, 0);
  const keys = datacenterKeys(topology, f.dc);
  if (!keys) return;
  offer(tables.planets, keys.planet, tenant, 0);
  for (const key of keys.zones) offer(tables.hazardZones, key, tenant, 0);
  if (keys.region !== null) offer(tables.regions, keys.region, tenant, 0);
}

/**
 * A synced rack is its own place (its datacenter is known); a rack nobody synced is one per
 * datacenter its hosts name. Seen from a placement group's slot, it is a place of that group
 * only: a slot's rack is known against the group's other slots alone.
 */
export function rackPlaceKey(f: Pick<UnitFacts, "rack" | "rackSynced" | "dc" | "placementGroup">, dc = f.dc): string {
  const key = f.rackSynced ? f.rack! : `${f.rack}${SEP}${dc}`;
  return f.placementGroup === null ? key : `${key}${SEP}${f.placementGroup}`;
}

const rackKeysCache = new WeakMap<Topology, Map<string, { power: string[]; network: string[] }>>();

/**
 * The place keys of a synced rack's power and network domains ("dc SEP domain", and SEP the
 * placement group when seen from a group's slot), worked out once per rack and group.
 */
export function rackDomainKeys(topology: Topology, rackKey: string, placementGroup: string | null): { power: string[]; network: string[] } {
  const cacheKey = placementGroup === null ? rackKey : `${rackKey}${SEP}${placementGroup}`;
  return getOrInsert(
    getOrInsert(rackKeysCache, topology, () => new Map()),
    cacheKey,
    () => {
      const rack = topology.racks.get(rackKey)!;
      const suffix = placementGroup === null ? "" : `${SEP}${placementGroup}`;
      return { power: rack.powerDomains.map((d) => `${rack.datacenter}${SEP}${d}${suffix}`), network: rack.networkDomains.map((d) => `${rack.datacenter}${SEP}${d}${suffix}`) };
    },
  );
}

const dcKeysCache = new WeakMap<Topology, Map<string, { planet: string; zones: string[]; region: string | null } | null>>();

/** The place keys of a datacenter's planet, hazard zones ("planet SEP zone") and, when it lists none, region ("planet SEP region"); null when not synced. */
export function datacenterKeys(topology: Topology, dcKey: string): { planet: string; zones: string[]; region: string | null } | null {
  return getOrInsert(
    getOrInsert(dcKeysCache, topology, () => new Map()),
    dcKey,
    () => {
      const dc = topology.datacenters.get(dcKey);
      return dc
        ? {
            planet: dc.planet,
            zones: dc.hazardZones.map((z) => `${dc.planet}${SEP}${z}`),
            region: dc.hazardZones.length === 0 && dc.region !== null ? `${dc.planet}${SEP}${dc.region}` : null,
          }
        : null;
    },
  );
}
