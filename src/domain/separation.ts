import { containerWall, rank, stronger, weaker, type IsolationLevel } from "./scale.ts";
import { hostDatacenter, hostPlacementGroup, hostRack, type Topology, type UnitKind, type UnitRef, type VirtualMachineNode } from "./topology.ts";
import { getOrInsert } from "./get-or-insert.ts";
import { honouredReservation, hostHolder } from "./dedication.ts";

/*
 * Separation of two compute units (docs/separation.md), rule by
 * rule. Pure: everything it knows comes from the Topology.
 */

/** What two units share that sets their level, for evidence and explanations. */
export type SharedThing =
  | { kind: "UNIT"; unit: UnitRef; contains: boolean }
  | { kind: "RACK" | "POWER_DOMAIN" | "NETWORK_DOMAIN" | "DATACENTER" | "HAZARD_ZONE" | "REGION" | "PLANET"; key: string }
  | { kind: "POSSIBLE_HOST"; datacenter: string | null }
  /** Different datacenters that may share a hazard zone: datacenter `key` lists none, and no pair of known regions tells it apart from `other`. */
  | { kind: "POSSIBLE_HAZARD_ZONE"; key: string; other: string }
  | { kind: "NOTHING" };

export interface Separation {
  /** The level proven whatever the unknowns turn out to be. */
  actual: IsolationLevel;
  /** The best case. Equal to `actual` where everything is known. */
  possible: IsolationLevel;
  shared: SharedThing;
}

/** One compute unit on a unit's way up, itself first. */
export interface Link {
  kind: UnitKind;
  key: string;
  /** The level of this unit's own wall. */
  boundary: IsolationLevel;
  /**
   * The tenant whose units alone may share this unit's hardware (dedicated VM, dedicated host),
   * when the data does not contradict it (dedication.ts `honouredReservation`); else null.
   */
  dedicatedTo: string | null;
  /** False for a dangling reference: an id no source has synced. */
  synced: boolean;
}

/** A unit's way up: its compute units, and the physical place the top one is known to be in. */
export interface Chain {
  links: Link[];
  /** The host the chain reaches, when known (a synced or a dangling host). */
  host: string | null;
  /** The rack that host names, when it names one. */
  rack: string | null;
  /** The placement group that host stands for a slot of: its host and rack are known apart only within it (a dangling host: a group of its own). */
  placementGroup: string | null;
  /** Who is known to hold that host (dedication.ts `hostHolder`): what the reservations on the chain are honoured against. Null: no host, or nobody. */
  hostHolder: string | null;
  /** The datacenter known for the top of the chain (via the rack, the host or a cloud VM). */
  datacenter: string | null;
  /** The sources of every object the chain read, for freshness. */
  sources: string[];
  /** The strongest wall among its containers and VMs (below the host): what it brings to a shared host. */
  belowHost: IsolationLevel;
  /** Each link's id ("kind:key"), in order: to find shared units. */
  ids: string[];
  /**
   * The chain of links[1..] when it is exactly the next unit's own chain (`cachedChainOf`
   * shares it), else null: what depends only on the way up is then worked out once per tail.
   */
  tail: Chain | null;
}

export const unitId = (ref: UnitRef) => `${ref.kind}:${ref.key}`;

export function chainOf(topology: Topology, unit: UnitRef): Chain {
  const chain: Chain = { links: [], host: null, rack: null, placementGroup: null, hostHolder: null, datacenter: null, sources: [], belowHost: "PROCESS", ids: [], tail: null };
  const seen = new Set<string>();
  let current: UnitRef | null = unit;
  while (current && !seen.has(unitId(current))) {
    seen.add(unitId(current));
    const { kind, key } = current;
    current = null;
    if (kind === "container") {
      const node = topology.containers.get(key);
      // A dangling container counts as runc.
      chain.links.push({ kind, key, boundary: node ? containerWall(node) : "CONTAINER", dedicatedTo: null, synced: !!node });
      if (!node) break;
      chain.sources.push(node.source);
      if (node.virtualMachine) current = { kind: "virtualMachine", key: node.virtualMachine };
      else if (node.host) current = { kind: "host", key: node.host };
    } else if (kind === "virtualMachine") {
      const node = topology.virtualMachines.get(key);
      chain.links.push({ kind, key, boundary: "VIRTUAL_MACHINE", dedicatedTo: node ? vmReservation(node) : null, synced: !!node });
      if (!node) break;
      chain.sources.push(node.source);
      if (node.host) current = { kind: "host", key: node.host };
      else if (node.container) current = { kind: "container", key: node.container };
      else chain.datacenter = node.datacenter;
    } else {
      const node = topology.hosts.get(key);
      chain.links.push({ kind, key, boundary: "HOST", dedicatedTo: node?.dedicatedTo ?? null, synced: !!node });
      chain.host = key;
      chain.placementGroup = hostPlacementGroup(key, node);
      chain.hostHolder = hostHolder(topology, key);
      if (!node) break;
      chain.sources.push(node.source);
      // A host whose datacenter contradicts its rack's has neither known; its rack's word is still read.
      chain.rack = hostRack(topology, node);
      const rack = node.rack ? topology.racks.get(node.rack) : undefined;
      if (rack) chain.sources.push(rack.source);
      chain.datacenter = hostDatacenter(topology, node);
    }
  }
  // A reservation counts only where the data does not contradict it: the host's own, and a
  // dedicated VM's (one that reaches a host sits directly on it: inside a container, it reserves nothing).
  for (const link of chain.links) link.dedicatedTo = honouredReservation(link.dedicatedTo, chain.hostHolder);
  const datacenter = chain.datacenter ? topology.datacenters.get(chain.datacenter) : undefined;
  // The datacenter is the union of every description: the verdict rests on all of them.
  if (datacenter) chain.sources.push(...datacenter.sources);
  const hostAt = chain.links.findIndex((link) => link.kind === "host");
  chain.belowHost = strongest(chain.links, hostAt === -1 ? chain.links.length : hostAt);
  chain.ids = chain.links.map((link) => `${link.kind}:${link.key}`);
  return chain;
}

/** Chains per topology, by kind and key; `null` while a chain is being made (a cycle back to it). */
const chainCache = new WeakMap<Topology, Record<UnitKind, Map<string, Chain | null>>>();
const noChains = (): Record<UnitKind, Map<string, Chain | null>> => ({ container: new Map(), virtualMachine: new Map(), host: new Map() });

/**
 * chainOf, remembered per topology (a topology never changes once built), and made from the
 * next unit's remembered chain: units on one VM or host share everything above it, so a fleet's
 * chains cost one link each rather than a walk each, and share their tails.
 */
export function cachedChainOf(topology: Topology, unit: UnitRef): Chain {
  const chains = getOrInsert(chainCache, topology, noChains);
  const ofKind = chains[unit.kind];
  const known = ofKind.get(unit.key);
  if (known) return known;
  if (known === null) return chainOf(topology, unit); // a cycle: walked whole
  ofKind.set(unit.key, null);
  try {
    const chain = inheritedChain(topology, unit) ?? chainOverNext(topology, unit) ?? chainOf(topology, unit);
    ofKind.set(unit.key, chain);
    return chain;
  } catch (error) {
    ofKind.delete(unit.key);
    throw error;
  }
}

/** What a patched topology reads of the one it was patched from: its places, and the chains it had made. */
interface Predecessor {
  /** The topology itself, weakly (what it holds alive is its successor's origin's business): a chain it has not made yet is made there when it inherits one in turn. */
  topology: WeakRef<Topology>;
  parts: Pick<Topology, "datacenters" | "racks" | "hosts" | "virtualMachines" | "containers">;
  chains: Record<UnitKind, Map<string, Chain | null>>;
}
const predecessors = new WeakMap<Topology, Predecessor>();

/**
 * Lets `patched` take over the chains `before` made wherever nothing on them changed (a sync
 * changes few units, and a warm-up after it then makes few chains), until `forgetPredecessor`.
 */
export function inheritChains(patched: Topology, before: Topology): void {
  // One that made no chain yet passes on what it inherits in turn (chainBefore).
  if (!chainCache.has(before) && !predecessors.has(before)) return;
  const chains = getOrInsert(chainCache, before, noChains);
  const { datacenters, racks, hosts, virtualMachines, containers } = before;
  predecessors.set(patched, { topology: new WeakRef(before), parts: { datacenters, racks, hosts, virtualMachines, containers }, chains });
}

/** Once a topology's chains are made (its warm-up), what it inherited is let go. */
export function forgetPredecessor(topology: Topology): void {
  predecessors.delete(topology);
}

/**
 * The predecessor's chain of the unit, if it is still the unit's chain: a host whose node, rack
 * node and datacenter node are the same objects (a patch makes a new node for every changed
 * row) and whose holder is the same (a unit moved on or off it may void a reservation), or a
 * container or VM whose node is the same and whose next unit's chain is the very tail it had
 * (its reservation is honoured against that tail's holder), or a synced container or VM on
 * nothing whose node and datacenter node are the same. Else null.
 */
function inheritedChain(topology: Topology, unit: UnitRef): Chain | null {
  const before = predecessors.get(topology);
  if (!before) return null;
  const was = before.parts;
  const { kind, key } = unit;
  if (kind === "host") {
    const node = topology.hosts.get(key);
    if (node !== was.hosts.get(key)) return null;
    const old = chainBefore(before, unit);
    if (!old) return null;
    // The rack the host names, not the chain's: a rack that stops contradicting it (or starts) changes its chain.
    if (node?.rack && topology.racks.get(node.rack) !== was.racks.get(node.rack)) return null;
    if (old.datacenter !== null && topology.datacenters.get(old.datacenter) !== was.datacenters.get(old.datacenter)) return null;
    return hostHolder(topology, key) === old.hostHolder ? old : null;
  }
  const node = kind === "container" ? topology.containers.get(key) : topology.virtualMachines.get(key);
  if (node === undefined || node !== (kind === "container" ? was.containers.get(key) : was.virtualMachines.get(key))) return null;
  const old = chainBefore(before, unit);
  return old && chainStillHolds(topology, old, was) ? old : null;
}

/**
 * The predecessor's chain of a unit it holds too, if made. One whose warm-up the sync overtook
 * has made few: while it inherits in turn, the chain is made there (cheaply, taken over from
 * its own predecessor), so that what it took over reaches this topology too.
 */
function chainBefore(before: Predecessor, unit: UnitRef): Chain | undefined {
  const made = before.chains[unit.kind].get(unit.key);
  if (made) return made;
  const topology = before.topology.deref();
  return made === undefined && topology && predecessors.has(topology) ? cachedChainOf(topology, unit) : undefined;
}

/**
 * Whether `old`, a container's or VM's chain in `origin`, is still its chain in `topology`,
 * patched from `origin` directly or through patches in between, the unit's node being the same
 * object (no patch since touched its row). What `cachedChainOf` would conclude, without making
 * the unit's chain here: the report's carried index asks it of every unit it keeps, and a map
 * entry for each would cost more than the rest of the carry (the tails it reads are made, so a
 * later sync can ask it again). Compared with origin's nodes: a node the same object as
 * origin's was replaced by no patch since, whichever came between.
 */
export function chainStillHolds(topology: Topology, old: Chain, origin: Predecessor["parts"]): boolean {
  if (old.tail === null) {
    // A synced unit on nothing (a cloud VM whose host is hidden, a container on no known node) reads its own node and its datacenter alone; other chains without a tail (a loop) are walked again.
    if (old.links.length !== 1) return false;
    return old.datacenter === null || topology.datacenters.get(old.datacenter) === origin.datacenters.get(old.datacenter);
  }
  const next = old.links[1];
  return cachedChainOf(topology, { kind: next.kind, key: next.key }) === old.tail;
}

/**
 * The unit's chain as its own link on top of the next unit's chain, when that is what
 * `chainOf` walks: the unit is synced, has a next unit, and the next unit's chain does not
 * lead back to it (then the walk from the unit would have stopped there). Else null.
 */
function chainOverNext(topology: Topology, unit: UnitRef): Chain | null {
  const step = linkAndNext(topology, unit);
  if (step === null) return null;
  const tail = cachedChainOf(topology, step.next);
  const id = `${unit.kind}:${unit.key}`;
  if (tail.ids.includes(id)) return null;
  const { link, source } = step;
  // A dedicated VM is on the tail's host, if any: its reservation is honoured against that host's holder.
  if (link.dedicatedTo !== null) link.dedicatedTo = honouredReservation(link.dedicatedTo, tail.hostHolder);
  return {
    links: [link, ...tail.links],
    host: tail.host,
    rack: tail.rack,
    placementGroup: tail.placementGroup,
    hostHolder: tail.hostHolder,
    datacenter: tail.datacenter,
    sources: [source, ...tail.sources],
    belowHost: rank(link.boundary) > rank(tail.belowHost) ? link.boundary : tail.belowHost,
    ids: [id, ...tail.ids],
    tail,
  };
}

/** A synced container's or VM's own link (as chainOf walks it, its reservation as claimed), its source and the next unit up; null for anything else. */
function linkAndNext(topology: Topology, unit: UnitRef): { link: Link; source: string; next: UnitRef } | null {
  const { kind, key } = unit;
  if (kind === "container") {
    const node = topology.containers.get(key);
    const next: UnitRef | null = node?.virtualMachine ? { kind: "virtualMachine", key: node.virtualMachine } : node?.host ? { kind: "host", key: node.host } : null;
    return !node || !next ? null : { link: { kind, key, boundary: containerWall(node), dedicatedTo: null, synced: true }, source: node.source, next };
  }
  if (kind === "virtualMachine") {
    const node = topology.virtualMachines.get(key);
    const next: UnitRef | null = node?.host ? { kind: "host", key: node.host } : node?.container ? { kind: "container", key: node.container } : null;
    return !node || !next ? null : { link: { kind, key, boundary: "VIRTUAL_MACHINE", dedicatedTo: vmReservation(node), synced: true }, source: node.source, next };
  }
  return null;
}

/**
 * The tenant a unit's own record reserves its hardware for (a host's `dedicatedTo`, a dedicated
 * VM's tenant), whether or not the data honours it (a link's `dedicatedTo` is the honoured one).
 */
export function claimedReservation(topology: Topology, unit: UnitRef): string | null {
  if (unit.kind === "host") return topology.hosts.get(unit.key)?.dedicatedTo ?? null;
  const node = unit.kind === "virtualMachine" ? topology.virtualMachines.get(unit.key) : undefined;
  return node ? vmReservation(node) : null;
}

/**
 * The tenant a VM's hardware is reserved for. Dedication is the provider's promise about the
 * machine a VM sits on: a VM inside a container (KubeVirt, nested) sits on no machine of its
 * own, so its flag promises nothing about who else runs on the hardware under it.
 */
function vmReservation(node: VirtualMachineNode): string | null {
  return node.dedicated && node.container === null ? node.tenant : null;
}

/** The tenant a unit belongs to: containers and VMs have one, hosts do not. */
export function tenantOf(topology: Topology, unit: UnitRef): string | null {
  if (unit.kind === "container") return topology.containers.get(unit.key)?.tenant ?? null;
  if (unit.kind === "virtualMachine") return topology.virtualMachines.get(unit.key)?.tenant ?? null;
  return null;
}

/** The workload a unit belongs to, if any. */
export function workloadOf(topology: Topology, unit: UnitRef): string | null {
  if (unit.kind === "container") return topology.containers.get(unit.key)?.workload ?? null;
  if (unit.kind === "virtualMachine") return topology.virtualMachines.get(unit.key)?.workload ?? null;
  return null;
}

export function separation(topology: Topology, a: UnitRef, b: UnitRef): Separation {
  return separationOfChains(topology, a, chainOf(topology, a), b, chainOf(topology, b));
}

/** The same, from chains already walked (the fleet report walks each unit once). */
export function separationOfChains(topology: Topology, a: UnitRef, chainA: Chain, b: UnitRef, chainB: Chain): Separation {
  // Rules 1 and 2: the lowest compute unit both sit in.
  const idsA = chainA.ids;
  for (let i = 0; i < idsA.length; i++) {
    const j = chainB.ids.indexOf(idsA[i]);
    if (j === -1) continue;
    const shared = { kind: chainA.links[i].kind, key: chainA.links[i].key };
    if (i === 0 || j === 0) return exact("PROCESS", { kind: "UNIT", unit: shared, contains: true });
    const level = weaker(strongest(chainA.links, i), strongest(chainB.links, j));
    return exact(level, { kind: "UNIT", unit: shared, contains: false });
  }

  // Rule 3 and the unknowns. Units known to be in different datacenters: rule 3 whatever else is hidden.
  if (chainA.datacenter && chainB.datacenter && chainA.datacenter !== chainB.datacenter) {
    return datacenterSeparation(topology, chainA.datacenter, chainB.datacenter);
  }
  const sameDatacenter = chainA.datacenter !== null && chainA.datacenter === chainB.datacenter;
  const bestCase: IsolationLevel = sameDatacenter ? "RACK" : "PLANET";

  // At least one host is hidden or unknown: they might share one.
  if (!chainA.host || !chainB.host) return possiblyOneHost(topology, a, chainA, b, chainB, bestCase);
  const apart = hostsApart(topology, chainA, chainB, sameDatacenter ? chainA.datacenter : null);
  if (chainA.placementGroup === chainB.placementGroup) return apart;
  // A placement group's slot (its host, its rack and the rack's domains) is known only against
  // the group's other slots: against anything else it may be the very same machine.
  return possiblyOneHost(topology, a, chainA, b, chainB, bestCase);
}

/** Two different hosts, both known: their racks, power and network domains decide. */
function hostsApart(topology: Topology, chainA: Chain, chainB: Chain, datacenter: string | null): Separation {
  if (chainA.rack && chainA.rack === chainB.rack) return exact("HOST", { kind: "RACK", key: chainA.rack });
  const rackA = chainA.rack ? topology.racks.get(chainA.rack) : undefined;
  const rackB = chainB.rack ? topology.racks.get(chainB.rack) : undefined;
  if (rackA && rackB) {
    // Both racks known, in one datacenter (different ones were handled above).
    const power = rackA.powerDomains.find((d) => rackB.powerDomains.includes(d));
    if (power) return exact("HOST", { kind: "POWER_DOMAIN", key: power });
    const network = rackA.networkDomains.find((d) => rackB.networkDomains.includes(d));
    if (network) return exact("HOST", { kind: "NETWORK_DOMAIN", key: network });
    if (rackDomainsListed(rackA) && rackDomainsListed(rackB)) return exact("RACK", { kind: "DATACENTER", key: rackA.datacenter });
  }
  return { actual: "HOST", possible: datacenter ? "RACK" : "PLANET", shared: datacenter ? { kind: "DATACENTER", key: datacenter } : { kind: "NOTHING" } };
}

/**
 * Whether a rack says what it shares: it lists its power domains and its network domains. A
 * rack that lists none of a kind has that kind unknown, not none (as a datacenter listing no
 * hazard zones): it may hang on any PDU or switch, so its hosts are proven only HOST apart from
 * another rack's, RACK at best.
 */
export function rackDomainsListed(rack: { powerDomains: readonly string[]; networkDomains: readonly string[] }): boolean {
  return rack.powerDomains.length > 0 && rack.networkDomains.length > 0;
}

/** They might share a host. Worst case, as if they did: each side counts the walls of its containers and VMs. */
function possiblyOneHost(topology: Topology, a: UnitRef, chainA: Chain, b: UnitRef, chainB: Chain, bestCase: IsolationLevel): Separation {
  let actual = weaker(chainA.belowHost, chainB.belowHost);
  const ruledOut = (mine: Chain, theirs: UnitRef, theirChain: Chain) => dedicationRulesOut(mine, tenantOf(topology, theirs), hostLevelTenant(topology, theirChain));
  if (ruledOut(chainA, b, chainB) || ruledOut(chainB, a, chainA)) actual = "HOST";
  return {
    actual,
    possible: stronger(actual, bestCase),
    shared: { kind: "POSSIBLE_HOST", datacenter: chainA.datacenter ?? chainB.datacenter },
  };
}

/** Rule 3 for two different datacenters. */
export function datacenterSeparation(topology: Topology, keyA: string, keyB: string): Separation {
  const a = topology.datacenters.get(keyA);
  const b = topology.datacenters.get(keyB);
  // A datacenter nobody has synced: still a different datacenter, nothing else known.
  if (!a || !b) return { actual: "DATACENTER", possible: "PLANET", shared: { kind: "NOTHING" } };
  if (a.planet !== b.planet) return exact("PLANET", { kind: "NOTHING" });
  const zone = a.hazardZones.find((z) => b.hazardZones.includes(z));
  if (zone) return exact("DATACENTER", { kind: "HAZARD_ZONE", key: zone });
  const unlisted = a.hazardZones.length === 0 || b.hazardZones.length === 0;
  const regionsKnown = a.region !== null && b.region !== null;
  if (!unlisted || (regionsKnown && a.region !== b.region)) return exact("HAZARD_ZONE", { kind: "PLANET", key: a.planet });
  if (a.hazardZones.length === 0 && b.hazardZones.length === 0 && regionsKnown) return exact("DATACENTER", { kind: "REGION", key: a.region! });
  // A datacenter that lists no hazard zones has unknown ones (rule 4): its region stands in for
  // them only against another known region. So they may share a zone: worst case DATACENTER.
  const silent = a.hazardZones.length === 0 ? keyA : keyB;
  return { actual: "DATACENTER", possible: "HAZARD_ZONE", shared: { kind: "POSSIBLE_HAZARD_ZONE", key: silent, other: silent === keyA ? keyB : keyA } };
}

/**
 * Dedicated hardware rules out a shared host: a dedicated VM, or a host dedicated to a tenant,
 * on this side's way up, and on the other side a unit whose host-level unit keeps it off.
 */
function dedicationRulesOut(chain: Chain, otherTenant: string | null, otherHostLevel: string | null): boolean {
  return chain.links.some((link) => link.dedicatedTo !== null && reservationKeepsOff(link.dedicatedTo, otherTenant, otherHostLevel, null));
}

/**
 * Whether hardware reserved for tenant `reservedFor` keeps a unit of `tenant` off its machine:
 * the provider promises that the machine runs only that tenant's host-level units (VMs,
 * accounts), whatever runs inside them. So only a unit whose host-level unit is known to be
 * another tenant's is kept off, and, never to rule out more than "a unit of another tenant",
 * only when the unit itself is of another tenant too. `unknown` stands for a tenant not known.
 */
export function reservationKeepsOff<T>(reservedFor: T, tenant: T, hostLevel: T, unknown: T): boolean {
  return tenant !== unknown && hostLevel !== unknown && reservedFor !== tenant && reservedFor !== hostLevel;
}

/**
 * The tenant of the chain's host-level unit: its outermost container or VM, the one that sits on
 * the host (a unit directly on a host is its own). Null when not known: the chain is a host's,
 * that unit is dangling (what it runs in is not known), or the way up loops back on itself.
 */
export function hostLevelTenant(topology: Topology, chain: Chain): string | null {
  const top = chain.links.length - (chain.host === null ? 1 : 2);
  if (top < 0 || !chain.links[top].synced) return null;
  const { kind, key } = chain.links[top];
  // Below no host, a unit that runs in something is where a loop closed.
  if (kind === "container") {
    const node = topology.containers.get(key)!;
    return chain.host === null && (node.virtualMachine || node.host) ? null : node.tenant;
  }
  const node = topology.virtualMachines.get(key)!;
  return chain.host === null && (node.container || node.host) ? null : node.tenant;
}

/** The strongest wall among the first `count` links; PROCESS when there are none. */
function strongest(links: readonly Link[], count: number): IsolationLevel {
  let level: IsolationLevel = "PROCESS";
  for (let i = 0; i < count; i++) if (rank(links[i].boundary) > rank(level)) level = links[i].boundary;
  return level;
}

function exact(level: IsolationLevel, shared: SharedThing): Separation {
  return { actual: level, possible: level, shared };
}
