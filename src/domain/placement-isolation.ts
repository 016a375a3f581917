import { describePair, describeRedactedPair, needs, outcomeSentence, privilegeNote, voidDedicationNote } from "./explain-verdict.ts";
import { nearbyUnits, type HostUnits, type Nearby, type UnitGroup } from "./nearby-units.ts";
import { relationship, requiredLevel, type Policy } from "./policy.ts";
import { rank, stronger, type IsolationLevel } from "./scale.ts";
import { datacenterSeparation, separationOfChains, type Chain, type Separation } from "./separation.ts";
import { sharedPlaces, UNKNOWN_DC, unitFactsOf, type UnitFacts } from "./shared-places.ts";
import type { Topology, UnitRef } from "./topology.ts";
import { outcomeOf, type EvidencePair, type Outcome } from "./verdict.ts";

/*
 * The isolation half of placement advice (placement-advice.ts): the new replica against every
 * unit outside its workload, by the verdict's own rules in both directions, keyed by the
 * verdict each pair belongs to: (this workload, the unit's tenant) and (the unit's workload,
 * this tenant). Each verdict keeps its worst outcome and weakest pair, the first unit in the
 * index's order breaking ties, so the words do not depend on the order the groups are visited.
 *
 * What it visits per candidate: the units that share a compute unit with the replica, one by
 * one; every other unit of the replica's datacenter (and of no known datacenter) by group
 * (nearby-units.ts), a host at a time, a whole host skipped when no requirement either way can
 * reach the level between it and the replica; other datacenters once per advice.
 */
export interface AdviceParty {
  key: string;
  tenant: string;
  minimumIsolation: IsolationLevel | null;
}

/** One requirement met by the replica: the weakest pair found for it, kept to say why. */
interface Finding {
  outcome: Outcome;
  pair: EvidencePair;
  sentence: () => string;
  /** About another tenant than the workload's: a redacted answer keeps only the weakest such one. */
  foreign: boolean;
  /** Where the pair's unit stands in the visit order: the first breaks a tie. */
  order: number;
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

/** The replica on one candidate: its overlay topology, its ref and its way up. */
export interface Placed {
  plus: Topology;
  unit: UnitRef;
  chain: Chain;
}

export function isolationFindings(topology: Topology, policy: Policy, workload: AdviceParty, placed: Placed, memo: Memo, redact: boolean) {
  const own = new Scan(topology, policy, workload, placed, memo, redact);
  const near = nearbyUnits(topology);
  new NearScan(topology, near, policy, workload, placed, own).run();
  const dc = placed.chain.datacenter;
  if (dc !== null) own.absorb(farFindings(topology, near, policy, workload, placed, memo, redact));
  return { ...sentences(own, redact), closest: own.closest };
}

/** The replica's datacenter (or every unit, when its datacenter is not known) and the units of no known datacenter. */
class NearScan {
  private readonly units: UnitFacts[];
  private readonly sharing: number[];
  private readonly sharingSet: Set<number>;
  private readonly bySignature = new Map<number, Separation>();
  /** The strongest requirement of the policy, of this workload (against any tenant), of either. */
  private readonly policyMost: number;
  private readonly mostMine: number;

  constructor(
    topology: Topology,
    private readonly near: Nearby,
    policy: Policy,
    private readonly workload: AdviceParty,
    private readonly placed: Placed,
    private readonly scan: Scan,
  ) {
    this.units = sharedPlaces(topology).units;
    this.sharing = sharingUnits(topology, near, placed.chain);
    this.sharingSet = new Set(this.sharing);
    this.policyMost = policyMost(policy);
    this.mostMine = Math.max(this.policyMost, workload.minimumIsolation ? rank(workload.minimumIsolation) : 0);
  }

  run() {
    const { placed, units } = this;
    const dc = placed.chain.datacenter;
    // Order: the index's, units of no known datacenter after the replica's own (as the groups are visited).
    const offsetOf = (key: string) => (dc !== null && key === UNKNOWN_DC ? units.length : 0);
    const dcOf = (index: number) => units[index].dc;
    for (const index of this.sharing) {
      const other = units[index];
      if (other.workload === this.workload.key) continue;
      this.scan.consider(other, separationOfChains(placed.plus, placed.unit, placed.chain, other.ref, other.chain), index + offsetOf(dcOf(index)));
    }
    const keys = dc === null ? [...this.near.datacenters.keys()] : [dc, UNKNOWN_DC];
    for (const key of keys) {
      const at = this.near.datacenters.get(key);
      if (!at) continue;
      const offset = offsetOf(key);
      for (const host of at.hosts) this.visitHost(host, offset);
      for (const group of at.hidden) this.visitGroup(group, offset);
    }
  }

  /** A host other than the replica's: when only the host decides, one separation for all its units, and none of them visited if none can fall short. */
  private visitHost(host: HostUnits, offset: number) {
    const { chain } = this.placed;
    if (chain.host === host.host) return; // every unit on it shares the host with the replica: visited one by one
    if (chain.host === null || chain.placementGroup !== host.placementGroup) {
      for (const group of host.groups) this.visitGroup(group, offset);
      return;
    }
    const first = this.units[host.groups[0].units[0]];
    const separation = separationOfChains(this.placed.plus, this.placed.unit, chain, first.ref, first.chain);
    const { units } = this;
    const key = this.workload.key;
    if (!hasOtherWorkload(host, units, key)) return; // only this workload's own units
    this.scan.closer(separation);
    const level = rank(separation.actual);
    if (level >= Math.max(this.mostMine, host.strictest)) return; // every pair there is ISOLATED, either way
    if (this.mostMine > level) {
      // This workload's requirement reads the tenant only: the tenant's first unit outside this workload.
      for (let t = 0; t < host.tenantFirst.length; t++) {
        const first = host.tenantFirst[t];
        const index = units[first].workload !== key ? first : host.tenantOther[t];
        if (index !== -1) this.scan.considerOwn(units[index], separation, index + offset);
      }
    }
    // Another workload's requirement exceeds the policy's only with a minimumIsolation of its own.
    for (const index of this.policyMost > level ? host.parties : host.strictParties) if (units[index].workload !== key) this.scan.considerTheirs(units[index], separation, index + offset);
  }

  /** When signature decides: a group's first unit that does not share a compute unit with the replica stands for the group. */
  private visitGroup(group: UnitGroup, offset: number) {
    if (group.workload === this.workload.key) return; // its own units: one trust domain
    const index = this.sharingSet.size === 0 ? group.units[0] : firstNotIn(group.units, this.sharingSet);
    if (index === -1) return;
    const other = this.units[index];
    let separation = this.bySignature.get(group.signature);
    if (!separation) {
      separation = separationOfChains(this.placed.plus, this.placed.unit, this.placed.chain, other.ref, other.chain);
      this.bySignature.set(group.signature, separation);
    }
    this.scan.consider(other, separation, index + offset);
  }
}

function hasOtherWorkload(host: HostUnits, units: readonly UnitFacts[], workload: string): boolean {
  for (const index of host.parties) if (units[index].workload !== workload) return true;
  return false;
}

function firstNotIn(units: readonly number[], set: ReadonlySet<number>): number {
  for (const index of units) if (!set.has(index)) return index;
  return -1;
}

/** The units that share a compute unit with the replica (its VM, its host, what contains them), in the index's order. */
function sharingUnits(topology: Topology, near: Nearby, chain: Chain): number[] {
  const sharing = new Set<number>();
  const places = sharedPlaces(topology);
  for (let i = 1; i < chain.ids.length; i++) {
    const above = unitFactsOf(places, chain.links[i]); // the VM (or pod) the replica runs in: it contains the replica
    if (above) sharing.add(above.index);
    for (const index of near.byLink.get(chain.ids[i]) ?? []) sharing.add(index);
  }
  return [...sharing].sort((a, b) => a - b);
}

const policyMost = (policy: Policy) => rank(stronger(stronger(policy.sameTenant, policy.sameOrganization), policy.otherOrganization));

/** Every candidate in one datacenter meets the other datacenters alike: scanned once per advice and replica kind. */
function farFindings(topology: Topology, near: Nearby, policy: Policy, workload: AdviceParty, placed: Placed, memo: Memo, redact: boolean): Scan {
  const dc = placed.chain.datacenter!;
  const key = `${dc}\u0000${placed.unit.kind}`;
  let far = memo.farFrom.get(key);
  if (far) return far;
  far = new Scan(topology, policy, workload, placed, memo, redact);
  const mostMine = Math.max(policyMost(policy), workload.minimumIsolation ? rank(workload.minimumIsolation) : 0);
  let order = 2 * sharedPlaces(topology).units.length; // after every nearer unit
  for (const [otherDc, representatives] of near.representatives) {
    if (otherDc === dc || otherDc === UNKNOWN_DC) continue;
    const separation = datacenterSeparation(topology, dc, otherDc);
    // No requirement either way reaches the level between the two datacenters: every pair there is ISOLATED.
    const mostTheirs = Math.max(policyMost(policy), near.strictestMinimum.get(otherDc) ?? 0);
    const isolated = rank(separation.actual) >= mostMine && rank(separation.actual) >= mostTheirs;
    for (const other of representatives) {
      if (other.workload === workload.key) continue;
      if (isolated) {
        far.closer(separation);
        break;
      }
      far.consider(other, separation, order++);
    }
  }
  memo.farFrom.set(key, far);
  return far;
}

/** The pairs of the new replica with other units, kept as findings: only a pair that becomes a verdict's weakest costs an object. */
export class Scan {
  /** Direction A, by the unit's tenant; direction B, by the unit's workload. */
  readonly byTenant = new Map<string, Finding>();
  readonly byWorkload = new Map<string, Finding>();
  closest: Pick<Separation, "actual" | "possible"> | null = null;

  constructor(
    private readonly topology: Topology,
    private readonly policy: Policy,
    private readonly workload: AdviceParty,
    private readonly placed: Placed,
    private readonly memo: Memo,
    private readonly redact: boolean,
  ) {}

  /** The weakest separation met, whatever the requirements. */
  closer(s: Pick<Separation, "actual" | "possible">) {
    const c = this.closest;
    if (!c || rank(s.actual) < rank(c.actual) || (s.actual === c.actual && rank(s.possible) < rank(c.possible))) this.closest = { actual: s.actual, possible: s.possible };
  }

  consider(other: UnitFacts, separation: Separation, order: number) {
    this.closer(separation);
    this.considerOwn(other, separation, order);
    this.considerTheirs(other, separation, order);
  }

  /** This workload's requirement against the unit's tenant. */
  considerOwn(other: UnitFacts, separation: Separation, order: number) {
    const { workload, memo } = this;
    let mine = memo.mine.get(other.tenant);
    if (!mine) memo.mine.set(other.tenant, (mine = requiredLevel(this.policy, relationship(this.placed.plus, workload.tenant, other.tenant), workload.minimumIsolation)));
    const outcomeA = outcomeOf(mine, separation.actual, separation.possible);
    if (outcomeA !== "ISOLATED" && worse(this.byTenant.get(other.tenant), outcomeA, separation, order)) this.keepOwn(other, mine, outcomeA, separation, order);
  }

  /** The unit's workload's requirement against this workload's tenant. */
  considerTheirs(other: UnitFacts, separation: Separation, order: number) {
    const { workload, memo } = this;
    const theirs = other.workload !== null ? this.topology.workloads.get(other.workload) : undefined;
    if (!theirs) return;
    let required = memo.theirs.get(theirs.key);
    if (!required) memo.theirs.set(theirs.key, (required = requiredLevel(this.policy, relationship(this.placed.plus, theirs.tenant, workload.tenant), theirs.minimumIsolation)));
    const outcomeB = outcomeOf(required, separation.actual, separation.possible);
    if (outcomeB !== "ISOLATED" && worse(this.byWorkload.get(theirs.key), outcomeB, separation, order)) this.keepTheirs(other, theirs, required, outcomeB, separation, order);
  }

  private keepOwn(other: UnitFacts, required: IsolationLevel, outcome: Outcome, separation: Separation, order: number) {
    const { workload, redact } = this;
    const pair = { unit: this.placed.unit, other: other.ref, ...separation };
    const foreign = other.tenant !== workload.tenant;
    const sentence = () => ownSentence(workload, required, other.tenant, pair, redact) + privilegeNote(this.placed.plus, pair, redact && foreign) + voidDedicationNote(this.placed.plus, pair, redact);
    this.byTenant.set(other.tenant, { outcome, pair, foreign, order, sentence });
  }

  private keepTheirs(other: UnitFacts, theirs: AdviceParty, level: IsolationLevel, outcome: Outcome, separation: Separation, order: number) {
    const { workload } = this;
    const unit = this.placed.unit;
    const pair = { unit: other.ref, other: unit, ...separation };
    const foreign = theirs.tenant !== workload.tenant;
    const hide = this.redact && foreign;
    const sentence = () =>
      hide
        ? outcomeSentence(outcome, `a workload of another tenant needs ${level} separation from tenant ${workload.tenant}`, describeRedactedPair({ ...pair, unit, other: other.ref }, "another tenant"), separation.actual, separation)
        : outcomeSentence(outcome, needs(theirs.key, theirs.tenant, level, `tenant ${workload.tenant}`), describePair(pair, workload.tenant), separation.actual, separation) + voidDedicationNote(this.placed.plus, pair, this.redact);
    this.byWorkload.set(theirs.key, { outcome, pair, foreign, order, sentence });
  }

  /** Takes in another scan's findings (the far datacenters'), keeping the worse of each. */
  absorb(other: Scan) {
    for (const [key, f] of other.byTenant) if (worse(this.byTenant.get(key), f.outcome, f.pair, f.order)) this.byTenant.set(key, f);
    for (const [key, f] of other.byWorkload) if (worse(this.byWorkload.get(key), f.outcome, f.pair, f.order)) this.byWorkload.set(key, f);
    if (other.closest) this.closer(other.closest);
  }
}

/** A pair is the verdict's new weakest: a worse outcome, a weaker pair, or as weak and first in order. */
function worse(kept: Finding | undefined, outcome: Outcome, s: Pick<Separation, "actual" | "possible">, order: number): boolean {
  if (!kept) return true;
  if (outcome !== kept.outcome) return outcome === "NOT_ISOLATED";
  const k = kept.pair;
  if (s.actual !== k.actual) return rank(s.actual) < rank(k.actual);
  if (s.possible !== k.possible) return rank(s.possible) < rank(k.possible);
  return order < kept.order;
}

/** This workload's own requirement against a unit's tenant, in the verdict's words. */
function ownSentence(workload: AdviceParty, required: IsolationLevel, tenant: string, pair: EvidencePair, redact: boolean): string {
  const outcome = outcomeOf(required, pair.actual, pair.possible);
  const other = redact && tenant !== workload.tenant ? "another tenant" : tenant;
  const text = redact && tenant !== workload.tenant ? describeRedactedPair(pair, other) : describePair(pair, tenant);
  return outcomeSentence(outcome, needs(workload.key, workload.tenant, required, other === "another tenant" ? other : `tenant ${other}`), text, pair.actual, pair);
}

/**
 * The sentences, refusals and doubts apart, weakest first. A caller that may not see other
 * tenants gets only the weakest about other tenants: one per tenant would count them.
 */
export function sentences(scan: Scan, redact: boolean) {
  // Ties: the first pair in the index's order, this workload's own requirement before another's (a stable sort).
  const sorted = [...scan.byTenant.values(), ...scan.byWorkload.values()].sort((a, b) => rank(a.pair.actual) - rank(b.pair.actual) || rank(a.pair.possible) - rank(b.pair.possible) || a.order - b.order);
  const pick = (outcome: Outcome) => {
    const of = sorted.filter((f) => f.outcome === outcome);
    const firstForeign = of.find((f) => f.foreign);
    return (redact ? of.filter((f) => !f.foreign || f === firstForeign) : of).map((f) => f.sentence());
  };
  return { refusals: pick("NOT_ISOLATED"), doubts: pick("UNPROVEN") };
}
