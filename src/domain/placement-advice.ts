import { auditRule, cachedPlacementAt, NOUN, replicasOf, type RuleAudit, type Unverifiable } from "./anti-affinity.ts";
import { isNewReplica } from "./explain-verdict.ts";
import type { Policy } from "./policy.ts";
import { defaultReplicaKind, withNewReplica, type CandidatePlace, type ReplicaKind } from "./placement-overlay.ts";
import { isolationFindings, newMemo, type Memo } from "./placement-isolation.ts";
import type { IsolationLevel } from "./scale.ts";
import { chainOf, type Chain, type Separation } from "./separation.ts";
import type { AntiAffinityRule, Topology, UnitRef } from "./topology.ts";

/*
 * "Where may one more replica of this workload go?" (docs/placement.md). For each candidate
 * place, the new replica is added to the topology (placement-overlay.ts) and compared with
 * every unit outside its workload, by the verdict's own rules in both directions: this
 * workload's requirement against each unit's tenant, and each unit's workload's requirement
 * against this workload's tenant (placement-isolation.ts). Its anti-affinity rules are
 * audited with it and without it.
 * A place is REFUSED when one verdict would be NOT_ISOLATED or a HARD rule gains a violation;
 * POSSIBLE when one would only be UNPROVEN (or a HARD rule cannot be checked there); else PROVEN.
 */
export type PlacementOutcome = "PROVEN" | "POSSIBLE" | "REFUSED";

/** The workload to place: a synced one, or one described (not synced yet). */
export interface AdviceWorkload {
  key: string;
  tenant: string;
  minimumIsolation: IsolationLevel | null;
  antiAffinity: readonly AntiAffinityRule[];
}

export interface AdviceOptions {
  /** What the replica is (on each place); by default a container in a VM, a VM on a host or in a datacenter. */
  replica?: ReplicaKind | ((place: CandidatePlace) => ReplicaKind);
  /** For a caller bound to the workload's tenant: name no other tenant, workload or unit (src/access/redacted-evidence.ts). */
  redactOthers?: boolean;
}

export interface CandidateAdvice {
  place: CandidatePlace;
  outcome: PlacementOutcome;
  /** Why it is refused (REFUSED), or why it is only possible (POSSIBLE), in the verdicts' and violations' words. */
  reasons: string[];
  /** SOFT rules the replica would break there: allowed, ranked lower. */
  softBreaches: string[];
  /** Replicas of the workload already in the replica's domain, summed over its rules: less is a better spread. */
  crowding: number;
  /** The weakest separation from any unit outside the workload: null when there is none. */
  closest: Pick<Separation, "actual" | "possible"> | null;
}

const OUTCOME_ORDER: Record<PlacementOutcome, number> = { PROVEN: 0, POSSIBLE: 1, REFUSED: 2 };

/** The advice for each candidate, best first: proven, then possible, then refused; fewer SOFT breaches, better spread, then by place. */
export function placementAdvice(topology: Topology, policy: Policy, workload: AdviceWorkload, places: readonly CandidatePlace[], options: AdviceOptions = {}): CandidateAdvice[] {
  const audits = workload.antiAffinity.map((rule) => auditRule(topology, workload.key, rule, topology.workloads.has(workload.key) ? replicasOf(topology, workload.key) : []));
  const memo = newMemo();
  const advice = places.map((place) => adviseOne(topology, policy, workload, place, audits, memo, options));
  return advice.sort(
    (a, b) =>
      OUTCOME_ORDER[a.outcome] - OUTCOME_ORDER[b.outcome] ||
      a.softBreaches.length - b.softBreaches.length ||
      a.crowding - b.crowding ||
      a.reasons.length - b.reasons.length ||
      (a.place.kind < b.place.kind ? -1 : a.place.kind > b.place.kind ? 1 : a.place.key < b.place.key ? -1 : a.place.key > b.place.key ? 1 : 0),
  );
}

function adviseOne(topology: Topology, policy: Policy, workload: AdviceWorkload, place: CandidatePlace, audits: RuleAudit[], memo: Memo, options: AdviceOptions): CandidateAdvice {
  const replica = typeof options.replica === "function" ? options.replica(place) : (options.replica ?? defaultReplicaKind(place));
  const plus = withNewReplica(topology, place, replica, workload.tenant, workload.key);
  const chain = chainOf(plus.topology, plus.unit);
  const isolation = isolationFindings(topology, policy, workload, { plus: plus.topology, unit: plus.unit, chain }, memo, options.redactOthers ?? false);
  const spread = spreadFindings(plus.topology, workload, plus.unit, chain, audits);
  const refused = isolation.refusals.length > 0 || spread.refusals.length > 0;
  const doubtful = isolation.doubts.length > 0 || spread.doubts.length > 0;
  return {
    place,
    outcome: refused ? "REFUSED" : doubtful ? "POSSIBLE" : "PROVEN",
    reasons: refused ? [...isolation.refusals, ...spread.refusals] : [...isolation.doubts, ...spread.doubts],
    softBreaches: spread.softBreaches,
    crowding: spread.crowding,
    closest: isolation.closest,
  };
}

/**
 * The workload's anti-affinity rules with the replica added: a violation it did not have, or a
 * larger excess, breaks the rule (refused when HARD, a SOFT breach otherwise); a place where the
 * rule cannot be checked (its host hidden, its rack unknown), or where it would leave any replica
 * uncheckable (a placement group's slot next to replicas outside that group), is only possible
 * for a HARD rule.
 * MIN_DOMAINS asks for more replicas, which one replica never makes worse: it counts in the spread.
 */
function spreadFindings(plus: Topology, workload: AdviceWorkload, unit: UnitRef, chain: Chain, audits: RuleAudit[]) {
  const refusals: string[] = [];
  const doubts: string[] = [];
  const softBreaches: string[] = [];
  let crowding = 0;
  // A unit inside one of the workload's own units is not a new replica (anti-affinity.ts, replicasOf).
  const insideOwn = chain.links.slice(1).some((link) => (link.kind === "container" ? plus.containers.get(link.key)?.workload : link.kind === "virtualMachine" ? plus.virtualMachines.get(link.key)?.workload : null) === workload.key);
  if (insideOwn) {
    // Not a new replica: the spread is as it was, proven only where every replica could be checked.
    for (const before of audits) if (before.rule.mode === "HARD" && before.unverifiable.length > 0) doubts.push(uncheckable(workload.key, before.rule, before.unverifiable));
    return { refusals, doubts, softBreaches, crowding };
  }
  for (const before of audits) {
    const { rule } = before;
    const placement = cachedPlacementAt(plus, chain, rule.level);
    const unknown = "unknown" in placement;
    if (unknown && rule.mode === "HARD") doubts.push(`the ${NOUN[rule.level]} spread of ${workload.key} (HARD) cannot be checked there: ${placement.unknown}`);
    if (!unknown) for (const domain of placement.domains) crowding += before.domains.get(domain)?.length ?? 0;
    // Audited even where the replica's own domain is unknown: its datacenter still makes that
    // datacenter's empty domains eligible, which can break a max skew of the replicas already there.
    const after = auditRule(plus, workload.key, rule, [...before.replicas, unit]);
    // A slot of one placement group next to replicas elsewhere leaves them all uncheckable: not proven.
    if (!unknown && rule.mode === "HARD" && after.unverifiable.length > 0) doubts.push(uncheckable(workload.key, rule, after.unverifiable));
    for (const violation of after.violations) {
      if (violation.kind === "MIN_DOMAINS") continue;
      const was = before.violations.find((v) => v.kind === violation.kind && v.domain === violation.domain);
      if (was && was.excess >= violation.excess) continue;
      (rule.mode === "HARD" ? refusals : softBreaches).push(`${rule.mode} anti-affinity: ${violation.message}`);
    }
  }
  return { refusals, doubts, softBreaches, crowding };
}

/** Why a HARD rule is not proven with the replica placed: the replicas whose domain cannot be told apart, and why. */
function uncheckable(workload: string, rule: AntiAffinityRule, unverifiable: readonly Unverifiable[]): string {
  const which = unverifiable.map((u) => `${isNewReplica(u.replica) ? "the new replica" : `replica ${u.replica.key}`}: ${u.reason}`);
  return `the ${NOUN[rule.level]} spread of ${workload} (HARD) could not be checked with the new replica there: ${which.join("; ")}`;
}
