import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildTopology } from "../../src/domain/build-topology.ts";
import { placementAdvice, type AdviceWorkload } from "../../src/domain/placement-advice.ts";
import { withNewReplica, type CandidatePlace, type ReplicaKind } from "../../src/domain/placement-overlay.ts";
import { newMemo, Scan, sentences } from "../../src/domain/placement-isolation.ts";
import { sharedPlaces, UNKNOWN_DC } from "../../src/domain/shared-places.ts";
import { chainOf } from "../../src/domain/separation.ts";
import { DEFAULT_POLICY, relationship, requiredLevel, type Policy } from "../../src/domain/policy.ts";
import { rank, type IsolationLevel } from "../../src/domain/scale.ts";
import { separation } from "../../src/domain/separation.ts";
import type { Topology } from "../../src/domain/topology.ts";
import { outcomeOf, type Outcome } from "../../src/domain/verdict.ts";
import { randomInventory } from "../support/random-inventory.ts";

/*
 * The advice visits groups of units that stand alike from the replica, and skips whole hosts
 * that no requirement can fall short on (src/domain/placement-isolation.ts, nearby-units.ts).
 * Whatever it skips, it must judge every place as comparing the replica with every unit one by
 * one would: the same verdicts fall short, as badly, at the same weakest levels. Fleets larger
 * than the other property tests' (a dozen hosts, some slots of placement groups, some hidden,
 * sixty units), so that a host holds several units with different walls and tenants.
 */
const STRICT: Policy = { version: 1, sameTenant: "CONTAINER", sameOrganization: "HOST", otherOrganization: "RACK" };

/** Each verdict the replica takes part in (this workload against a tenant, a workload against this tenant): its worst outcome and weakest levels, by brute force. */
function oneByOne(topology: Topology, policy: Policy, workload: AdviceWorkload, place: CandidatePlace, replica: ReplicaKind) {
  const plus = withNewReplica(topology, place, replica, workload.tenant, workload.key);
  const verdicts = new Map<string, { outcome: Outcome; actual: IsolationLevel; possible: IsolationLevel }>();
  let closest: { actual: IsolationLevel; possible: IsolationLevel } | null = null;
  const note = (key: string, required: IsolationLevel, s: { actual: IsolationLevel; possible: IsolationLevel }) => {
    const outcome = outcomeOf(required, s.actual, s.possible);
    if (outcome === "ISOLATED") return;
    const kept = verdicts.get(key);
    const worse = !kept || (outcome === "NOT_ISOLATED" && kept.outcome !== "NOT_ISOLATED") || (outcome === kept.outcome && (rank(s.actual) < rank(kept.actual) || (s.actual === kept.actual && rank(s.possible) < rank(kept.possible))));
    if (worse) verdicts.set(key, { outcome, actual: s.actual, possible: s.possible });
  };
  const units = [...[...topology.containers.values()].map((u) => ({ ...u, kind: "container" as const })), ...[...topology.virtualMachines.values()].map((u) => ({ ...u, kind: "virtualMachine" as const }))];
  for (const u of units) {
    if (u.workload === workload.key) continue;
    const s = separation(plus.topology, plus.unit, { kind: u.kind, key: u.key });
    if (!closest || rank(s.actual) < rank(closest.actual) || (s.actual === closest.actual && rank(s.possible) < rank(closest.possible))) closest = { actual: s.actual, possible: s.possible };
    note(`a ${u.tenant}`, requiredLevel(policy, relationship(plus.topology, workload.tenant, u.tenant), workload.minimumIsolation), s);
    const theirs = u.workload !== null ? topology.workloads.get(u.workload) : undefined;
    if (theirs) note(`b ${theirs.key}`, requiredLevel(policy, relationship(plus.topology, theirs.tenant, workload.tenant), theirs.minimumIsolation), s);
  }
  const all = [...verdicts.values()];
  const refused = all.filter((v) => v.outcome === "NOT_ISOLATED");
  const shown = refused.length > 0 ? refused : all;
  // A refusal's words name the proven level only.
  const levels = shown.map((v) => `${v.actual}/${v.outcome === "NOT_ISOLATED" ? v.actual : v.possible}`).sort();
  return { outcome: refused.length > 0 ? "REFUSED" : all.length > 0 ? "POSSIBLE" : "PROVEN", levels, closest };
}

/**
 * The same scan the advice keeps its findings in, fed every unit one by one, in the order that
 * breaks ties (the index's; units of no known datacenter after the replica's own datacenter's;
 * units of other datacenters last, datacenter by datacenter): the reasons, word for word.
 */
function reasonsOneByOne(topology: Topology, policy: Policy, workload: AdviceWorkload, place: CandidatePlace, replica: ReplicaKind, redact: boolean) {
  const plus = withNewReplica(topology, place, replica, workload.tenant, workload.key);
  const placed = { plus: plus.topology, unit: plus.unit, chain: chainOf(plus.topology, plus.unit) };
  const scan = new Scan(topology, policy, workload, placed, newMemo(), redact);
  const { units, datacenterGroups } = sharedPlaces(topology);
  const dc = placed.chain.datacenter;
  const rankOf = (u: (typeof units)[number]) => (dc === null || u.dc === dc ? 0 : u.dc === UNKNOWN_DC ? 1 : 2 + datacenterGroups.indexOf(u.dc));
  const ordered = units.map((u) => ({ u, rank: rankOf(u) })).sort((a, b) => a.rank - b.rank || a.u.index - b.u.index);
  ordered.forEach(({ u }, order) => {
    if (u.workload !== workload.key) scan.consider(u, separation(plus.topology, plus.unit, u.ref), order);
  });
  return sentences(scan, redact);
}

/** The levels a reason names: "only X is proven, Y is possible" or "(only a X boundary …)". */
function levelsOf(reasons: string[]): string[] {
  return reasons
    .map((r) => {
      const unproven = /only (\w+) is proven, (\w+) is possible/.exec(r);
      if (unproven) return `${unproven[1]}/${unproven[2]}`;
      const refused = /\(only an? (\w+) boundary between them\)/.exec(r);
      return refused ? `${refused[1]}/${refused[1]}` : `? ${r}`;
    })
    .sort();
}

describe("placement advice, group by group, against every unit one by one", () => {
  it("judges every place, with every reason at its level, as the brute force does", () => {
    let compared = 0;
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          dedication: fc.boolean(),
          platform: fc.boolean(),
          contradictions: fc.boolean(),
          strict: fc.boolean(),
          workload: fc.constantFrom("w1", "w2", "w3", "w4"),
          runtime: fc.constantFrom("runc", "gvisor", "kata"),
          privileged: fc.boolean(),
          nodeFiles: fc.boolean(),
          redact: fc.boolean(),
        }),
        (s) => {
          const input = randomInventory(s.seed, { known: false, dedication: s.dedication, platform: s.platform, contradictions: s.contradictions, placementGroups: true, hosts: 12, units: 60 });
          const topology = buildTopology(input);
          const policy = s.strict ? STRICT : DEFAULT_POLICY;
          const node = topology.workloads.get(s.workload)!;
          const workload: AdviceWorkload = { key: node.key, tenant: node.tenant, minimumIsolation: node.minimumIsolation, antiAffinity: [] };
          const places: CandidatePlace[] = [
            ...[...topology.hosts.keys()].map((key) => ({ kind: "host" as const, key })),
            ...[...topology.virtualMachines.keys()].map((key) => ({ kind: "virtualMachine" as const, key })),
            ...[...topology.datacenters.keys()].map((key) => ({ kind: "datacenter" as const, key })),
          ];
          const replica = (place: CandidatePlace): ReplicaKind => (place.kind === "virtualMachine" ? { kind: "container", runtime: s.runtime, privileged: s.privileged, nodeFiles: s.nodeFiles } : { kind: "virtualMachine" });
          for (const advice of placementAdvice(topology, policy, workload, places, { replica, redactOthers: s.redact })) {
            const expected = oneByOne(topology, policy, workload, advice.place, replica(advice.place));
            if (!s.redact) expect({ place: advice.place, outcome: advice.outcome, levels: levelsOf(advice.reasons), closest: advice.closest }).toEqual({ place: advice.place, ...expected });
            else expect({ place: advice.place, outcome: advice.outcome, closest: advice.closest }).toEqual({ place: advice.place, outcome: expected.outcome, closest: expected.closest });
            const words = reasonsOneByOne(topology, policy, workload, advice.place, replica(advice.place), s.redact);
            expect(advice.reasons).toEqual(words.refusals.length > 0 ? words.refusals : words.doubts);
            compared++;
          }
        },
      ),
      { numRuns: 80, seed: 20261202 },
    );
    expect(compared).toBeGreaterThan(1000);
  });
});
