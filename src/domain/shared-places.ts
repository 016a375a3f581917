import { rank } from "./scale.ts";
import { cachedChainOf, type Chain } from "./separation.ts";
import { sortedKeysSteps } from "./sorted-keys.ts";
import type { Topology, UnitRef } from "./topology.ts";
import { getOrInsert } from "./get-or-insert.ts";

/*
 * The fleet's compute units indexed by every place two of them can share, so that the fleet
 * report and the exposure lists visit only pairs that share something below a requirement
 * (src/domain/fleet-report.ts says which place sets which level). Built once per topology, in
 * slices (`sharedPlacesSteps`) so that a service can keep answering while it builds.
 *
 * Each place maps a tenant to the `Lowest` value its units bring there, remembering which
 * workload offered it: a workload's own units are never paired with each other.
 */
export class Lowest {
  first = Infinity;
  firstGroup = "";
  firstUnit = -1;
  second = Infinity;
  secondUnit = -1;
  offer(value: number, group: string, unit: number) {
    if (value < this.first) {
      if (group !== this.firstGroup) {
        this.second = this.first;
        this.secondUnit = this.firstUnit;
      }
      this.first = value;
      this.firstGroup = group;
      this.firstUnit = unit;
    } else if (group !== this.firstGroup && value < this.second) {
      this.second = value;
      this.secondUnit = unit;
    }
  }
  /** The lowest value offered by a unit outside trust group `group` (Infinity if none). */
  valueWithout(group: string): number {
    return group === this.firstGroup ? this.second : this.first;
  }
  /** The unit (index into `SharedPlaces.units`) that offered it. */
  unitWithout(group: string): number {
    return group === this.firstGroup ? this.secondUnit : this.firstUnit;
  }
}

/** A place: tenant → the lowest value its units bring there. */
export type Place = Map<string, Lowest>;
export type Places = Map<string, Place>;

/** What the report needs to know of one container or VM. */
export interface UnitFacts {
  index: number;
  ref: UnitRef;
  tenant: string;
  workload: string | null;
  /** Its trust group: its workload's, or its own when it has none. */
  group: string;
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
  /** Its datacenter's key, or UNKNOWN_DC. */
  dc: string;
  /** The tenants that dedicated hardware on its way up is reserved for. */
  dedicated: readonly string[];
}

export const UNKNOWN_DC = "\u0000unknown";
export const SEP = "\u0000";
export const groupOf = (workload: string | null, id: string) => (workload !== null ? `w:${workload}` : `u:${id}`);

export interface SharedPlaces {
  units: UnitFacts[];
  byId: Map<string, UnitFacts>;
  byWorkload: Map<string, UnitFacts[]>;
  /** Co-location: under a compute unit ("kind:key"), each tenant's weakest wall on the way up to it. */
  below: Places;
  /**
   * Possibly shared hosts: units on hidden or unknown hosts per datacenter (or UNKNOWN_DC), and
   * on known hosts per host group (`hostGroups`), by side; without dedicated hardware.
   */
  hidden: Places;
  onHosts: Places;
  /** The same for units on hardware reserved for one tenant, keyed `tenant SEP reservedFor`. */
  dedicatedHidden: Places;
  dedicatedOnHosts: Places;
  /** Every unit on a hidden or unknown host, whatever its dedication (value 0): a shared host not ruled out means at most HOST. */
  hiddenAll: Places;
  /** Units on known hosts per host group, by whether their rack is synced (value 0). */
  rackSynced: Places;
  rackUnsynced: Places;
  /** Units on known hosts per rack key and datacenter ("rack SEP dc"), and the datacenters each rack key was seen in. */
  racks: Places;
  rackDatacenters: Map<string, Set<string>>;
  /** Units in synced racks per power and network domain ("dc SEP domain"). */
  powerDomains: Places;
  networkDomains: Places;
  /** Units per known datacenter key. */
  datacenters: Places;
  /** Units in synced datacenters per hazard zone ("planet SEP zone"), per region of datacenters with no zones ("planet SEP region"), per planet. */
  hazardZones: Places;
  regions: Places;
  planets: Places;
  /** Every datacenter group that holds units (UNKNOWN_DC included). */
  datacenterGroups: string[];
  /**
   * The host groups of each datacenter group: the datacenter itself for hosts of their own,
   * and one per placement group (whose slots are known apart only from each other), with
   * that placement group (null for the datacenter itself).
   */
  hostGroups: Map<string, Map<string, string | null>>;
}

export function place(places: Places, key: string): Place {
  return getOrInsert(places, key, () => new Map());
}

function offer(places: Places, key: string, tenant: string, value: number, f: UnitFacts) {
  getOrInsert(place(places, key), tenant, () => new Lowest()).offer(value, f.group, f.index);
}

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
  const empty = (): Places => new Map();
  const index: SharedPlaces = {
    units: [],
    byId: new Map(),
    byWorkload: new Map(),
    below: empty(),
    hidden: empty(),
    onHosts: empty(),
    dedicatedHidden: empty(),
    dedicatedOnHosts: empty(),
    hiddenAll: empty(),
    rackSynced: empty(),
    rackUnsynced: empty(),
    racks: empty(),
    rackDatacenters: new Map(),
    powerDomains: empty(),
    networkDomains: empty(),
    datacenters: empty(),
    hazardZones: empty(),
    regions: empty(),
    planets: empty(),
    datacenterGroups: [],
    hostGroups: new Map(),
  };
  const groups = new Set<string>();
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
    const f = factsOf(topology, ref, node.tenant, node.workload, i);
    index.units.push(f);
    index.byId.set(f.chain.ids[0], f);
    if (f.workload !== null) getOrInsert(index.byWorkload, f.workload, () => []).push(f);
    addToPlaces(topology, index, f);
    groups.add(f.dc);
    if (f.hostKnown) {
      let hostGroups = index.hostGroups.get(f.dc);
      if (!hostGroups) index.hostGroups.set(f.dc, (hostGroups = new Map<string, string | null>()));
      hostGroups.set(f.hostGroup, f.placementGroup);
    }
  }
  index.datacenterGroups = [...groups];
  cache.set(topology, index);
  return index;
}

function factsOf(topology: Topology, ref: UnitRef, tenant: string, workload: string | null, index: number): UnitFacts {
  const chain = cachedChainOf(topology, ref);
  let dedicated: string[] = [];
  for (const link of chain.links) if (link.dedicatedTo !== null && !dedicated.includes(link.dedicatedTo)) dedicated = [...dedicated, link.dedicatedTo];
  const dc = chain.datacenter ?? UNKNOWN_DC;
  return {
    index,
    ref,
    tenant,
    workload,
    group: groupOf(workload, chain.ids[0]),
    chain,
    side: rank(chain.belowHost),
    hostKnown: chain.host !== null,
    placementGroup: chain.placementGroup,
    hostGroup: chain.placementGroup === null ? dc : `${dc}${SEP}${chain.placementGroup}`,
    rack: chain.rack,
    rackSynced: chain.rack !== null && topology.racks.has(chain.rack),
    dc,
    dedicated,
  };
}

function addToPlaces(topology: Topology, index: SharedPlaces, f: UnitFacts) {
  const { chain, tenant } = f;
  let strongest = 0;
  for (let k = 1; k < chain.links.length; k++) {
    strongest = Math.max(strongest, rank(chain.links[k - 1].boundary));
    offer(index.below, chain.ids[k], tenant, strongest, f);
  }
  if (f.dedicated.length <= 1) {
    // Reserved for two tenants at once: shares a host with nobody else's units.
    const [only] = f.dedicated;
    const target = only === undefined ? (f.hostKnown ? index.onHosts : index.hidden) : f.hostKnown ? index.dedicatedOnHosts : index.dedicatedHidden;
    offer(target, f.hostKnown ? f.hostGroup : f.dc, only === undefined ? tenant : `${tenant}${SEP}${only}`, f.side, f);
  }
  if (!f.hostKnown) offer(index.hiddenAll, f.dc, tenant, 0, f);
  else {
    offer(f.rackSynced ? index.rackSynced : index.rackUnsynced, f.hostGroup, tenant, 0, f);
    if (f.rack !== null) {
      offer(index.racks, rackPlaceKey(f), tenant, 0, f);
      getOrInsert(index.rackDatacenters, f.rack, () => new Set()).add(f.dc);
      if (f.rackSynced) {
        const keys = rackDomainKeys(topology, f.rack, f.placementGroup);
        for (const key of keys.power) offer(index.powerDomains, key, tenant, 0, f);
        for (const key of keys.network) offer(index.networkDomains, key, tenant, 0, f);
      }
    }
  }
  if (f.dc === UNKNOWN_DC) return;
  offer(index.datacenters, f.dc, tenant, 0, f);
  const keys = datacenterKeys(topology, f.dc);
  if (!keys) return;
  offer(index.planets, keys.planet, tenant, 0, f);
  for (const key of keys.zones) offer(index.hazardZones, key, tenant, 0, f);
  if (keys.region !== null) offer(index.regions, keys.region, tenant, 0, f);
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
