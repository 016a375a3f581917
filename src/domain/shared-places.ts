import { reservationKeepsOff, type Chain } from "./separation.ts";
import { sortedKeysSteps } from "./sorted-keys.ts";
import type { Topology, UnitRef } from "./topology.ts";
import { getOrInsert } from "./get-or-insert.ts";
import type { PlaceTable } from "./place-table.ts";
import { compareCodeUnits } from "./compare-code-units.ts";
import { PlaceNumbering, placeTables, TABLES, type PlaceTables } from "./place-numbering.ts";
import { enterUnit, WaysUp, type Build } from "./unit-places.ts";
import { carriedUnitsSteps, type Carry } from "./patch-shared-places.ts";
import { nearestOrigin } from "./patch-topology.ts";

export { datacenterKeys, rackDomainKeys, rackPlaceKey, SEP, UNKNOWN_DC } from "./place-keys.ts";

/*
 * The fleet's compute units indexed by every place two of them can share, so that the fleet
 * report and the exposure lists visit only pairs that share something below a requirement
 * (src/domain/fleet-report.ts says which place sets which level). Built once per topology, in
 * slices (`sharedPlacesSteps`) so that a service can keep answering while it builds.
 *
 * Units, tenants, trust groups and places are numbered once here, and each kind of place is a
 * `PlaceTable` of integer columns: per place, each tenant's lowest value from outside a trust
 * group (a workload's own units are never paired with each other), and the unit that offered it.
 *
 * After a sync the index of the topology it was patched from is carried over rather than built
 * again (patch-shared-places.ts): the same index, in time proportional to what changed plus a
 * copy of its columns, until places no unit holds any more outnumber the others
 * (`fewPlacesLeft`). test/domain/carried-places.test.ts holds the two equal.
 */

/** What the report needs to know of one container or VM. */
export interface UnitFacts {
  index: number;
  ref: UnitRef;
  tenant: string;
  tenantId: number;
  workload: string | null;
  /** The number of its trust group: its workload's, or its own when it has none. */
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
  /** Its rack is synced and lists its power and network domains (separation.ts `rackDomainsListed`). */
  rackDomainsKnown: boolean;
  /** Its datacenter's key, or UNKNOWN_DC; and its number (an index into `datacenterGroups`). */
  dc: string;
  dcId: number;
  /** The tenants that dedicated hardware on its way up is reserved for. */
  dedicated: readonly string[];
  /** The same, as tenant ids. */
  reservations: readonly number[];
  /** The tenant id of its host-level unit (separation.ts `hostLevelTenant`; -1: not known). */
  hostLevelTenantId: number;
  /** Its party in the dedicated tables; -1 when it has no reservation and is its own host-level tenant (its tenant is its party, in the plain tables). */
  party: number;
  /** Numbers of what the scan visits alike for all units that share it (-1: nothing to visit): a possibly shared host, hosts apart, its rack. */
  hostMaybeSignature: number;
  hostSignature: number;
  rackSignature: number;
}

export interface SharedPlaces {
  /** In key order, containers first (`precedes`): `unitFactsOf` finds one by a binary search, no map of every unit needed. */
  units: UnitFacts[];
  byWorkload: Map<string, UnitFacts[]>;
  /** Tenants by number, their numbers, and each one's rank in code-unit order of its key. */
  tenantNames: string[];
  tenantIds: Map<string, number>;
  tenantRank: Int32Array;
  /** The trust group of each workload's units. */
  workloadGroups: Map<string, number>;
  /**
   * The parties of the dedicated tables: a tenant's units whose host-level unit is of another
   * tenant or not known (-1), or on reserved hardware (the tenants it is reserved for).
   */
  partyTenant: Int32Array;
  partyHostLevel: Int32Array;
  partyReservations: (readonly number[])[];
  /** Co-location: under a compute unit ("kind:key"), each tenant's weakest wall on the way up to it. */
  below: PlaceTable;
  /**
   * Unit u's way up, as places of `below`: links[linkStart[u] + k] for its chain's link k, and
   * the strongest wall between u and that link (the scan reads no chain).
   */
  linkStart: Int32Array;
  links: Int32Array;
  linkStrongest: Uint8Array;
  /** The unit a place of `below` is (-1: a host, or a unit that is not synced). */
  belowUnit: Int32Array;
  /**
   * Possibly shared hosts: units on hidden or unknown hosts per datacenter (or UNKNOWN_DC), and
   * on known hosts per host group (`hostGroups`), by side; without dedicated hardware, and
   * their own host-level tenant.
   */
  hidden: PlaceTable;
  onHosts: PlaceTable;
  /** The same for the other units: parties are (`partyTenant`, `partyHostLevel`, `partyReservations`). */
  dedicatedHidden: PlaceTable;
  dedicatedOnHosts: PlaceTable;
  /** Every unit on a hidden or unknown host, whatever its dedication (value 0): a shared host not ruled out means at most HOST. */
  hiddenAll: PlaceTable;
  /** Units on known hosts per host group, by whether their rack is synced and lists its power and network domains (value 0). */
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

/** The tables the report looks a single tenant up in (refining a pair's lowest possible level). */
const SEARCHED = new Set<string>(["racks", "powerDomains", "networkDomains", "datacenters", "hazardZones", "regions", "planets"]);

const cache = new WeakMap<Topology, SharedPlaces>();
/** What a build carried from an index needs of it beyond what it answers with (kept only while it is worth carrying: `fewPlacesLeft`). */
const numberings = new WeakMap<SharedPlaces, { numbering: PlaceNumbering; tables: PlaceTables }>();

/** How an index was carried from the index before, when it was (report-changes.ts reads what changed from it; tests, that it was carried). */
const carries = new WeakMap<SharedPlaces, Carry>();

export function carryOf(index: SharedPlaces): Carry | undefined {
  return carries.get(index);
}

/** The index for a topology if it is built (never building it). */
export function builtSharedPlaces(topology: Topology): SharedPlaces | undefined {
  return cache.get(topology);
}

/** The index for a topology, built at once (or taken from the cache). */
export function sharedPlaces(topology: Topology): SharedPlaces {
  const steps = sharedPlacesSteps(topology);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/**
 * Builds the index, yielding every few dozen units (well under a millisecond) so that a caller
 * can give the event loop a turn: carried from the index of the topology this one was patched
 * from when that one is built, else anew.
 */
export function* sharedPlacesSteps(topology: Topology, every = 64): Generator<void, SharedPlaces> {
  const cached = cache.get(topology);
  if (cached) return cached;
  const origin = nearestOrigin(topology, (t) => cache.has(t));
  const kept = origin && cache.get(origin.topology);
  const previous = kept && numberings.get(kept);
  const before = previous ? kept : undefined;
  const tables = placeTables(previous?.tables ?? null);
  const build: Build = { topology, numbering: new PlaceNumbering(topology, tables, previous?.numbering ?? null), tables, ways: new WaysUp() };
  const entered = before ? yield* carriedUnitsSteps(build, before, origin!, every) : { ...(yield* allUnitsSteps(build, every)), carry: null };
  const index = yield* assembled(build, entered.units, entered.byWorkload, entered.carry?.unitMap ?? null);
  cache.set(topology, index);
  if (fewPlacesLeft(index)) numberings.set(index, { numbering: build.numbering, tables });
  if (entered.carry) carries.set(index, entered.carry);
  return index;
}

/**
 * Whether an index is carried into the next one: while at most as many of its places are left
 * (no unit there any more: a carried numbering only ever adds, place-numbering.ts) as hold a
 * unit. Else every pod ever scheduled would stay a place until the next full load, and the
 * index grow without bound through the syncs; built anew, it lets them go: one full build once
 * the syncs have replaced about as many units as the fleet holds.
 */
function fewPlacesLeft(index: SharedPlaces): boolean {
  let places = 0;
  let held = 0;
  for (const name of TABLES) {
    const { start, keys } = index[name];
    places += keys.length;
    // A place of `below` is held by the unit it is, or by the units under it (their offers).
    for (let p = 0; p < keys.length; p++) if (start[p + 1] > start[p] || (name === "below" && index.belowUnit[p] !== -1)) held++;
  }
  return places - held <= held;
}

/** Every unit entered, in key order (kind, then key): the order verdicts list their units in, so witnesses agree where they can. */
function* allUnitsSteps(build: Build, every: number): Generator<void, { units: UnitFacts[]; byWorkload: Map<string, UnitFacts[]> }> {
  const units: UnitFacts[] = [];
  const byWorkload = new Map<string, UnitFacts[]>();
  const containerKeys = yield* sortedKeysSteps(build.topology.containers);
  const vmKeys = yield* sortedKeysSteps(build.topology.virtualMachines);
  const total = containerKeys.length + vmKeys.length;
  for (let i = 0; i < total; i++) {
    if (i > 0 && i % every === 0) yield;
    const isContainer = i < containerKeys.length;
    const ref: UnitRef = { kind: isContainer ? "container" : "virtualMachine", key: isContainer ? containerKeys[i] : vmKeys[i - containerKeys.length] };
    const f = enterUnit(build, ref, i);
    units.push(f);
    if (f.workload !== null) getOrInsert(byWorkload, f.workload, () => []).push(f);
  }
  return { units, byWorkload };
}

/** The index from its entered units: every table finished (a carried one told where the previous units went). */
function* assembled(build: Build, units: UnitFacts[], byWorkload: Map<string, UnitFacts[]>, unitMap: Int32Array | null): Generator<void, SharedPlaces> {
  const { numbering, tables, ways } = build;
  const parties = Math.max(numbering.tenantNames.length, numbering.partyTenant.length);
  for (const table of TABLES) yield* tables[table].finish(parties, SEARCHED.has(table), unitMap);
  return {
    units,
    byWorkload,
    tenantNames: numbering.tenantNames,
    tenantIds: numbering.tenants,
    tenantRank: ranks(numbering.tenantNames),
    workloadGroups: numbering.workloadGroups,
    partyTenant: Int32Array.from(numbering.partyTenant),
    partyHostLevel: Int32Array.from(numbering.partyHostLevel),
    partyReservations: numbering.partyReservations,
    ...tables,
    linkStart: ways.linkStart.toArray(),
    links: ways.links.toArray(),
    linkStrongest: ways.linkStrongest.toArray(),
    belowUnit: ways.belowUnit.toArray(tables.below.keys.length),
    rackDatacenters: numbering.rackDatacenters,
    datacenterGroups: [...numbering.datacenters.keys()],
    hostGroups: numbering.hostGroups,
    signatures: { hostMaybe: numbering.hostMaybeCount, host: numbering.signatures.host.size, rack: numbering.signatures.rack.size },
  };
}

/** Whether unit `a` comes before unit `b` in the index: containers first, each kind by key in code-unit order (as `sortedKeysSteps` gives them). */
export function precedes(a: UnitRef, b: UnitRef): boolean {
  return a.kind === b.kind ? a.key < b.key : a.kind === "container";
}

/** The facts of a container or VM, by a binary search of the units (undefined: not one of them, a host for one). */
export function unitFactsOf(places: SharedPlaces, unit: UnitRef): UnitFacts | undefined {
  const { units } = places;
  let lo = 0;
  let hi = units.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (precedes(units[mid].ref, unit)) lo = mid + 1;
    else hi = mid;
  }
  const found = units[lo] as UnitFacts | undefined;
  return found && found.ref.kind === unit.kind && found.ref.key === unit.key ? found : undefined;
}

/** Each name's position in code-unit order. */
function ranks(names: string[]): Int32Array {
  const order = names.map((_, i) => i).sort((a, b) => compareCodeUnits(names[a], names[b]));
  const rankOf = new Int32Array(names.length);
  order.forEach((id, position) => (rankOf[id] = position));
  return rankOf;
}

/** Whether hardware reserved for any of `reservations` keeps a unit of `tenant` with host-level tenant `hostLevel` (-1: not known) off its machine. */
export function reservationsKeepOff(reservations: readonly number[], tenant: number, hostLevel: number): boolean {
  for (const reservedFor of reservations) if (reservationKeepsOff(reservedFor, tenant, hostLevel, -1)) return true;
  return false;
}
