import { cachedPlacementAt, comparablePlacements, HOST_PLACED, replicasOf, type Placement } from "./anti-affinity.ts";
import type { AntiAffinityLevel } from "./scale.ts";
import { cachedChainOf, datacenterSeparation, type Chain } from "./separation.ts";
import { hostDatacenter, hostPlacementGroup, type Topology, type UnitRef } from "./topology.ts";
import { compareCodeUnits, compareUnitRef } from "./compare-code-units.ts";
import { getOrInsert } from "./get-or-insert.ts";

/*
 * What-ifs: if this host, rack, power or network domain, datacenter, hazard zone or planet
 * fails, what do workloads lose? And does a workload keep its quorum through the loss of any
 * single domain at a level?
 *
 * A replica is lost when the failed domain takes it down: its host, rack, datacenter or planet
 * is the one that fails, or one of its datacenter's hazard zones strikes. A rack fed by two
 * power domains (or hanging off two network domains) survives the loss of one: its replicas
 * are listed as degraded, not lost. A replica whose domain at the level is not known, and
 * that is not known to be elsewhere, may be lost: listed as at risk.
 */
export interface WorkloadImpact {
  workload: string;
  replicaCount: number;
  lost: UnitRef[];
  degraded: UnitRef[];
  atRisk: UnitRef[];
  /** Replicas still up for certain: not lost and not at risk. */
  remaining: number;
  losesAll: boolean;
  /** The owner's minHealthyReplicas, if set. */
  quorum: number | null;
  belowQuorum: boolean;
}

export interface FailureImpact {
  level: AntiAffinityLevel;
  domain: string;
  workloads: WorkloadImpact[];
  /** Tenants with any unit (replica or not) that goes down. */
  tenants: string[];
}

type Outcome = "lost" | "degraded" | "atRisk" | "safe";

/** The datacenter a failing domain is in, when one is known: replicas known elsewhere are safe. */
function datacenterOfDomain(topology: Topology, level: AntiAffinityLevel, domain: string): string | null {
  switch (level) {
    case "HOST": {
      const host = topology.hosts.get(domain);
      return host ? hostDatacenter(topology, host) : null;
    }
    case "RACK":
      return topology.racks.get(domain)?.datacenter ?? null;
    case "POWER_DOMAIN":
    case "NETWORK_DOMAIN":
      for (const rack of topology.racks.values()) {
        if ((level === "POWER_DOMAIN" ? rack.powerDomains : rack.networkDomains).includes(domain)) return rack.datacenter;
      }
      return null;
    default:
      return null;
  }
}

/** Where a failing domain is: its datacenter, and the placement group it is a slot of (null: none, or not a host-placed level). */
interface FailedPlace {
  datacenter: string | null;
  placementGroup: string | null;
}

function failedPlace(topology: Topology, level: AntiAffinityLevel, domain: string): FailedPlace {
  return { datacenter: datacenterOfDomain(topology, level, domain), placementGroup: HOST_PLACED.has(level) ? placementGroupOfDomain(topology, level, domain) : null };
}

const rackGroups = new WeakMap<Topology, Map<string, string>>();

/** The placement group whose slot a host, rack, or rack's power or network domain is. */
function placementGroupOfDomain(topology: Topology, level: AntiAffinityLevel, domain: string): string | null {
  if (level === "HOST") return hostPlacementGroup(domain, topology.hosts.get(domain));
  let groups = rackGroups.get(topology);
  if (!groups) {
    groups = new Map();
    for (const host of topology.hosts.values()) if (host.rack && host.placementGroup) groups.set(host.rack, host.placementGroup);
    rackGroups.set(topology, groups);
  }
  if (level === "RACK") return groups.get(domain) ?? null;
  for (const rack of topology.racks.values()) {
    if ((level === "POWER_DOMAIN" ? rack.powerDomains : rack.networkDomains).includes(domain)) return groups.get(rack.key) ?? null;
  }
  return null;
}

function outcomeFor(topology: Topology, chain: Chain, level: AntiAffinityLevel, domain: string, failed: FailedPlace): Outcome {
  const placement = cachedPlacementAt(topology, chain, level);
  // Known to be in another datacenter: out of reach of a host, rack or PDU failure there.
  const elsewhere = failed.datacenter !== null && chain.datacenter !== null && chain.datacenter !== failed.datacenter;
  if ("unknown" in placement) return elsewhere ? "safe" : "atRisk";
  if (!placement.domains.includes(domain)) {
    if (level === "HAZARD_ZONE" && mayShareStruckZone(topology, chain.datacenter!, domain)) return "atRisk";
    // A placement group's slot and a place outside that group may be one and the same.
    const comparable = !HOST_PLACED.has(level) || chain.placementGroup === failed.placementGroup;
    return comparable || elsewhere ? "safe" : "atRisk";
  }
  const redundant = (level === "POWER_DOMAIN" || level === "NETWORK_DOMAIN") && placement.domains.length > 1;
  return redundant ? "degraded" : "lost";
}

const zoneNamers = new WeakMap<Topology, Map<string, string[]>>();

/**
 * Whether a datacenter that is not in hazard-zone domain `domain` may still be struck by it:
 * rule 3 leaves it possibly sharing a zone with a datacenter that is (one of the two lists no
 * zones, so its own zones are unknown, and their regions do not tell them apart).
 */
function mayShareStruckZone(topology: Topology, datacenter: string, domain: string): boolean {
  const namers = getOrInsert(zoneNamers, topology, () => {
    const byDomain = new Map<string, string[]>();
    for (const dc of topology.datacenters.values()) {
      const domains = dc.hazardZones.length > 0 ? dc.hazardZones : dc.region !== null ? [dc.region] : [];
      for (const d of domains) getOrInsert(byDomain, d, () => []).push(dc.key);
    }
    return byDomain;
  });
  return (namers.get(domain) ?? []).some((other) => other !== datacenter && datacenterSeparation(topology, datacenter, other).shared.kind === "POSSIBLE_HAZARD_ZONE");
}

/** True when some object of the inventory names this domain at this level. */
export function domainExists(topology: Topology, level: AntiAffinityLevel, domain: string): boolean {
  switch (level) {
    case "HOST":
      return topology.hosts.has(domain) || [...topology.virtualMachines.values(), ...topology.containers.values()].some((u) => u.host === domain);
    case "RACK":
      return topology.racks.has(domain) || [...topology.hosts.values()].some((h) => h.rack === domain);
    case "POWER_DOMAIN":
      return [...topology.racks.values()].some((r) => r.powerDomains.includes(domain));
    case "NETWORK_DOMAIN":
      return [...topology.racks.values()].some((r) => r.networkDomains.includes(domain));
    case "DATACENTER":
      return topology.datacenters.has(domain) || [...topology.racks.values()].some((r) => r.datacenter === domain);
    case "HAZARD_ZONE":
      return [...topology.datacenters.values()].some((d) => d.hazardZones.includes(domain) || (d.hazardZones.length === 0 && d.region === domain));
    case "PLANET":
      return [...topology.datacenters.values()].some((d) => d.planet === domain);
  }
}

interface LevelIndex {
  /** Units (containers and VMs) per domain at the level. */
  byDomain: Map<string, UnitRef[]>;
  /** Units whose domain at the level is not known. */
  unknown: UnitRef[];
  /** Which workload each replica belongs to. */
  replicaOf: Map<UnitRef, string>;
  tenantOf: Map<UnitRef, string>;
}

const levelIndexes = new WeakMap<Topology, Map<AntiAffinityLevel, LevelIndex>>();

/** Units by domain at a level, built once per topology and level: a what-if visits only the units of the failing domain. */
function levelIndex(topology: Topology, level: AntiAffinityLevel): LevelIndex {
  return getOrInsert(
    getOrInsert(levelIndexes, topology, () => new Map()),
    level,
    () => buildLevelIndex(topology, level),
  );
}

function buildLevelIndex(topology: Topology, level: AntiAffinityLevel): LevelIndex {
  const index: LevelIndex = { byDomain: new Map(), unknown: [], replicaOf: new Map(), tenantOf: new Map() };
  const add = (unit: UnitRef, tenant: string) => {
    index.tenantOf.set(unit, tenant);
    const placement: Placement = cachedPlacementAt(topology, cachedChainOf(topology, unit), level);
    if ("unknown" in placement) index.unknown.push(unit);
    else for (const domain of placement.domains) getOrInsert(index.byDomain, domain, () => []).push(unit);
  };
  const units = new Map<string, UnitRef>();
  for (const workload of topology.workloads.keys()) {
    for (const replica of replicasOf(topology, workload)) {
      index.replicaOf.set(replica, workload);
      units.set(`${replica.kind}:${replica.key}`, replica);
    }
  }
  const known = (kind: UnitRef["kind"], key: string): UnitRef => units.get(`${kind}:${key}`) ?? { kind, key };
  for (const vm of topology.virtualMachines.values()) add(known("virtualMachine", vm.key), vm.tenant);
  for (const c of topology.containers.values()) add(known("container", c.key), c.tenant);
  return index;
}

export function failureImpact(topology: Topology, level: AntiAffinityLevel, domain: string): FailureImpact {
  const failed = failedPlace(topology, level, domain);
  const index = levelIndex(topology, level);
  const touched = new Set<string>();
  const tenants = new Set<string>();
  for (const unit of index.byDomain.get(domain) ?? []) {
    if (outcomeFor(topology, cachedChainOf(topology, unit), level, domain, failed) === "lost") tenants.add(index.tenantOf.get(unit)!);
    const workload = index.replicaOf.get(unit);
    if (workload !== undefined) touched.add(workload); // not a replica: only its tenant counts
  }
  const workloads: WorkloadImpact[] = [];
  for (const workload of [...touched].sort()) {
    const impact = workloadImpact(topology, workload, level, domain, failed);
    if (impact.lost.length > 0 || impact.degraded.length > 0) workloads.push(impact); // at risk alone is not news
  }
  return { level, domain, workloads, tenants: [...tenants].sort() };
}

/**
 * What one workload loses if one domain fails: the one computation behind both `failureImpact`
 * and `survives`, so the two can never disagree about a domain.
 */
function workloadImpact(topology: Topology, workload: string, level: AntiAffinityLevel, domain: string, failed: FailedPlace): WorkloadImpact {
  const replicas = replicasOf(topology, workload);
  const impact: WorkloadImpact = { workload, replicaCount: replicas.length, lost: [], degraded: [], atRisk: [], remaining: 0, losesAll: false, quorum: topology.workloads.get(workload)!.minHealthyReplicas, belowQuorum: false };
  for (const replica of replicas) {
    const outcome = outcomeFor(topology, cachedChainOf(topology, replica), level, domain, failed);
    if (outcome !== "safe") impact[outcome].push(replica);
  }
  impact.lost.sort(compareUnitRef);
  impact.degraded.sort(compareUnitRef);
  impact.atRisk.sort(compareUnitRef);
  impact.remaining = impact.replicaCount - impact.lost.length - impact.atRisk.length;
  impact.losesAll = impact.lost.length === impact.replicaCount;
  impact.belowQuorum = impact.quorum !== null && impact.replicaCount - impact.lost.length < impact.quorum;
  return impact;
}

export interface Survival {
  workload: string;
  level: AntiAffinityLevel;
  /** The replicas that must stay up: minHealthyReplicas, else 1. */
  quorum: number;
  replicaCount: number;
  /** True when the loss of any single domain at the level leaves at least the quorum, whatever the unknown placements turn out to be. */
  survives: boolean;
  /** Domains whose loss alone leaves fewer than the quorum (known placements only). */
  singlePointsOfFailure: { domain: string; remaining: number }[];
  /** Replicas whose domain at the level is not known: counted as lost in the worst case. */
  unverifiable: UnitRef[];
}

export function survives(topology: Topology, workload: string, level: AntiAffinityLevel): Survival {
  const node = topology.workloads.get(workload);
  const quorum = node?.minHealthyReplicas ?? 1;
  const replicas = replicasOf(topology, workload);
  const domains = new Set<string>();
  const unverifiable: UnitRef[] = [];
  const placements = comparablePlacements(
    topology,
    replicas.map((replica) => cachedChainOf(topology, replica)),
    level,
  );
  replicas.forEach((replica, i) => {
    const placement = placements[i];
    if ("unknown" in placement) unverifiable.push(replica);
    else for (const domain of placement.domains) domains.add(domain);
  });
  // Each domain's loss is worked out exactly as failureImpact does (at-risk replicas count as lost).
  const remainingAfter = [...domains].map((domain) => ({ domain, remaining: workloadImpact(topology, workload, level, domain, failedPlace(topology, level, domain)).remaining }));
  const singlePointsOfFailure = remainingAfter.filter((d) => d.remaining < quorum).sort((a, b) => a.remaining - b.remaining || compareCodeUnits(a.domain, b.domain));
  // A domain nobody knows of may hold every unverifiable replica and none of the others.
  const worst = Math.min(replicas.length - unverifiable.length, ...remainingAfter.map((d) => d.remaining));
  return { workload, level, quorum, replicaCount: replicas.length, survives: worst >= quorum, singlePointsOfFailure, unverifiable };
}
