import type { Topology } from "./topology.ts";
import { getOrInsert } from "./get-or-insert.ts";

/*
 * The keys of the places above a host: racks, power and network domains, hazard zones,
 * regions and planets, as the shared-places index names them.
 */
export const UNKNOWN_DC = "\u0000unknown";
export const SEP = "\u0000";

/**
 * A synced rack is its own place (its datacenter is known); a rack nobody synced is one per
 * datacenter its hosts name. Seen from a placement group's slot, it is a place of that group
 * only: a slot's rack is known against the group's other slots alone.
 */
export function rackPlaceKey(f: { rack: string | null; rackSynced: boolean; dc: string; placementGroup: string | null }, dc = f.dc): string {
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
