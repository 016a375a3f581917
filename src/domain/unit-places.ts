import { IntColumn } from "./int-column.ts";
import type { PlaceNumbering, PlaceTables, Where } from "./place-numbering.ts";
import type { PlaceTable } from "./place-table.ts";
import { rank } from "./scale.ts";
import { cachedChainOf, hostLevelTenant, type Chain } from "./separation.ts";
import type { UnitFacts } from "./shared-places.ts";
import type { Topology, UnitRef } from "./topology.ts";

/*
 * One container or VM entered in the shared-places index under construction: its facts, its
 * way up as places of `below`, and its offers to every table. A full build enters every unit; a
 * build carried from the index before a sync enters only the units a change reached and copies
 * the others (patch-shared-places.ts).
 */

/** Each unit's way up as places of `below`, and the unit each place of `below` is: columns filled unit by unit. */
export class WaysUp {
  readonly links = new IntColumn((n) => new Int32Array(n));
  readonly linkStrongest = new IntColumn((n) => new Uint8Array(n));
  readonly linkStart = new IntColumn((n) => new Int32Array(n));
  readonly belowUnit = new IntColumn((n) => new Int32Array(n), -1);
  /** The way up of each shared tail (`Chain.tail`), worked out once. */
  readonly tails = new Map<Chain, WayUp>();

  constructor() {
    this.linkStart.push(0);
  }
}

/** What a build enters units into. */
export interface Build {
  topology: Topology;
  numbering: PlaceNumbering;
  tables: PlaceTables;
  ways: WaysUp;
}

/** Enters the unit as unit number `index`, a unit nothing is known of yet. */
export function enterUnit(build: Build, ref: UnitRef, index: number): UnitFacts {
  const { topology, numbering } = build;
  const node = ref.kind === "container" ? topology.containers.get(ref.key)! : topology.virtualMachines.get(ref.key)!;
  const chain = cachedChainOf(topology, ref);
  const where = numbering.where(chain);
  const f = factsOf(numbering, ref, chain, where, { tenant: node.tenant, workload: node.workload, hostLevel: hostLevelTenant(topology, chain) }, index);
  addToPlaces(build, f, where);
  return f;
}

/** What the index reads of a unit's node, and its host-level tenant. */
interface Owner {
  tenant: string;
  workload: string | null;
  hostLevel: string | null;
}

function factsOf(numbering: PlaceNumbering, ref: UnitRef, chain: Chain, where: Where, owner: Owner, index: number): UnitFacts {
  const { tenant, workload } = owner;
  let dedicated: string[] = [];
  for (const link of chain.links) if (link.dedicatedTo !== null && !dedicated.includes(link.dedicatedTo)) dedicated = [...dedicated, link.dedicatedTo];
  const tenantId = numbering.tenant(tenant);
  const side = rank(chain.belowHost);
  const reservations = dedicated.map((t) => numbering.tenant(t));
  const hostLevelTenantId = owner.hostLevel === null ? -1 : owner.hostLevel === tenant ? tenantId : numbering.tenant(owner.hostLevel);
  const party = reservations.length === 0 && hostLevelTenantId === tenantId ? -1 : numbering.party(tenantId, hostLevelTenantId, reservations);
  return {
    index,
    ref,
    tenant,
    tenantId,
    workload,
    groupId: numbering.group(workload),
    chain,
    side,
    hostKnown: where.hostKnown,
    placementGroup: where.placementGroup,
    hostGroup: where.hostGroup,
    rack: where.rack,
    rackSynced: where.rackSynced,
    rackDomainsKnown: where.rackDomainsKnown,
    dc: where.dc,
    dcId: where.dcId,
    dedicated,
    reservations,
    hostLevelTenantId,
    party,
    hostMaybeSignature: numbering.hostMaybeSignature(where.nearSignature, side, tenantId, party),
    hostSignature: where.hostSignature,
    rackSignature: where.rackSignature,
  };
}

/**
 * A chain's links from `from` on as places of `below`, and the strongest wall among the links
 * before each one (from `from`; 0 for the first). The way up of a unit's VM or host is the same
 * for every unit on it: it is worked out once per shared tail (`Chain.tail`), by identity.
 */
interface WayUp {
  places: number[];
  strongest: number[];
}

function wayUp(below: PlaceTable, tails: Map<Chain, WayUp>, chain: Chain, from: number): WayUp {
  if (from === 1 && chain.tail) return sharedWayUp(below, tails, chain.tail);
  const way: WayUp = { places: [], strongest: [] };
  let strongest = 0;
  for (let k = from; k < chain.links.length; k++) {
    if (k > from) strongest = Math.max(strongest, rank(chain.links[k - 1].boundary));
    way.places.push(below.id(chain.ids[k]));
    way.strongest.push(strongest);
  }
  return way;
}

/** A shared tail's way up, places numbered in the order of its links as a walk of it would. */
function sharedWayUp(below: PlaceTable, tails: Map<Chain, WayUp>, tail: Chain): WayUp {
  let way = tails.get(tail);
  if (way) return way;
  const first = below.id(tail.ids[0]);
  const wall = rank(tail.links[0].boundary);
  const up = tail.links.length > 1 ? wayUp(below, tails, tail, 1) : { places: [], strongest: [] };
  way = { places: [first, ...up.places], strongest: [0, ...up.strongest.map((s) => Math.max(wall, s))] };
  tails.set(tail, way);
  return way;
}

function addToPlaces(build: Build, f: UnitFacts, where: Where) {
  const { tables, ways } = build;
  const { chain, tenantId: tenant, groupId: group, index: unit } = f;
  const own = tables.below.id(chain.ids[0]);
  ways.belowUnit.set(own, unit);
  ways.links.push(own);
  ways.linkStrongest.push(0);
  if (chain.links.length > 1) {
    const up = wayUp(tables.below, ways.tails, chain, 1);
    const wall = rank(chain.links[0].boundary);
    for (let k = 0; k < up.places.length; k++) {
      const strongest = Math.max(wall, up.strongest[k]);
      tables.below.offer(up.places[k], tenant, strongest, group, unit);
      ways.links.push(up.places[k]);
      ways.linkStrongest.push(strongest);
    }
  }
  ways.linkStart.push(ways.links.length);
  if (f.party === -1) (f.hostKnown ? tables.onHosts : tables.hidden).offer(where.sidePlace, tenant, f.side, group, unit);
  else (f.hostKnown ? tables.dedicatedOnHosts : tables.dedicatedHidden).offer(where.dedicatedSidePlace, f.party, f.side, group, unit);
  for (const [table, place] of where.zeroOffers) tables[table].offer(place, tenant, 0, group, unit);
}
