import { auditRule, cachedPlacementAt, NOUN, replicasOf, type RuleAudit } from "./anti-affinity.ts";
import { describePair, describeRedactedPair, needs, outcomeSentence } from "./explain-verdict.ts";
import { relationship, requiredLevel, type Policy } from "./policy.ts";
import { defaultReplicaKind, withNewReplica, type CandidatePlace, type ReplicaKind } from "./placement-overlay.ts";
import { rank, type IsolationLevel } from "./scale.ts";
import { chainOf, datacenterSeparation, separationOfChains, type Chain, type Separation } from "./separation.ts";
import { sharedPlaces, UNKNOWN_DC, type UnitFacts } from "./shared-places.ts";
import type { AntiAffinityRule, Topology, UnitRef } from "./topology.ts";
import { outcomeOf, type EvidencePair, type Outcome } from "./verdict.ts";

/*
 * "Where may one more replica of this workload go?" (docs/placement.md). For each candidate
 * place, the new replica is added to the topology (placement-overlay.ts) and compared with
 * every unit outside its workload, by the verdict's own rules in both directions: this
 * workload's requirement against each unit's tenant, and each unit's workload's requirement
 * against this workload's tenant. Its anti-affinity rules are audited with it and without it.
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
  const advice = places.map((place) => adviseOne(topology, policy, workload, place, audits, options));
  return advice.sort(
    (a, b) =>
      OUTCOME_ORDER[a.outcome] - OUTCOME_ORDER[b.outcome] ||
      a.softBreaches.length - b.softBreaches.length ||
      a.crowding - b.crowding ||
      a.reasons.length - b.reasons.length ||
      (a.place.kind < b.place.kind ? -1 : a.place.kind > b.place.kind ? 1 : a.place.key < b.place.key ? -1 : a.place.key > b.place.key ? 1 : 0),
  );
}

function adviseOne(topology: Topology, policy: Policy, workload: AdviceWorkload, place: CandidatePlace, audits: RuleAudit[], options: AdviceOptions): CandidateAdvice {
  const replica = typeof options.replica === "function" ? options.replica(place) : (options.replica ?? defaultReplicaKind(place));
  const plus = withNewReplica(topology, place, replica, workload.tenant, workload.key);
  const chain = chainOf(plus.topology, plus.unit);
  const isolation = isolationFindings(topology, plus.topology, policy, workload, plus.unit, chain, options.redactOthers ?? false);
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

/** One requirement met by the replica: the weakest pair found for it, kept to say why. */
interface Finding {
  outcome: Outcome;
  pair: EvidencePair;
  sentence: () => string;
  /** About another tenant than the workload's: a redacted answer keeps only the weakest such one. */
  foreign: boolean;
}

/**
 * Both directions, each keyed by the verdict it belongs to: (this workload, unit's tenant) and
 * (unit's workload, this tenant). Units known to be in another datacenter than the replica are
 * separated by the two datacenters alone, so one unit per (datacenter, tenant, workload) stands
 * for the rest; only the replica's own datacenter (and units whose datacenter is not known) are
 * compared one by one.
 */
function isolationFindings(topology: Topology, plus: Topology, policy: Policy, workload: AdviceWorkload, unit: UnitRef, chain: Chain, redact: boolean) {
  const findings = new Map<string, Finding>();
  let closest: Pick<Separation, "actual" | "possible"> | null = null;
  const consider = (other: UnitFacts, separation: Separation) => {
    if (!closest || rank(separation.actual) < rank(closest.actual) || (separation.actual === closest.actual && rank(separation.possible) < rank(closest.possible))) {
      closest = { actual: separation.actual, possible: separation.possible };
    }
    const mine = requiredLevel(policy, relationship(plus, workload.tenant, other.tenant), workload.minimumIsolation);
    note(findings, `a${other.tenant}`, outcomeOf(mine, separation.actual, separation.possible), { unit, other: other.ref, ...separation }, other.tenant !== workload.tenant, () =>
      ownSentence(workload, mine, other.tenant, { unit, other: other.ref, ...separation }, redact),
    );
    const theirs = other.workload !== null ? topology.workloads.get(other.workload) : undefined;
    if (!theirs) return;
    const required = requiredLevel(policy, relationship(plus, theirs.tenant, workload.tenant), theirs.minimumIsolation);
    const pair = { unit: other.ref, other: unit, ...separation };
    note(findings, `b${theirs.key}`, outcomeOf(required, separation.actual, separation.possible), pair, theirs.tenant !== workload.tenant, () =>
      redact && theirs.tenant !== workload.tenant
        ? outcomeSentence(outcomeOf(required, separation.actual, separation.possible), `a workload of another tenant needs ${required} separation from tenant ${workload.tenant}`,
            describeRedactedPair({ ...pair, unit, other: other.ref }, "another tenant"), separation.actual, separation)
        : outcomeSentence(outcomeOf(required, separation.actual, separation.possible), needs(theirs.key, theirs.tenant, required, `tenant ${workload.tenant}`),
            describePair(pair, workload.tenant), separation.actual, separation),
    );
  };
  const near = nearbyUnits(topology);
  const dc = chain.datacenter;
  const oneByOne = dc === null ? sharedPlaces(topology).units : [...(near.byDatacenter.get(dc) ?? []), ...(near.byDatacenter.get(UNKNOWN_DC) ?? [])];
  for (const other of oneByOne) {
    if (other.workload === workload.key) continue; // its own units: one trust domain
    consider(other, separationOfChains(plus, unit, chain, other.ref, other.chain));
  }
  if (dc !== null) {
    for (const [otherDc, representatives] of near.representatives) {
      if (otherDc === dc || otherDc === UNKNOWN_DC) continue;
      const separation = datacenterSeparation(topology, dc, otherDc);
      for (const other of representatives) if (other.workload !== workload.key) consider(other, separation);
    }
  }
  return { ...sentences(findings, redact), closest: closest as Pick<Separation, "actual" | "possible"> | null };
}

/** Keeps, per verdict, the worst outcome met and its weakest pair. */
function note(findings: Map<string, Finding>, key: string, outcome: Outcome, pair: EvidencePair, foreign: boolean, sentence: () => string) {
  if (outcome === "ISOLATED") return;
  const kept = findings.get(key);
  const worse = !kept || (outcome === "NOT_ISOLATED" && kept.outcome !== "NOT_ISOLATED") ||
    (outcome === kept.outcome && (rank(pair.actual) < rank(kept.pair.actual) || (pair.actual === kept.pair.actual && rank(pair.possible) < rank(kept.pair.possible))));
  if (worse) findings.set(key, { outcome, pair, sentence, foreign });
}

/** This workload's own requirement against a unit's tenant, in the verdict's words. */
function ownSentence(workload: AdviceWorkload, required: IsolationLevel, tenant: string, pair: EvidencePair, redact: boolean): string {
  const outcome = outcomeOf(required, pair.actual, pair.possible);
  const other = redact && tenant !== workload.tenant ? "another tenant" : tenant;
  const text = redact && tenant !== workload.tenant ? describeRedactedPair(pair, other) : describePair(pair, tenant);
  return outcomeSentence(outcome, needs(workload.key, workload.tenant, required, other === "another tenant" ? other : `tenant ${other}`), text, pair.actual, pair);
}

/**
 * The sentences, refusals and doubts apart, weakest first. A caller that may not see other
 * tenants gets only the weakest about other tenants: one per tenant would count them.
 */
function sentences(findings: Map<string, Finding>, redact: boolean) {
  const sorted = [...findings.values()].sort((a, b) => rank(a.pair.actual) - rank(b.pair.actual) || rank(a.pair.possible) - rank(b.pair.possible));
  const pick = (outcome: Outcome) => {
    const of = sorted.filter((f) => f.outcome === outcome);
    const firstForeign = of.find((f) => f.foreign);
    return (redact ? of.filter((f) => !f.foreign || f === firstForeign) : of).map((f) => f.sentence());
  };
  return { refusals: pick("NOT_ISOLATED"), doubts: pick("UNPROVEN") };
}

/**
 * The workload's anti-affinity rules with the replica added: a violation it did not have, or a
 * larger excess, breaks the rule (refused when HARD, a SOFT breach otherwise); a place where the
 * rule cannot be checked (its host hidden, its rack unknown) is only possible for a HARD rule.
 * MIN_DOMAINS asks for more replicas, which one replica never makes worse: it counts in the spread.
 */
function spreadFindings(plus: Topology, workload: AdviceWorkload, unit: UnitRef, chain: Chain, audits: RuleAudit[]) {
  const refusals: string[] = [];
  const doubts: string[] = [];
  const softBreaches: string[] = [];
  let crowding = 0;
  // A unit inside one of the workload's own units is not a new replica (anti-affinity.ts, replicasOf).
  const insideOwn = chain.links.slice(1).some((link) => (link.kind === "container" ? plus.containers.get(link.key)?.workload : link.kind === "virtualMachine" ? plus.virtualMachines.get(link.key)?.workload : null) === workload.key);
  if (insideOwn) return { refusals, doubts, softBreaches, crowding };
  for (const before of audits) {
    const { rule } = before;
    const placement = cachedPlacementAt(plus, chain, rule.level);
    if ("unknown" in placement) {
      if (rule.mode === "HARD") doubts.push(`the ${NOUN[rule.level]} spread of ${workload.key} (HARD) cannot be checked there: ${placement.unknown}`);
      continue;
    }
    for (const domain of placement.domains) crowding += before.domains.get(domain)?.length ?? 0;
    const after = auditRule(plus, workload.key, rule, [...before.replicas, unit]);
    for (const violation of after.violations) {
      if (violation.kind === "MIN_DOMAINS") continue;
      const was = before.violations.find((v) => v.kind === violation.kind && v.domain === violation.domain);
      if (was && was.excess >= violation.excess) continue;
      (rule.mode === "HARD" ? refusals : softBreaches).push(`${rule.mode} anti-affinity: ${violation.message}`);
    }
  }
  return { refusals, doubts, softBreaches, crowding };
}

const nearCache = new WeakMap<Topology, { byDatacenter: Map<string, UnitFacts[]>; representatives: Map<string, UnitFacts[]> }>();

/** The units by datacenter, and one unit per (tenant, workload) in each: built once per topology beside the shared-places index. */
function nearbyUnits(topology: Topology) {
  let near = nearCache.get(topology);
  if (near) return near;
  const byDatacenter = new Map<string, UnitFacts[]>();
  const seen = new Map<string, Map<string, UnitFacts>>();
  for (const facts of sharedPlaces(topology).units) {
    let list = byDatacenter.get(facts.dc);
    if (!list) byDatacenter.set(facts.dc, (list = []));
    list.push(facts);
    let inDc = seen.get(facts.dc);
    if (!inDc) seen.set(facts.dc, (inDc = new Map()));
    const key = `${facts.tenant}\u0000${facts.workload ?? ""}`;
    if (!inDc.has(key)) inDc.set(key, facts);
  }
  near = { byDatacenter, representatives: new Map([...seen].map(([dc, m]) => [dc, [...m.values()]])) };
  nearCache.set(topology, near);
  return near;
}
