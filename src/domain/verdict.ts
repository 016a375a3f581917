import { policyLevel, relationship, requiredLevel, type Policy, type Relationship } from "./policy.ts";
import { atLeast, rank, type IsolationLevel } from "./scale.ts";
import { separationOfChains, type Separation } from "./separation.ts";
import type { Freshness, Topology, UnitRef } from "./topology.ts";
import { unitsIndex } from "./units-index.ts";
import { compareUnitRef } from "./compare-code-units.ts";
import { sideOf, sideWithout, type Side } from "./verdict-sides.ts";

/*
 * "Is workload X isolated enough from tenant Y?" (docs/verdicts.md): every unit of X
 * against every unit of Y that is not itself a unit of X (a workload's own units, its replicas
 * and sidecars, are one trust domain: how far apart they stand is anti-affinity's question),
 * the weakest actual and possible levels, and the outcome against what the policy and X's own
 * minimum require.
 */
export type Outcome = "ISOLATED" | "NOT_ISOLATED" | "UNPROVEN";

export interface EvidencePair extends Separation {
  /** The unit of the workload. */
  unit: UnitRef;
  /** The unit of the other tenant. */
  other: UnitRef;
}

export interface Verdict {
  workload: string;
  workloadTenant: string;
  tenant: string;
  relationship: Relationship;
  policyVersion: number;
  /** The policy's level for this relationship. */
  policyRequired: IsolationLevel;
  /** The workload's own minimum, if it sets one. */
  workloadMinimum: IsolationLevel | null;
  required: IsolationLevel;
  actual: IsolationLevel;
  possible: IsolationLevel;
  outcome: Outcome;
  /** How many unit pairs were compared. */
  pairCount: number;
  unitCount: number;
  /** The other tenant's units that are not the workload's own: the other side of the pairs. */
  otherUnitCount: number;
  /** The other tenant's units that are the workload's own, left out of the pairs. */
  ownUnitsOfTenant: number;
  /** The weakest pair (first in `evidence`), null when there are no pairs. */
  weakest: EvidencePair | null;
  /**
   * The weakest `limit` pairs, weakest first (actual, then possible, then units by kind and
   * key). Worked out only when asked: most callers need the levels and the weakest pair.
   */
  evidence(limit: number): EvidencePair[];
  /** The oldest sync time among the sources of the objects used; null when none was used. */
  inventoryAsOf: Date | null;
}

export function outcomeOf(required: IsolationLevel, actual: IsolationLevel, possible: IsolationLevel): Outcome {
  if (atLeast(actual, required)) return "ISOLATED";
  if (!atLeast(possible, required)) return "NOT_ISOLATED";
  return "UNPROVEN";
}

/**
 * The verdict for workload `workload` against tenant `tenant`. Both must exist in the
 * topology: the caller turns a missing one into a NOT_FOUND error.
 */
export function isolationVerdict(topology: Topology, workload: string, tenant: string, policy: Policy, freshness: Freshness = new Map()): Verdict {
  const workloadNode = topology.workloads.get(workload);
  if (!workloadNode) throw new Error(`workload ${workload} is not in the topology`);
  const rel = relationship(topology, workloadNode.tenant, tenant);
  const required = requiredLevel(policy, rel, workloadNode.minimumIsolation);
  const index = unitsIndex(topology);
  const ofTenant = index.byTenant.get(tenant) ?? NO_UNITS;
  // Each unit's way up, walked once (and remembered with the topology, as the sides are).
  const sides: Sides = { mine: sideOf(topology, index.byWorkload.get(workload) ?? NO_UNITS), theirs: sideWithout(topology, ofTenant, workload) };
  const { actual, possible, weakest, pairCount } = weakestOfPairs(topology, sides);
  const sources = new Set<string>([workloadNode.source]);
  const tenantNode = topology.tenants.get(tenant);
  if (tenantNode) sources.add(tenantNode.source);

  return {
    workload,
    workloadTenant: workloadNode.tenant,
    tenant,
    relationship: rel,
    policyVersion: policy.version,
    policyRequired: policyLevel(policy, rel),
    workloadMinimum: workloadNode.minimumIsolation,
    required,
    actual,
    possible,
    outcome: outcomeOf(required, actual, possible),
    pairCount,
    unitCount: sides.mine.units.length,
    otherUnitCount: sides.theirs.units.length,
    ownUnitsOfTenant: ofTenant.length - sides.theirs.units.length,
    weakest,
    evidence: sortedEvidence(topology, sides),
    inventoryAsOf: oldestSync(sources, sides, freshness),
  };
}

const NO_UNITS: readonly UnitRef[] = Object.freeze([]);

/** The two sides of a verdict's pairs (verdict-sides.ts). */
interface Sides {
  mine: Side;
  theirs: Side;
}

/**
 * One pass for the levels and the weakest pair, keeping no pair: verdicts are asked for
 * often and most have over a thousand pairs. Units come sorted, so the first pair to reach
 * the lowest (actual, possible) is also the first in evidence order.
 */
function weakestOfPairs(topology: Topology, { mine, theirs }: Sides) {
  let actual: IsolationLevel = "PLANET";
  let possible: IsolationLevel = "PLANET";
  let weakest: EvidencePair | null = null;
  // Ranks held as numbers: this loop runs a thousand times per verdict.
  let lowestActual = rank(actual);
  let lowestPossible = rank(possible);
  let weakestActual = Infinity;
  let weakestPossible = Infinity;
  for (let i = 0; i < mine.units.length; i++) {
    const unit = mine.units[i];
    for (let j = 0; j < theirs.units.length; j++) {
      const other = theirs.units[j];
      const s = separationOfChains(topology, unit, mine.chains[i], other, theirs.chains[j]);
      const a = rank(s.actual);
      const p = rank(s.possible);
      if (a < lowestActual) {
        actual = s.actual;
        lowestActual = a;
      }
      if (p < lowestPossible) {
        possible = s.possible;
        lowestPossible = p;
      }
      if (a < weakestActual || (a === weakestActual && p < weakestPossible)) {
        weakest = { unit, other, actual: s.actual, possible: s.possible, shared: s.shared };
        weakestActual = a;
        weakestPossible = p;
      }
    }
  }
  return { actual, possible, weakest, pairCount: mine.units.length * theirs.units.length };
}

/** `Verdict.evidence`: every pair, sorted once on first use. */
function sortedEvidence(topology: Topology, { mine, theirs }: Sides): (limit: number) => EvidencePair[] {
  let sorted: EvidencePair[] | undefined;
  return (limit: number) => {
    if (!sorted) {
      sorted = [];
      for (let i = 0; i < mine.units.length; i++) {
        for (let j = 0; j < theirs.units.length; j++) {
          const [unit, other] = [mine.units[i], theirs.units[j]];
          sorted.push({ unit, other, ...separationOfChains(topology, unit, mine.chains[i], other, theirs.chains[j]) });
        }
      }
      sorted.sort((x, y) => rank(x.actual) - rank(y.actual) || rank(x.possible) - rank(y.possible) || compareUnitRef(x.unit, y.unit) || compareUnitRef(x.other, y.other));
    }
    return sorted.slice(0, limit);
  };
}

/** The oldest sync time among the sources of the workload, the tenant and every unit's way up. */
function oldestSync(sources: Set<string>, { mine, theirs }: Sides, freshness: Freshness): Date | null {
  for (const source of mine.sources) sources.add(source);
  for (const source of theirs.sources) sources.add(source);
  let inventoryAsOf: Date | null = null;
  for (const source of sources) {
    const at = freshness.get(source);
    if (at && (!inventoryAsOf || at < inventoryAsOf)) inventoryAsOf = at;
  }
  return inventoryAsOf;
}
