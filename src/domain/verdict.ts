import { policyLevel, relationship, requiredLevel, type Policy, type Relationship } from "./policy.ts";
import { atLeast, rank, type IsolationLevel } from "./scale.ts";
import { cachedChainOf, separationOfChains, type Separation } from "./separation.ts";
import type { Freshness, Topology, UnitRef } from "./topology.ts";
import { unitsIndex } from "./units-index.ts";

/**
 * "Is workload X isolated enough from tenant Y?" (../shared/contract.md): every unit of X
 * against every unit of Y, the weakest actual and possible levels, and the outcome against
 * what the policy and X's own minimum require.
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
  otherUnitCount: number;
  /** Every pair, weakest first (actual, then possible, then keys). */
  pairs: EvidencePair[];
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
  const mine = index.byWorkload.get(workload) ?? [];
  const theirs = index.byTenant.get(tenant) ?? [];

  // Each unit's way up, walked once (and remembered with the topology).
  const myChains = mine.map((unit) => cachedChainOf(topology, unit));
  const theirChains = theirs.map((unit) => cachedChainOf(topology, unit));
  const pairs: EvidencePair[] = [];
  let actual: IsolationLevel = "PLANET";
  let possible: IsolationLevel = "PLANET";
  for (let i = 0; i < mine.length; i++) {
    const unit = mine[i];
    for (let j = 0; j < theirs.length; j++) {
      const other = theirs[j];
      if (unit.kind === other.kind && unit.key === other.key) continue;
      const s = separationOfChains(topology, unit, myChains[i], other, theirChains[j]);
      if (rank(s.actual) < rank(actual)) actual = s.actual;
      if (rank(s.possible) < rank(possible)) possible = s.possible;
      pairs.push({ unit, other, actual: s.actual, possible: s.possible, shared: s.shared });
    }
  }
  const byId = (a: UnitRef, b: UnitRef) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  pairs.sort((x, y) => rank(x.actual) - rank(y.actual) || rank(x.possible) - rank(y.possible) || byId(x.unit, y.unit) || byId(x.other, y.other));

  const sources = new Set<string>([workloadNode.source]);
  const tenantNode = topology.tenants.get(tenant);
  if (tenantNode) sources.add(tenantNode.source);
  for (const c of [...myChains, ...theirChains]) for (const s of c.sources) sources.add(s);
  let inventoryAsOf: Date | null = null;
  for (const source of sources) {
    const at = freshness.get(source);
    if (at && (!inventoryAsOf || at < inventoryAsOf)) inventoryAsOf = at;
  }

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
    pairCount: pairs.length,
    unitCount: mine.length,
    otherUnitCount: theirs.length,
    pairs,
    inventoryAsOf,
  };
}
