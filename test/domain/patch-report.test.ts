import { describe, expect, it } from "vitest";
import { buildTopology } from "../../src/domain/build-topology.ts";
import { antiAffinityViolations, replicasOf } from "../../src/domain/anti-affinity.ts";
import { fleetReport, type FleetReport } from "../../src/domain/fleet-report.ts";
import { patchedReportSteps, patchStats, type PatchStats } from "../../src/domain/patch-report.ts";
import { DEFAULT_POLICY, type Policy } from "../../src/domain/policy.ts";
import { ANTI_AFFINITY_LEVELS } from "../../src/domain/scale.ts";
import { reportFindingsSteps } from "../../src/domain/report-findings.ts";
import { forgetPredecessor } from "../../src/domain/separation.ts";
import { carryOf, sharedPlaces } from "../../src/domain/shared-places.ts";
import type { Topology } from "../../src/domain/topology.ts";
import { randomInventory, rng } from "../support/random-inventory.ts";
import { canonicalPlaces } from "../support/shared-places-canonical.ts";
import { mutationKit } from "../support/mutation-kit.ts";
import { patchedTopology, rowsOf, type Fleet } from "../support/patched-fleet.ts";

/*
 * The report patched from the one kept for the topology before (src/domain/patch-report.ts)
 * must be the full scan's, row for row, weakest pair included, and give the same findings and
 * digests: random fleets through random changes of every kind a sync makes (units added,
 * removed, moved, given another tenant or workload; hosts moved between racks, dedicated,
 * made placement-group slots; racks' domains and datacenters; datacenters' zones and regions;
 * tenants' organizations; workloads' minimums and tenants; another tenant's unit put on a
 * reserved machine, voiding its dedication), each report patched from the last patched one,
 * over the topology patched from the last one as the service patches it (its chains taken over
 * where nothing on them changed). Carrying over a row that changed, or a chain, would report
 * what the data no longer proves. The report's index is carried from the one before too
 * (src/domain/patch-shared-places.ts): it must equal one built anew but for its numbering, and
 * so must the replicas carried with it, and the violations read from them.
 */

const LEVELS = [null, "CONTAINER", "VIRTUAL_MACHINE", "HOST", "RACK", "DATACENTER", "HAZARD_ZONE", "PLANET"];
const POLICIES: Policy[] = [
  DEFAULT_POLICY,
  { version: 1, sameTenant: "PROCESS", sameOrganization: "HOST", otherOrganization: "RACK" },
  { version: 2, sameTenant: "CONTAINER", sameOrganization: "DATACENTER", otherOrganization: "HAZARD_ZONE" },
];

function mutator(fleet: Fleet, r: () => number) {
  const { pick, chance, ids, tenant, workload, placeVm, placeContainer, remove, unit, newKey, intrude } = mutationKit(fleet, r);
  const mutations = [
    () => fleet.virtualMachines.push(placeVm({ id: newKey("v-new"), tenant: tenant(), workload: workload(), dedicated: chance(0.2) })),
    () => fleet.containers.push(placeContainer({ id: newKey("c-new"), tenant: tenant(), workload: workload(), runtime: pick(["runc", "gvisor", "kata"]) })),
    intrude,
    () => remove("virtualMachines"),
    () => remove("containers"),
    () => placeVm(pick(fleet.virtualMachines)),
    () => placeContainer(pick(fleet.containers)),
    () => Object.assign(unit(), { tenant: tenant(), workload: workload() }),
    () => Object.assign(pick(fleet.containers), { runtime: pick(["runc", "crun", "gvisor", "kata"]) }),
    () => Object.assign(pick(fleet.virtualMachines), { dedicated: chance(0.5) }),
    () => {
      const host = pick(fleet.hosts);
      delete host.datacenter;
      host.rack = chance(0.85) ? pick(ids("racks")) : "r-dangling";
      if (host.rack === "r-dangling" && chance(0.5)) host.datacenter = pick(ids("datacenters"));
    },
    () => Object.assign(pick(fleet.hosts), { dedicatedTo: chance(0.5) ? tenant() : null, placementGroup: chance(0.3) ? pick(["g1", "g2"]) : null }),
    () => fleet.hosts.push({ id: newKey("h-new"), rack: pick(ids("racks")) }),
    () => Object.assign(pick(fleet.racks), { powerDomains: ["p1", "p2", "p3"].filter(() => chance(0.4)), networkDomains: ["n1", "n2"].filter(() => chance(0.4)) }),
    () => Object.assign(pick(fleet.racks), { datacenter: pick(ids("datacenters")) }),
    () => Object.assign(pick(fleet.datacenters), { hazardZones: ["z1", "z2", "z3"].filter(() => chance(0.3)), region: pick(["ra", "rb", null]) }),
    () => Object.assign(pick(fleet.tenants), { organization: pick(["o1", "o2", "o3"]) }),
    () => fleet.tenants.push({ id: newKey("t-new"), organization: pick(["o1", "o2", "o3"]) }),
    () => Object.assign(pick(fleet.workloads), { minimumIsolation: pick(LEVELS) }),
    () => Object.assign(pick(fleet.workloads), { tenant: pick(ids("tenants")) }),
    () => fleet.workloads.push({ id: newKey("w-new"), tenant: pick(ids("tenants")), minimumIsolation: pick(LEVELS) }),
    () => Object.assign(pick(fleet.containers), { privileged: chance(0.5) }),
    () => Object.assign(pick(fleet.containers), { nodeFiles: chance(0.5) }),
  ];
  // Unit changes most often, as in a sync; the rest now and then.
  return () => (chance(0.4) ? pick(mutations.slice(0, 13)) : pick(mutations))();
}

function patched(before: FleetReport, topology: Topology, policy: Policy, stats: PatchStats): FleetReport {
  // Never scanning all because most workloads changed: the small fleets here would rarely patch.
  const steps = patchedReportSteps(before, topology, policy, stats, 1);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** Each report's digests by workload, as its findings were worked out: a workload's taken over from the report before is the very map. */
const digestsOf = new WeakMap<FleetReport, Map<string, Map<string, number>>>();

function findingsOf(report: FleetReport) {
  const steps = reportFindingsSteps(report, []);
  let step = steps.next();
  while (!step.done) step = steps.next();
  const found = step.value;
  digestsOf.set(report, found.digests.pairs);
  const facts = found.factsSteps(found.digests.keys());
  let fact = facts.next();
  while (!fact.done) fact = facts.next();
  return { digests: [...found.digests.pairs].map(([w, tenants]) => [w, [...tenants]]), facts: [...fact.value] };
}

describe("the fleet report patched from the one before", () => {
  it("is the full scan's, row for row, with the same findings and digests, through random changes", () => {
    const tally = { patched: 0, patchedAcross: 0, full: new Map<string, number>(), rescanned: 0, carried: 0, carriedIndexes: 0, violations: 0, carriedDigests: 0 };
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(seed * 7919);
      const fleet = randomInventory(seed, { known: false, dedication: true, placementGroups: true, platform: true, hosts: 8, units: 40 }) as unknown as Fleet;
      // More workloads than the four of randomInventory, so that a change leaves some alone.
      for (let w = 0; w < 8; w++) fleet.workloads.push({ id: `w-more${w}`, tenant: `t${1 + (w % 3)}`, minimumIsolation: LEVELS[Math.floor(r() * LEVELS.length)] });
      // Anti-affinity rules on some, so that the violations compared below are not all empty.
      for (const w of fleet.workloads) if (r() < 0.5) w.antiAffinity = [r() < 0.5 ? { level: pick(r, ANTI_AFFINITY_LEVELS), maxPerDomain: 1, mode: "HARD" } : { level: pick(r, ANTI_AFFINITY_LEVELS), maxSkew: 1, mode: "SOFT" }];
      for (const unit of [...fleet.virtualMachines, ...fleet.containers]) if (unit.workload && r() < 0.7) unit.workload = fleet.workloads[Math.floor(r() * fleet.workloads.length)].id;
      const mutate = mutator(fleet, r);
      const policy = POLICIES[seed % POLICIES.length];
      let topology = buildTopology(structuredClone(fleet));
      let report = fleetReport(topology, policy);
      for (let round = 0; round < 12; round++) {
        const was = structuredClone(fleet);
        for (let i = 0, n = r() < 0.6 ? 1 : 2 + Math.floor(r() * 2); i < n; i++) mutate();
        // Now and then two syncs land while one findings update runs: the topology between them
        // gets no report and no warm-up, and the next is patched from the report before it, its
        // index carried across (the changes of both patches together).
        const across = r() < 0.2;
        if (across) {
          const middle = patchedTopology(topology, was, fleet);
          const between = structuredClone(fleet);
          mutate();
          topology = patchedTopology(middle, between, fleet);
        } else topology = patchedTopology(topology, was, fleet);
        const stats = patchStats();
        const next = patched(report, topology, policy, stats);
        // Every chain is made (the warm-up): what was taken over is let go, as the index does.
        forgetPredecessor(topology);
        const fresh = buildTopology(structuredClone(fleet));
        const full = fleetReport(fresh, policy);
        const label = `seed ${seed} round ${round} (${stats.full ?? `${stats.rescanned} scanned again, ${stats.carried} carried`})`;
        expect(rowsOf(next), label).toEqual(rowsOf(full));
        expect(findingsOf(next), label).toEqual(findingsOf(full));
        for (const [workload, digests] of digestsOf.get(next)!) if (digestsOf.get(report)?.get(workload) === digests) tally.carriedDigests++;
        expect(canonicalPlaces(sharedPlaces(topology)), label).toEqual(canonicalPlaces(sharedPlaces(fresh)));
        // The replicas, carried where the index kept every unit of a workload (anti-affinity.ts), and the violations read from them.
        const replicas = (t: Topology) => fleet.workloads.map((w) => [w.id, replicasOf(t, w.id)]);
        expect(replicas(topology), label).toEqual(replicas(fresh));
        const violations = antiAffinityViolations(topology);
        expect(violations, label).toEqual(antiAffinityViolations(fresh));
        tally.violations += violations.length;
        if (carryOf(sharedPlaces(topology))) tally.carriedIndexes++;
        if (stats.full) tally.full.set(stats.full, (tally.full.get(stats.full) ?? 0) + 1);
        else tally.patched++;
        if (across && !stats.full) tally.patchedAcross++;
        tally.rescanned += stats.rescanned;
        tally.carried += stats.carried;
        report = next;
      }
    }
    // Most changes were patched, carrying rows over: else this proved nothing about the patch.
    expect(tally.patched).toBeGreaterThan(1000);
    expect(tally.carried).toBeGreaterThan(tally.rescanned);
    expect(tally.full.get("a carried row's unit is gone")).toBeUndefined();
    // Every round's index was carried from the round before's, not built anew.
    expect(tally.carriedIndexes).toBe(150 * 12);
    // Some reports were patched across a topology no report or warm-up saw.
    expect(tally.patchedAcross).toBeGreaterThan(150);
    expect(tally.violations).toBeGreaterThan(100);
    // Workloads' digests were taken over from the report before, not all worked out again.
    expect(tally.carriedDigests).toBeGreaterThan(1000);
  });
});
