import { auditRule, cachedPlacementAt, NOUN, replicasOf, type RuleAudit, type Unverifiable } from "./anti-affinity.ts";
import { describePair, describeRedactedPair, isNewReplica, needs, outcomeSentence } from "./explain-verdict.ts";
import { relationship, requiredLevel, type Policy } from "./policy.ts";
import { defaultReplicaKind, withNewReplica, type CandidatePlace, type ReplicaKind } from "./placement-overlay.ts";
import { rank, stronger, type IsolationLevel } from "./scale.ts";
import { chainOf, datacenterSeparation, separationOfChains, type Chain, type Separation } from "./separation.ts";
import { nearbyUnits } from "./nearby-units.ts";
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
  const isolation = isolationFindings(topology, plus.topology, policy, workload, plus.unit, chain, memo, options.redactOthers ?? false);
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
function isolationFindings(topology: Topology, plus: Topology, policy: Policy, workload: AdviceWorkload, unit: UnitRef, chain: Chain, memo: Memo, redact: boolean) {
  const own = new Scan(topology, plus, policy, workload, unit, memo, redact);
  const near = nearbyUnits(topology);
  const dc = chain.datacenter;
  // Units that share a compute unit with the replica (its VM, its host) are compared one by one;
  // any other unit stands as far from it as every unit with the same signature (nearbyUnits).
  const sharing = new Set<number>();
  const byId = sharedPlaces(topology).byId;
  for (let i = 1; i < chain.ids.length; i++) {
    const above = byId.get(chain.ids[i]); // the VM (or pod) the replica runs in: it contains the replica
    if (above) sharing.add(above.index);
    for (const index of near.byLink.get(chain.ids[i]) ?? []) sharing.add(index);
  }
  const byHost = new Map<string, Separation>();
  const byHidden = new Map<number, Separation>();
  const hostKnown = chain.host !== null;
  const compare = (other: UnitFacts) => {
    if (other.workload === workload.key) return; // its own units: one trust domain
    if (sharing.has(other.index)) return own.consider(other, separationOfChains(plus, unit, chain, other.ref, other.chain));
    const bothKnown = hostKnown && other.hostKnown;
    let separation = bothKnown ? byHost.get(other.chain.host!) : byHidden.get(near.hiddenSignature[other.index]);
    if (!separation) {
      separation = separationOfChains(plus, unit, chain, other.ref, other.chain);
      if (bothKnown) byHost.set(other.chain.host!, separation);
      else byHidden.set(near.hiddenSignature[other.index], separation);
    }
    own.consider(other, separation);
  };
  if (dc === null) sharedPlaces(topology).units.forEach(compare);
  else {
    near.byDatacenter.get(dc)?.forEach(compare);
    near.byDatacenter.get(UNKNOWN_DC)?.forEach(compare);
  }
  if (dc !== null) {
    // Every candidate in one datacenter meets the other datacenters alike: scanned once per call.
    const key = `${dc}\u0000${unit.kind}`;
    let far = memo.farFrom.get(key);
    if (!far) {
      far = new Scan(topology, plus, policy, workload, unit, memo, redact);
      const policyMost = rank(stronger(stronger(policy.sameTenant, policy.sameOrganization), policy.otherOrganization));
      const mostMine = Math.max(policyMost, workload.minimumIsolation ? rank(workload.minimumIsolation) : 0);
      for (const [otherDc, representatives] of near.representatives) {
        if (otherDc === dc || otherDc === UNKNOWN_DC) continue;
        const separation = datacenterSeparation(topology, dc, otherDc);
        // No requirement either way reaches the level between the two datacenters: every pair there is ISOLATED.
        const mostTheirs = Math.max(policyMost, near.strictestMinimum.get(otherDc) ?? 0);
        if (rank(separation.actual) >= mostMine && rank(separation.actual) >= mostTheirs) continue;
        for (const other of representatives) if (other.workload !== workload.key) far.consider(other, separation);
      }
      memo.farFrom.set(key, far);
    }
    own.absorb(far);
  }
  return { ...sentences(own.findings, redact), closest: own.closest };
}

/** What one advice call works out once for all its candidates. */
export interface Memo {
  /** This workload's requirement against each tenant. */
  mine: Map<string, IsolationLevel>;
  /** Each other workload's requirement against this workload's tenant. */
  theirs: Map<string, IsolationLevel>;
  /** The findings against other datacenters, by the replica's datacenter and kind. */
  farFrom: Map<string, Scan>;
}

export const newMemo = (): Memo => ({ mine: new Map(), theirs: new Map(), farFrom: new Map() });

/** The pairs of the new replica with other units, kept as findings: only pairs that are not ISOLATED cost an object. */
class Scan {
  readonly findings = new Map<string, Finding>();
  closest: Pick<Separation, "actual" | "possible"> | null = null;

  constructor(
    private readonly topology: Topology,
    private readonly plus: Topology,
    private readonly policy: Policy,
    private readonly workload: AdviceWorkload,
    private readonly unit: UnitRef,
    private readonly memo: Memo,
    private readonly redact: boolean,
  ) {}

  consider(other: UnitFacts, separation: Separation) {
    const { workload, unit, memo } = this;
    if (!this.closest || rank(separation.actual) < rank(this.closest.actual) || (separation.actual === this.closest.actual && rank(separation.possible) < rank(this.closest.possible))) {
      this.closest = { actual: separation.actual, possible: separation.possible };
    }
    let mine = memo.mine.get(other.tenant);
    if (!mine) memo.mine.set(other.tenant, (mine = requiredLevel(this.policy, relationship(this.plus, workload.tenant, other.tenant), workload.minimumIsolation)));
    const outcomeA = outcomeOf(mine, separation.actual, separation.possible);
    if (outcomeA !== "ISOLATED") {
      const pair = { unit, other: other.ref, ...separation };
      const required = mine;
      note(this.findings, `a${other.tenant}`, outcomeA, pair, other.tenant !== workload.tenant, () => ownSentence(workload, required, other.tenant, pair, this.redact));
    }
    const theirs = other.workload !== null ? this.topology.workloads.get(other.workload) : undefined;
    if (!theirs) return;
    let required = memo.theirs.get(theirs.key);
    if (!required) memo.theirs.set(theirs.key, (required = requiredLevel(this.policy, relationship(this.plus, theirs.tenant, workload.tenant), theirs.minimumIsolation)));
    const outcomeB = outcomeOf(required, separation.actual, separation.possible);
    if (outcomeB === "ISOLATED") return;
    const level = required;
    const pair = { unit: other.ref, other: unit, ...separation };
    const hide = this.redact && theirs.tenant !== workload.tenant;
    note(this.findings, `b${theirs.key}`, outcomeB, pair, theirs.tenant !== workload.tenant, () =>
      hide
        ? outcomeSentence(outcomeB, `a workload of another tenant needs ${level} separation from tenant ${workload.tenant}`, describeRedactedPair({ ...pair, unit, other: other.ref }, "another tenant"), separation.actual, separation)
        : outcomeSentence(outcomeB, needs(theirs.key, theirs.tenant, level, `tenant ${workload.tenant}`), describePair(pair, workload.tenant), separation.actual, separation),
    );
  }

  /** Takes in another scan's findings (the far datacenters'), keeping the worse of each. */
  absorb(other: Scan) {
    for (const [key, f] of other.findings) note(this.findings, key, f.outcome, f.pair, f.foreign, f.sentence);
    const c = other.closest;
    if (c && (!this.closest || rank(c.actual) < rank(this.closest.actual) || (c.actual === this.closest.actual && rank(c.possible) < rank(this.closest.possible)))) this.closest = c;
  }
}

/** Keeps, per verdict, the worst outcome met and its weakest pair. */
function note(findings: Map<string, Finding>, key: string, outcome: Outcome, pair: EvidencePair, foreign: boolean, sentence: () => string) {
  if (outcome === "ISOLATED") return;
  const kept = findings.get(key);
  const worse =
    !kept ||
    (outcome === "NOT_ISOLATED" && kept.outcome !== "NOT_ISOLATED") ||
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
    if ("unknown" in placement) {
      if (rule.mode === "HARD") doubts.push(`the ${NOUN[rule.level]} spread of ${workload.key} (HARD) cannot be checked there: ${placement.unknown}`);
      continue;
    }
    for (const domain of placement.domains) crowding += before.domains.get(domain)?.length ?? 0;
    const after = auditRule(plus, workload.key, rule, [...before.replicas, unit]);
    // A slot of one placement group next to replicas elsewhere leaves them all uncheckable: not proven.
    if (rule.mode === "HARD" && after.unverifiable.length > 0) doubts.push(uncheckable(workload.key, rule, after.unverifiable));
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
