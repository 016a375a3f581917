import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { antiAffinityViolations, auditWorkload } from "../../src/domain/anti-affinity.ts";
import { buildTopology, type TopologyInput } from "../../src/domain/build-topology.ts";
import { placementAdvice, type AdviceWorkload, type PlacementOutcome } from "../../src/domain/placement-advice.ts";
import type { CandidatePlace, ReplicaKind } from "../../src/domain/placement-overlay.ts";
import { DEFAULT_POLICY, type Policy } from "../../src/domain/policy.ts";
import { ANTI_AFFINITY_LEVELS, type IsolationLevel } from "../../src/domain/scale.ts";
import type { AntiAffinityRule, Topology } from "../../src/domain/topology.ts";
import { isolationVerdict, outcomeOf, type Outcome } from "../../src/domain/verdict.ts";
import { randomInventory } from "../support/random-inventory.ts";

/*
 * Placement advice agrees with what happens next. On random fleets, for every candidate place,
 * the replica is added to the inventory records and the topology rebuilt by the code the
 * sync's load uses (buildTopology), then asked the ordinary questions: every verdict of the
 * workload against every tenant, every other workload's verdict against the workload's
 * tenant (the pairs that hold the new unit), and the anti-affinity audit. A PROVEN place gives
 * only ISOLATED pairs and no new HARD violation; a REFUSED place really breaks one of them; a
 * POSSIBLE place breaks none but leaves one unproven.
 */
const NEW = "new-replica-1";
const STRICT: Policy = { version: 1, sameTenant: "CONTAINER", sameOrganization: "HOST", otherOrganization: "RACK" };

const ruleArb: fc.Arbitrary<AntiAffinityRule> = fc
  .record({
    level: fc.constantFrom(...ANTI_AFFINITY_LEVELS),
    bound: fc.constantFrom("maxPerDomain", "minDomains", "maxSkew", "none"),
    n: fc.integer({ min: 1, max: 3 }),
    mode: fc.constantFrom("HARD" as const, "SOFT" as const),
  })
  .map(({ level, bound, n, mode }) => (bound === "none" ? { level, mode } : { level, mode, [bound]: n }));

const scenario = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  known: fc.boolean(),
  dedication: fc.boolean(),
  /** t1's dedicated nodes (VMs and hosts) running other tenants' containers. */
  platform: fc.boolean(),
  /** Reserved machines that also hold another tenant's unit: their dedication is void (and a replica placed on one voids it too). */
  contradictions: fc.boolean(),
  /** Each host's placement group (hosts h0…h4), known fleets too: a slot is apart only from its own group's slots. */
  groups: fc.array(fc.constantFrom(null, null, "g1", "g2"), { minLength: 5, maxLength: 5 }),
  strict: fc.boolean(),
  workload: fc.constantFrom("w1", "w2", "w3", "w4", "described"),
  rules: fc.array(ruleArb, { maxLength: 2 }),
  minimum: fc.constantFrom<(IsolationLevel | null)[]>(null, "CONTAINER", "VIRTUAL_MACHINE", "HOST", "RACK"),
  /** On a host: a VM (the default) or a container with this runtime; in a VM: a container with this runtime. */
  onHost: fc.constantFrom("vm", "runc", "gvisor", "kata"),
  inVm: fc.constantFrom("runc", "gvisor", "kata"),
  privileged: fc.boolean(),
  nodeFiles: fc.boolean(),
});

type Replica = { onHost: string; inVm: string; privileged: boolean; nodeFiles: boolean };
const replicaKind = (place: CandidatePlace, r: Replica): ReplicaKind =>
  place.kind === "virtualMachine"
    ? { kind: "container", runtime: r.inVm, privileged: r.privileged, nodeFiles: r.nodeFiles }
    : place.kind === "host" && r.onHost !== "vm"
      ? { kind: "container", runtime: r.onHost, privileged: r.privileged, nodeFiles: r.nodeFiles }
      : { kind: "virtualMachine" };

/** The inventory with the workload's rules (and the described workload's record) in it. */
function withWorkload(input: TopologyInput, s: { workload: string; rules: AntiAffinityRule[]; minimum: IsolationLevel | null }): { input: TopologyInput; workload: AdviceWorkload } {
  if (s.workload === "described") {
    const record = { id: "described", tenant: "t2", minimumIsolation: s.minimum, antiAffinity: s.rules };
    return { input: { ...input, workloads: [...(input.workloads ?? []), record] }, workload: { key: "described", tenant: "t2", minimumIsolation: s.minimum, antiAffinity: s.rules } };
  }
  const workloads = (input.workloads ?? []).map((w) => (w.id === s.workload ? { ...w, antiAffinity: s.rules } : w));
  const w = workloads.find((x) => x.id === s.workload)!;
  return { input: { ...input, workloads }, workload: { key: w.id!, tenant: w.tenant!, minimumIsolation: w.minimumIsolation ?? null, antiAffinity: s.rules } };
}

/** The inventory with hosts made slots of placement groups (as the AWS and Azure connectors record them). */
function inGroups(input: TopologyInput, groups: (string | null)[]): TopologyInput {
  const hosts = (input.hosts ?? []).map((h, i) => (groups[i] ? { ...h, placementGroup: groups[i] } : h));
  return { ...input, hosts };
}

/** The replica as the inventory would record it. */
function replicaRecord(place: CandidatePlace, workload: AdviceWorkload, kind: ReplicaKind): Record<string, unknown> {
  const common = { id: NEW, tenant: workload.tenant, workload: workload.key };
  if (kind.kind === "container") return { ...common, [place.kind === "host" ? "host" : "virtualMachine"]: place.key, runtime: kind.runtime, privileged: kind.privileged, nodeFiles: kind.nodeFiles, kind: "container" };
  if (place.kind === "host") return { ...common, host: place.key, kind: "vm" };
  return { ...common, datacenter: place.key, kind: "vm" };
}

function withReplica(input: TopologyInput, record: Record<string, unknown>): Topology {
  const { kind, ...unit } = record;
  return kind === "container" ? buildTopology({ ...input, containers: [...(input.containers ?? []), unit] }) : buildTopology({ ...input, virtualMachines: [...(input.virtualMachines ?? []), unit] });
}

/** What a caller bound to the workload's tenant may not learn: other tenants, their workloads and units, hosts, racks, datacenters. */
function secrets(t: Topology, workload: AdviceWorkload): string[] {
  const units = [...t.virtualMachines.values(), ...t.containers.values()].filter((u) => u.tenant !== workload.tenant).map((u) => u.key);
  const tenants = [...new Set([...t.tenants.keys(), ...[...t.virtualMachines.values(), ...t.containers.values()].map((u) => u.tenant)])].filter((x) => x !== workload.tenant);
  const workloads = [...t.workloads.values()].filter((w) => w.tenant !== workload.tenant).map((w) => w.key);
  return [...units, ...tenants, ...workloads, ...t.hosts.keys(), ...t.racks.keys(), ...t.datacenters.keys()];
}

const worse = (a: Outcome, b: Outcome): Outcome => (a === "NOT_ISOLATED" || b === "NOT_ISOLATED" ? "NOT_ISOLATED" : a === "UNPROVEN" || b === "UNPROVEN" ? "UNPROVEN" : "ISOLATED");

/** The worst outcome of any verdict pair that holds the new unit, in both directions. */
function pairsWithReplica(after: Topology, workload: AdviceWorkload, policy: Policy): Outcome {
  let worst: Outcome = "ISOLATED";
  const tenants = new Set([...after.tenants.keys(), ...[...after.virtualMachines.values(), ...after.containers.values()].map((u) => u.tenant)]);
  for (const tenant of tenants) {
    const v = isolationVerdict(after, workload.key, tenant, policy);
    for (const pair of v.evidence(v.pairCount)) if (pair.unit.key === NEW) worst = worse(worst, outcomeOf(v.required, pair.actual, pair.possible));
  }
  for (const other of after.workloads.values()) {
    if (other.key === workload.key) continue;
    const v = isolationVerdict(after, other.key, workload.tenant, policy);
    for (const pair of v.evidence(v.pairCount)) if (pair.other.key === NEW) worst = worse(worst, outcomeOf(v.required, pair.actual, pair.possible));
  }
  return worst;
}

/** HARD violations of the workload after that were not there before (or grew); MIN_DOMAINS asks for more replicas, which one never worsens. */
function newHardViolations(before: Topology, after: Topology, workload: string): string[] {
  const was = antiAffinityViolations(before, workload);
  return antiAffinityViolations(after, workload)
    .filter((v) => v.mode === "HARD" && v.kind !== "MIN_DOMAINS")
    .filter((v) => !was.some((w) => JSON.stringify(w.rule) === JSON.stringify(v.rule) && w.kind === v.kind && w.domain === v.domain && w.excess >= v.excess))
    .map((v) => v.message);
}

/** Some replica (the new one or one already there: a placement group's slot met by a slot of another group) cannot be checked under a HARD rule. */
const hardUnverifiable = (after: Topology, workload: string) => auditWorkload(after, workload).some((audit) => audit.rule.mode === "HARD" && audit.unverifiable.length > 0);

describe("placement advice on random fleets", () => {
  it("a place is PROVEN, POSSIBLE or REFUSED exactly as the verdicts and the audit come out once the replica is there", () => {
    const checked = { PROVEN: 0, POSSIBLE: 0, REFUSED: 0 } as Record<PlacementOutcome, number>;
    fc.assert(
      fc.property(scenario, (s) => {
        const { input, workload } = withWorkload(inGroups(randomInventory(s.seed, { known: s.known, dedication: s.dedication, platform: s.platform, contradictions: s.contradictions }), s.groups), s);
        const before = buildTopology(input);
        const policy = s.strict ? STRICT : DEFAULT_POLICY;
        const places: CandidatePlace[] = [
          ...[...before.hosts.keys()].map((key) => ({ kind: "host" as const, key })),
          ...[...before.virtualMachines.keys()].map((key) => ({ kind: "virtualMachine" as const, key })),
          ...[...before.datacenters.keys()].map((key) => ({ kind: "datacenter" as const, key })),
        ];
        const replica = (place: CandidatePlace) => replicaKind(place, s);
        const advised = placementAdvice(before, policy, workload, places, { replica });
        // A caller bound to the tenant gets the same outcomes, and reasons that name nothing of other tenants.
        const redacted = placementAdvice(before, policy, workload, places, { replica, redactOthers: true });
        const outcomes = (list: typeof advised) => list.map((a) => `${a.place.kind}:${a.place.key} ${a.outcome}`).sort();
        expect(outcomes(redacted)).toEqual(outcomes(advised));
        for (const a of redacted) {
          const foreign = a.reasons.filter((r) => r.includes("another tenant"));
          expect(foreign.length).toBeLessThanOrEqual(1);
          for (const reason of foreign) for (const secret of secrets(before, workload)) expect(reason).not.toMatch(new RegExp(`\\b${secret}\\b`));
        }
        for (const advice of advised) {
          const after = withReplica(input, replicaRecord(advice.place, workload, replica(advice.place)));
          const isolation = pairsWithReplica(after, workload, policy);
          const broken = newHardViolations(before, after, workload.key);
          const expected: PlacementOutcome = isolation === "NOT_ISOLATED" || broken.length > 0 ? "REFUSED" : isolation === "UNPROVEN" || hardUnverifiable(after, workload.key) ? "POSSIBLE" : "PROVEN";
          expect({ place: advice.place, outcome: advice.outcome, reasons: advice.reasons }).toEqual({ place: advice.place, outcome: expected, reasons: advice.reasons });
          expect(advice.reasons.length > 0).toBe(advice.outcome !== "PROVEN");
          checked[advice.outcome]++;
        }
      }),
      { numRuns: 300, seed: 20261130 },
    );
    // The fleets are varied enough that every outcome was met many times.
    for (const outcome of ["PROVEN", "POSSIBLE", "REFUSED"] as const) expect(checked[outcome]).toBeGreaterThan(20);
  });
});
