import type { AntiAffinityLevel } from "./scale.ts";
import { cachedChainOf, datacenterSeparation, type Chain } from "./separation.ts";
import { DANGLING_HOST, hostDatacenter, hostPlaceConflict, type AntiAffinityRule, type Topology, type UnitRef } from "./topology.ts";
import { compareCodeUnits } from "./compare-code-units.ts";
import { getOrInsert } from "./get-or-insert.ts";
import { unitsIndex, unitsIndexSteps } from "./units-index.ts";
import { nearestOrigin } from "./patch-topology.ts";
import { builtSharedPlaces, carryOf } from "./shared-places.ts";

/*
 * Anti-affinity (docs/anti-affinity.md): are a workload's replicas spread
 * over failure domains as its rules promise? Pure, over the Topology.
 */

/** Where a replica stands at a level: its domains, or why they are not known. */
export type Placement = { domains: string[] } | { unknown: string };

export interface Unverifiable {
  replica: UnitRef;
  reason: string;
}

export type ViolationKind = "MAX_PER_DOMAIN" | "MIN_DOMAINS" | "MAX_SKEW";

export interface Violation {
  workload: string;
  rule: AntiAffinityRule;
  level: AntiAffinityLevel;
  mode: AntiAffinityRule["mode"];
  kind: ViolationKind;
  /** The crowded domain's key; null for MIN_DOMAINS. */
  domain: string | null;
  /** The replicas in that domain, or (MIN_DOMAINS) every verifiable replica. */
  replicas: UnitRef[];
  /** Replicas over maxPerDomain, domains short of minDomains, or skew over maxSkew. */
  excess: number;
  /** What is wrong, in words. */
  message: string;
}

export interface RuleAudit {
  workload: string;
  rule: AntiAffinityRule;
  replicas: UnitRef[];
  /** Verifiable replicas per domain. */
  domains: Map<string, UnitRef[]>;
  violations: Violation[];
  unverifiable: Unverifiable[];
}

/** Each level's domain in words: "power domain", "hazard zone"… */
export const NOUN: Record<AntiAffinityLevel, string> = {
  HOST: "host",
  RACK: "rack",
  POWER_DOMAIN: "power domain",
  NETWORK_DOMAIN: "network domain",
  DATACENTER: "datacenter",
  HAZARD_ZONE: "hazard zone",
  PLANET: "planet",
};

const replicaCache = new WeakMap<Topology, Map<string, UnitRef[]>>();

/**
 * The replicas: the workload's units that do not sit inside another unit of the same
 * workload. Worked out for every workload at once and kept with the topology.
 */
export function replicasOf(topology: Topology, workload: string): UnitRef[] {
  let all = replicaCache.get(topology);
  if (!all) {
    const steps = replicasSteps(topology);
    let step = steps.next();
    while (!step.done) step = steps.next();
    all = step.value;
  }
  return all.get(workload) ?? [];
}

/** Every workload's replicas, in steps of a few hundred units (the index warms them at load). */
export function* replicasSteps(topology: Topology): Generator<void, Map<string, UnitRef[]>> {
  const cached = replicaCache.get(topology);
  if (cached) return cached;
  const all = new Map<string, UnitRef[]>();
  const carried = carriedReplicas(topology);
  let units = 0;
  for (const [key, ofWorkload] of (yield* unitsIndexSteps(topology)).byWorkload) {
    const kept = carried?.(key, ofWorkload);
    all.set(key, kept ?? ofWorkload.filter((unit) => !insideOwnWorkload(topology, unit, key)));
    units += kept ? 1 : ofWorkload.length;
    if (units > 256) {
      units = 0;
      yield;
    }
  }
  replicaCache.set(topology, all);
  return all;
}

/**
 * For a patched topology whose report index was carried (patch-shared-places.ts): a workload's
 * replicas as they were before the patch, when they must be the same. Its list of units is the
 * very list it had, and the carry kept every one of them, so each unit's way up is the very
 * chain it was: the nodes `insideOwnWorkload` walks (a unit's parents are its chain's links,
 * validate-snapshot.ts allows one parent) are the same objects. Undefined: work them out.
 */
function carriedReplicas(topology: Topology): ((workload: string, units: UnitRef[]) => UnitRef[] | undefined) | null {
  const places = builtSharedPlaces(topology);
  const carry = places && carryOf(places);
  const from = carry?.from.deref();
  // The topology the index was carried from, maybe across one whose warm-up was overtaken.
  const origin = from && nearestOrigin(topology, (t) => builtSharedPlaces(t) === from);
  const before = origin && replicaCache.get(origin.topology);
  if (!origin || !before || !carry) return null;
  const lists = unitsIndex(origin.topology).byWorkload;
  const entered = new Set<string>();
  for (const f of [...carry.added, ...carry.gone, ...carry.reentered.flat()]) if (f.workload !== null) entered.add(f.workload);
  return (workload, units) => (entered.has(workload) || lists.get(workload) !== units ? undefined : before.get(workload));
}

const placementCache = new WeakMap<Topology, Map<AntiAffinityLevel, Map<Chain, Placement>>>();

/** placementAt, kept per topology and level: audits and what-ifs ask for the same units again and again. */
export function cachedPlacementAt(topology: Topology, chain: Chain, level: AntiAffinityLevel): Placement {
  const levels = getOrInsert(placementCache, topology, () => new Map());
  const placements = getOrInsert(levels, level, () => new Map());
  return getOrInsert(placements, chain, () => placementAt(topology, chain, level));
}

/** True when a unit sits, at any depth, inside another unit of the same workload. Walks parents without allocating (the warm-up asks it of every unit). */
function insideOwnWorkload(topology: Topology, unit: UnitRef, workload: string): boolean {
  let container = unit.kind === "container" ? topology.containers.get(unit.key) : undefined;
  let vm = unit.kind === "virtualMachine" ? topology.virtualMachines.get(unit.key) : undefined;
  // Validation keeps containment acyclic; the bound only guards against a corrupt database.
  for (let depth = 0; depth < 64; depth++) {
    if (container) {
      if (depth > 0 && container.workload === workload) return true;
      vm = container.virtualMachine ? topology.virtualMachines.get(container.virtualMachine) : undefined;
      container = undefined;
    } else if (vm) {
      if (depth > 0 && vm.workload === workload) return true;
      container = vm.container ? topology.containers.get(vm.container) : undefined;
      vm = undefined;
    } else return false; // a host (which belongs to no workload, and has nothing above it), or nothing synced
  }
  return false;
}

/**
 * A unit's domains at a level: its host; its rack; each power or network domain of its rack;
 * its datacenter; each hazard zone of its datacenter (its region when it lists none); its
 * planet. A dangling host, rack or datacenter id is a domain at its own level; what lies
 * above it is not known.
 */
export function placementAt(topology: Topology, chain: Chain, level: AntiAffinityLevel): Placement {
  switch (level) {
    case "HOST":
      return chain.host ? { domains: [chain.host] } : { unknown: "its host is hidden or not known" };
    case "RACK":
      if (chain.rack) return { domains: [chain.rack] };
      return { unknown: chain.host ? `the rack of host ${chain.host} is not known` : "its host is hidden or not known" };
    case "POWER_DOMAIN":
    case "NETWORK_DOMAIN": {
      const noun = NOUN[level];
      if (!chain.rack) return { unknown: chain.host ? `the rack of host ${chain.host} is not known` : "its host is hidden or not known" };
      const rack = topology.racks.get(chain.rack);
      if (!rack) return { unknown: `rack ${chain.rack} has not been synced, so its ${noun}s are not known` };
      const domains = level === "POWER_DOMAIN" ? rack.powerDomains : rack.networkDomains;
      return domains.length > 0 ? { domains: [...domains] } : { unknown: `rack ${rack.key} lists no ${noun}` };
    }
    case "DATACENTER":
      return chain.datacenter ? { domains: [chain.datacenter] } : { unknown: "its datacenter is not known" };
    case "HAZARD_ZONE":
    case "PLANET": {
      if (!chain.datacenter) return { unknown: "its datacenter is not known" };
      const datacenter = topology.datacenters.get(chain.datacenter);
      if (!datacenter) return { unknown: `datacenter ${chain.datacenter} has not been synced, so its ${NOUN[level]} is not known` };
      if (level === "PLANET") return { domains: [datacenter.planet] };
      if (datacenter.hazardZones.length > 0) return { domains: [...datacenter.hazardZones] };
      return datacenter.region ? { domains: [datacenter.region] } : { unknown: `datacenter ${datacenter.key} lists no hazard zone and no region` };
    }
  }
}

/**
 * Every domain of the level a replica could have been placed in: the eligible domains of
 * Kubernetes' maxSkew. Within the datacenters the replicas are in for host, rack, power and
 * network domains; on the planets they are on for datacenters, hazard zones and planets.
 */
export function eligibleDomains(topology: Topology, level: AntiAffinityLevel, replicaChains: Chain[]): Set<string> {
  const datacenters = new Set(replicaChains.map((c) => c.datacenter).filter((d): d is string => d !== null));
  const planets = new Set([...datacenters].map((d) => topology.datacenters.get(d)?.planet).filter((p): p is string => !!p));
  const eligible = new Set<string>();
  const racksIn = () => [...topology.racks.values()].filter((r) => datacenters.has(r.datacenter));
  switch (level) {
    case "HOST":
      for (const host of topology.hosts.values()) {
        // A host in one of two datacenters (its rack's, the one it names) may be in either: eligible in both.
        const conflict = hostPlaceConflict(topology, host);
        const dcs = conflict ? [conflict.rack.datacenter, conflict.named] : [hostDatacenter(topology, host)];
        if (dcs.some((dc) => dc !== null && datacenters.has(dc))) eligible.add(host.key);
      }
      break;
    case "RACK":
      for (const rack of racksIn()) eligible.add(rack.key);
      break;
    case "POWER_DOMAIN":
      for (const rack of racksIn()) for (const d of rack.powerDomains) eligible.add(d);
      break;
    case "NETWORK_DOMAIN":
      for (const rack of racksIn()) for (const d of rack.networkDomains) eligible.add(d);
      break;
    default:
      for (const dc of topology.datacenters.values()) {
        if (!planets.has(dc.planet)) continue;
        if (level === "DATACENTER") eligible.add(dc.key);
        else if (level === "PLANET") eligible.add(dc.planet);
        else if (dc.hazardZones.length > 0) dc.hazardZones.forEach((z) => eligible.add(z));
        else if (dc.region) eligible.add(dc.region);
      }
  }
  // Domains the replicas are in count even when nothing else is known of them (dangling ids).
  for (const chain of replicaChains) {
    const placement = placementAt(topology, chain, level);
    if ("domains" in placement) placement.domains.forEach((d) => eligible.add(d));
  }
  return eligible;
}

/** How many places eligibleDomains walks at a level: a maxSkew rule's cost beyond its replicas (for steps). */
function eligibleScanned(topology: Topology, level: AntiAffinityLevel): number {
  if (level === "HOST") return topology.hosts.size;
  return HOST_PLACED.has(level) ? topology.racks.size : topology.datacenters.size;
}

/** maxPerDomain defaults to 1 when the rule sets no other bound. */
export function effectiveMaxPerDomain(rule: AntiAffinityRule): number | undefined {
  if (rule.maxPerDomain !== undefined) return rule.maxPerDomain;
  return rule.minDomains === undefined && rule.maxSkew === undefined ? 1 : undefined;
}

/** The levels a host's placement decides: where a placement group's slots are known apart only within the group. */
export const HOST_PLACED: ReadonlySet<AntiAffinityLevel> = new Set(["HOST", "RACK", "POWER_DOMAIN", "NETWORK_DOMAIN"]);

/**
 * The replicas' placements at a level, comparable with each other: a placement group's slots
 * are distinct only from the same group's, so when the known replicas stand in more than one
 * group (or some in a group, some on hosts of their own), those in a group are not known
 * against the others: they may share a host or rack with them.
 */
export function comparablePlacements(topology: Topology, chains: readonly Chain[], level: AntiAffinityLevel): Placement[] {
  const placements = chains.map((chain) => cachedPlacementAt(topology, chain, level));
  if (!HOST_PLACED.has(level)) return placements;
  const groups = new Set(chains.filter((_, i) => "domains" in placements[i]).map((chain) => chain.placementGroup));
  if (groups.size <= 1) return placements;
  return placements.map((placement, i) => {
    const group = chains[i].placementGroup;
    if ("unknown" in placement || group === null) return placement;
    if (group.startsWith(DANGLING_HOST)) return { unknown: `its host ${chains[i].host} has not been synced, so it may be the very host of another replica` };
    return { unknown: `its ${NOUN[level]} is known apart only from the other slots of placement group ${group}, and the other replicas are not all in that group` };
  });
}

/** How replicas fall over the domains of a level: the verifiable ones per domain, the others with why. */
export interface ReplicaSpread {
  domains: Map<string, UnitRef[]>;
  unverifiable: Unverifiable[];
}

/** A workload's replicas over the domains of one level (what each rule at that level counts). */
export function replicaSpread(topology: Topology, workload: string, level: AntiAffinityLevel): ReplicaSpread {
  const replicas = replicasOf(topology, workload);
  return spreadOver(
    topology,
    replicas,
    replicas.map((r) => cachedChainOf(topology, r)),
    level,
  );
}

function spreadOver(topology: Topology, replicas: UnitRef[], chains: Chain[], level: AntiAffinityLevel): ReplicaSpread {
  const placements = unlistedZonesApart(topology, chains, comparablePlacements(topology, chains, level), level);
  const domains = new Map<string, UnitRef[]>();
  const unverifiable: Unverifiable[] = [];
  replicas.forEach((replica, i) => {
    const placement = placements[i];
    if ("unknown" in placement) {
      unverifiable.push({ replica, reason: placement.unknown });
      return;
    }
    for (const domain of placement.domains) getOrInsert(domains, domain, () => []).push(replica);
  });
  return { domains, unverifiable };
}

/**
 * At HAZARD_ZONE a datacenter that lists no zone counts in its region, which stands in for its
 * unknown zones only against another known region (docs/separation.md, rule 3): a replica there
 * is not known apart from one in a datacenter whose zones it may share, so it is unverifiable.
 */
function unlistedZonesApart(topology: Topology, chains: readonly Chain[], placements: Placement[], level: AntiAffinityLevel): Placement[] {
  if (level !== "HAZARD_ZONE") return placements;
  const known = new Set(chains.flatMap((chain, i) => ("domains" in placements[i] && chain.datacenter !== null ? [chain.datacenter] : [])));
  return placements.map((placement, i) => {
    const own = chains[i].datacenter;
    if ("unknown" in placement || own === null || topology.datacenters.get(own)!.hazardZones.length > 0) return placement;
    const other = [...known].find((d) => d !== own && datacenterSeparation(topology, own, d).shared.kind === "POSSIBLE_HAZARD_ZONE");
    return other === undefined ? placement : { unknown: `datacenter ${own} lists no hazard zone, and may be in those of datacenter ${other}` };
  });
}

export function auditRule(topology: Topology, workload: string, rule: AntiAffinityRule, replicas = replicasOf(topology, workload)): RuleAudit {
  const chains = replicas.map((r) => cachedChainOf(topology, r));
  const { domains, unverifiable } = spreadOver(topology, replicas, chains, rule.level);
  const unverifiableSet = new Set(unverifiable.map((u) => u.replica));
  const verifiable = unverifiableSet.size === 0 ? replicas : replicas.filter((r) => !unverifiableSet.has(r));
  const audit: RuleCheck = {
    workload,
    rule,
    noun: NOUN[rule.level],
    base: { workload, rule, level: rule.level, mode: rule.mode },
    domains,
    sortedDomains: [...domains.entries()].sort(([a], [b]) => compareCodeUnits(a, b)),
    verifiable,
  };
  const violations: Violation[] = [...maxPerDomainViolations(audit), ...minDomainsViolations(audit), ...maxSkewViolations(audit, topology, chains)];
  return { workload, rule, replicas, domains, violations, unverifiable };
}

/** What each bound of one rule is checked against. */
interface RuleCheck {
  workload: string;
  rule: AntiAffinityRule;
  noun: string;
  base: Pick<Violation, "workload" | "rule" | "level" | "mode">;
  domains: Map<string, UnitRef[]>;
  sortedDomains: [string, UnitRef[]][];
  /** The replicas whose domain at the rule's level is known. */
  verifiable: UnitRef[];
}

function maxPerDomainViolations({ workload, rule, noun, base, sortedDomains }: RuleCheck): Violation[] {
  const max = effectiveMaxPerDomain(rule);
  if (max === undefined) return [];
  const violations: Violation[] = [];
  for (const [domain, inDomain] of sortedDomains) {
    if (inDomain.length <= max) continue;
    violations.push({
      ...base,
      kind: "MAX_PER_DOMAIN",
      domain,
      replicas: inDomain,
      excess: inDomain.length - max,
      message: `${inDomain.length} replicas of ${workload} share ${noun} ${domain}; at most ${max} allowed`,
    });
  }
  return violations;
}

function minDomainsViolations({ workload, rule, noun, base, domains, verifiable }: RuleCheck): Violation[] {
  if (rule.minDomains === undefined || verifiable.length === 0 || domains.size >= rule.minDomains) return [];
  return [
    {
      ...base,
      kind: "MIN_DOMAINS",
      domain: null,
      replicas: verifiable,
      excess: rule.minDomains - domains.size,
      message: `the replicas of ${workload} span ${domains.size} ${noun}${domains.size === 1 ? "" : "s"}; at least ${rule.minDomains} required`,
    },
  ];
}

function maxSkewViolations({ workload, rule, noun, base, domains, sortedDomains, verifiable }: RuleCheck, topology: Topology, chains: Chain[]): Violation[] {
  if (rule.maxSkew === undefined || verifiable.length === 0) return [];
  const eligible = eligibleDomains(topology, rule.level, chains);
  // Kubernetes: the global minimum is 0 when fewer domains are eligible than minDomains.
  const fewerThanMin = rule.minDomains !== undefined && eligible.size < rule.minDomains;
  const minimum = fewerThanMin ? 0 : Math.min(...[...eligible].map((d) => domains.get(d)?.length ?? 0));
  const violations: Violation[] = [];
  for (const [domain, inDomain] of sortedDomains) {
    const skew = inDomain.length - minimum;
    if (skew <= rule.maxSkew) continue;
    violations.push({
      ...base,
      kind: "MAX_SKEW",
      domain,
      replicas: inDomain,
      excess: skew - rule.maxSkew,
      message: `${noun} ${domain} holds ${inDomain.length} replicas of ${workload}, ${skew} more than the emptiest eligible ${noun}; max skew ${rule.maxSkew}`,
    });
  }
  return violations;
}

/** Every rule of one workload. */
export function auditWorkload(topology: Topology, workload: string): RuleAudit[] {
  const node = topology.workloads.get(workload);
  if (!node || node.antiAffinity.length === 0) return [];
  const replicas = replicasOf(topology, workload);
  return node.antiAffinity.map((rule) => auditRule(topology, workload, rule, replicas));
}

/** Every violation of the fleet (or of one workload), by workload key, then rule order. */
export function antiAffinityViolations(topology: Topology, workload?: string): Violation[] {
  if (workload !== undefined) return auditWorkload(topology, workload).flatMap((audit) => audit.violations);
  const steps = antiAffinityViolationsSteps(topology);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/**
 * What is audited between two yields: each rule's replicas and the places a maxSkew rule scans
 * for the eligible domains, a workload counting one more. A rule over a few replicas takes some
 * 0.1 ms, so a step is a few hundred microseconds (fleet M: 2,000 steps, 0.2 ms the median);
 * the whole fleet in one block held the event loop 0.6 to 2 s.
 */
const AUDITED_PER_STEP = 32;

/** The fleet's violations in steps, so a service computing them keeps answering (isolation-index.ts runs them in slices). */
export function* antiAffinityViolationsSteps(topology: Topology): Generator<void, Violation[]> {
  // The replicas in steps too, when the warm-up did not build them (a newer load overtook it).
  yield* replicasSteps(topology);
  const violations: Violation[] = [];
  let audited = 0;
  for (const key of [...topology.workloads.keys()].sort()) {
    audited++;
    for (const audit of auditWorkload(topology, key)) {
      violations.push(...audit.violations);
      audited += audit.replicas.length + (audit.rule.maxSkew === undefined ? 0 : eligibleScanned(topology, audit.rule.level));
    }
    if (audited >= AUDITED_PER_STEP) {
      audited = 0;
      yield;
    }
  }
  return violations;
}
