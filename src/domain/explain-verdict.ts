import { reservationBreach } from "./dedication.ts";
import { wallTakenBy, type WallTaker } from "./scale.ts";
import { cachedChainOf, claimedReservation, hostLevelTenant, reservationKeepsOff, tenantOf, type SharedThing } from "./separation.ts";
import { hostPlaceConflict, type Topology, type UnitRef } from "./topology.ts";
import type { EvidencePair, Verdict } from "./verdict.ts";

/*
 * The verdict in one short paragraph a person reads in a chat window, e.g. "NOT ISOLATED:
 * payments (acme) needs HOST separation from tenant globex, but container c-17 and globex's
 * VM vm-9 share host h-4 (only a VIRTUAL_MACHINE boundary between them). Inventory as of
 * 10:42 UTC."
 */
export function explainVerdict(verdict: Verdict, now: Date = new Date(), options: ExplainOptions = {}): string {
  const who = needs(verdict.workload, verdict.workloadTenant, verdict.required, `tenant ${verdict.tenant}`);
  const asOf = verdict.inventoryAsOf ? ` Inventory as of ${formatInstant(verdict.inventoryAsOf, now)}.` : "";
  const weakest = verdict.weakest;
  if (!weakest) {
    const missing = verdict.unitCount === 0 ? `${verdict.workload} has no units` : verdict.ownUnitsOfTenant > 0 ? `tenant ${verdict.tenant}'s only units are ${verdict.workload}'s own` : `tenant ${verdict.tenant} has no units`;
    return `ISOLATED: ${who}, and ${missing}, so nothing of theirs meets.${asOf}`;
  }
  const pair = options.redactOtherSide ? describeRedactedPair(weakest, verdict.tenant) : describePair(weakest, verdict.tenant);
  const redact = options.redactOtherSide ?? false;
  const note = options.topology ? privilegeNote(options.topology, weakest, redact) + placeConflictNote(options.topology, weakest, redact) + voidDedicationNote(options.topology, weakest, redact) : "";
  return `${outcomeSentence(verdict.outcome, who, pair, verdict.actual, weakest)}${note}${asOf}`;
}

/**
 * " Container c-1 is privileged: …" (or "… mounts its node's files: …") for each unit of the
 * pair whose privilege or node files are why nothing separates them (the other side's only
 * when the caller may see it); else "".
 */
export function privilegeNote(topology: Topology, pair: EvidencePair, redactOtherSide: boolean): string {
  if (pair.actual !== "PROCESS" || (pair.shared.kind === "UNIT" && pair.shared.contains)) return "";
  const units = redactOtherSide ? [pair.unit] : [pair.unit, pair.other];
  return units
    .map((unit) => {
      const node = unit.kind === "container" ? topology.containers.get(unit.key) : undefined;
      const taker = node ? wallTakenBy(node) : null;
      return taker ? ` ${capitalized(describeUnit(unit))} ${WALL_TAKEN[taker]}` : "";
    })
    .join("");
}

/** Why a container has no wall of its own, in words (the reason `wallTakenBy` gives). */
const WALL_TAKEN: Record<WallTaker, string> = {
  privileged: "is privileged: it shares its node's kernel with full rights.",
  nodeFiles: "mounts its node's files (a hostPath volume): it reads and writes them past its own wall, whatever its runtime.",
};

/**
 * " Host h-7 names datacenter fra1, but its rack r-3 is in datacenter ams1: which one it is in is
 * not known." for each host of the pair whose datacenter contradicts its rack's (topology.ts
 * `hostPlaceConflict`): why nothing above that host is read. Not for a caller who may not see
 * the other side: hosts, racks and datacenters are inventory such a caller does not see.
 */
export function placeConflictNote(topology: Topology, pair: EvidencePair, redactOtherSide: boolean): string {
  if (redactOtherSide) return "";
  const hosts = new Set([pair.unit, pair.other].map((unit) => cachedChainOf(topology, unit).host));
  let note = "";
  for (const key of hosts) {
    const host = key === null ? undefined : topology.hosts.get(key);
    const conflict = host ? hostPlaceConflict(topology, host) : null;
    if (conflict) note += ` Host ${key} names datacenter ${conflict.named}, but its rack ${conflict.rack.key} is in datacenter ${conflict.rack.datacenter}: which one it is in is not known.`;
  }
  return note;
}

/**
 * " Host hd is dedicated to acme, but initech's VM vi runs on it: the dedication rules nothing
 * out." for each dedication on either side's way up that the data voids (dedication.ts) and
 * that would otherwise have ruled out the pair's possibly shared host; else "". Only for a
 * caller who may see every side: it names other tenants and their units.
 */
export function voidDedicationNote(topology: Topology, pair: EvidencePair, redactOtherSide: boolean): string {
  if (redactOtherSide || pair.shared.kind !== "POSSIBLE_HOST" || pair.actual === "HOST") return "";
  const notes: string[] = [];
  for (const [mine, theirs] of [
    [pair.unit, pair.other],
    [pair.other, pair.unit],
  ]) {
    const chain = cachedChainOf(topology, mine);
    const keptOff = (reservedFor: string) => reservationKeepsOff(reservedFor, tenantOf(topology, theirs), hostLevelTenant(topology, cachedChainOf(topology, theirs)), null);
    for (const link of chain.links) {
      const claimed = claimedReservation(topology, link);
      if (claimed === null || link.dedicatedTo !== null || chain.host === null || !keptOff(claimed)) continue;
      const breach = reservationBreach(topology, chain.host, claimed);
      if (breach === null) continue;
      const intruder = isNewReplica(breach.unit) ? describeUnit(breach.unit) : `${breach.tenant}'s ${describeUnit(breach.unit)}`;
      const by = breach.unit.kind === "host" ? `its host ${breach.unit.key} is dedicated to ${breach.tenant}` : `${intruder} runs on ${link.kind === "host" ? "it" : `its host ${chain.host}`}`;
      notes.push(` ${capitalized(describeUnit(link))} is dedicated to ${claimed}, but ${by}: the dedication rules nothing out.`);
    }
  }
  return notes.join("");
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * The verdict's sentence from its parts: who needs what (`needs`), the pair in words, the
 * level proven. Placement advice (placement-advice.ts) says why a place is refused with it.
 */
export function outcomeSentence(outcome: Verdict["outcome"], who: string, pair: string, actual: Verdict["actual"], weakest: Pick<EvidencePair, "actual" | "possible">): string {
  switch (outcome) {
    case "NOT_ISOLATED":
      return `NOT ISOLATED: ${who}, but ${pair} (only a ${weakest.actual} boundary between them).`;
    case "UNPROVEN":
      return `UNPROVEN: ${who}; only ${actual} is proven, ${weakest.possible} is possible: ${pair}.`;
    case "ISOLATED":
      return `ISOLATED: ${who} and has at least ${actual}; the closest pair: ${pair}.`;
  }
}

/** "payments (acme-payments) needs HOST separation from tenant globex": the subject of a verdict's sentence. */
export function needs(workload: string, workloadTenant: string, required: string, from: string): string {
  return `${workload} (${workloadTenant}) needs ${required} separation from ${from}`;
}

export interface ExplainOptions {
  /**
   * For a caller who may not see the other tenant's inventory: name neither the other side's
   * unit nor the shared thing, only its kind ("a unit of globex", "share a host").
   */
  redactOtherSide?: boolean;
  /** The topology the verdict read: with it, a privileged unit (or one with its node's files) that leaves the pair without a wall is named. */
  topology?: Topology;
}

export function describeRedactedPair(pair: EvidencePair, tenant: string): string {
  const mine = describeUnit(pair.unit);
  const theirs = `a unit of ${tenant}`;
  if (pair.shared.kind === "UNIT" && pair.shared.contains) {
    const mineContains = pair.shared.unit.kind === pair.unit.kind && pair.shared.unit.key === pair.unit.key;
    return mineContains ? `${theirs} runs inside ${mine}` : `${mine} runs inside ${theirs}`;
  }
  return `${mine} and ${theirs} share ${kindOfSharedThing(pair.shared)}`;
}

/** The kind of a shared thing, without naming it: "a host", "a power domain", "nothing known". */
export function kindOfSharedThing(shared: SharedThing): string {
  switch (shared.kind) {
    case "UNIT":
      return shared.unit.kind === "virtualMachine" ? "a VM" : `a ${shared.unit.kind}`;
    case "POSSIBLE_HOST":
      return "possibly a host";
    case "POSSIBLE_HAZARD_ZONE":
      return "possibly a hazard zone";
    case "NOTHING":
      return "nothing known";
    case "PLANET":
      return "a planet";
    default:
      return `a ${shared.kind.toLowerCase().replace("_", " ")}`;
  }
}

export function describePair(pair: EvidencePair, tenant: string): string {
  const mine = describeUnit(pair.unit);
  const theirs = isNewReplica(pair.other) ? `${tenant}'s new ${unitNoun(pair.other)} replica` : `${tenant}'s ${describeUnit(pair.other)}`;
  if (pair.shared.kind === "UNIT" && pair.shared.contains) {
    const mineContains = pair.shared.unit.kind === pair.unit.kind && pair.shared.unit.key === pair.unit.key;
    return mineContains ? `${theirs} runs inside ${mine}` : `${mine} runs inside ${theirs}`;
  }
  if (pair.shared.kind === "POSSIBLE_HOST" && pair.actual === "HOST") {
    // Only dedicated hardware lifts a possibly shared host to HOST.
    const where = pair.shared.datacenter ? ` are both in datacenter ${pair.shared.datacenter}` : " may sit anywhere";
    return `${mine} and ${theirs}${where}, but dedicated hardware rules out a shared host`;
  }
  return `${mine} and ${theirs} ${describeShared(pair.shared)}`;
}

export function describeUnit(unit: UnitRef): string {
  if (isNewReplica(unit)) return `the new ${unitNoun(unit)} replica`;
  return `${unitNoun(unit)} ${unit.key}`;
}

const unitNoun = (unit: UnitRef) => (unit.kind === "virtualMachine" ? "VM" : unit.kind);

/**
 * The key of the replica that placement advice imagines (placement-advice.ts): no synced key
 * can hold a NUL (the API refuses it), so it never names a real unit.
 */
export const NEW_REPLICA_KEY = "\u0000new replica";

export const isNewReplica = (unit: UnitRef) => unit.key === NEW_REPLICA_KEY;

function describeShared(shared: SharedThing): string {
  switch (shared.kind) {
    case "UNIT":
      return `share ${describeUnit(shared.unit)}`;
    case "RACK":
      return `sit in the same rack ${shared.key}`;
    case "POWER_DOMAIN":
      return `sit in racks behind the same power domain ${shared.key}`;
    case "NETWORK_DOMAIN":
      return `sit in racks on the same network domain ${shared.key}`;
    case "DATACENTER":
      return `sit in different racks of datacenter ${shared.key}`;
    case "HAZARD_ZONE":
      return `sit in datacenters that share hazard zone ${shared.key}`;
    case "REGION":
      return `sit in datacenters of the same region ${shared.key}`;
    case "PLANET":
      return `sit in datacenters with no hazard zone in common, on ${shared.key}`;
    case "POSSIBLE_HAZARD_ZONE":
      return `sit in datacenters ${shared.key} and ${shared.other}; ${shared.key} lists no hazard zones, so it may share one with ${shared.other}`;
    case "POSSIBLE_HOST":
      return shared.datacenter ? `may share a host in datacenter ${shared.datacenter}, where the hosts are not known` : "may share a host: where they run is not known";
    case "NOTHING":
      return "share nothing that is known";
  }
}

/** "10:42 UTC" today, "2026-11-27 10:42 UTC" another day. */
export function formatInstant(at: Date, now: Date): string {
  const iso = at.toISOString();
  const time = `${iso.slice(11, 16)} UTC`;
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${iso.slice(0, 10)} ${time}`;
}

/** The shared thing as a noun phrase: "host h-4", "power domain ams1-pdu-a", "a host in datacenter euw1-az1 that may be shared". */
export function describeSharedThing(shared: SharedThing): string {
  switch (shared.kind) {
    case "UNIT":
      return describeUnit(shared.unit);
    case "POSSIBLE_HOST":
      return shared.datacenter ? `a host in datacenter ${shared.datacenter} that may be shared` : "a host that may be shared";
    case "POSSIBLE_HAZARD_ZONE":
      return `a hazard zone that datacenter ${shared.key} (which lists none) may share with ${shared.other}`;
    case "NOTHING":
      return "nothing known";
    default:
      return `${shared.kind.toLowerCase().replace("_", " ")} ${shared.key}`;
  }
}
