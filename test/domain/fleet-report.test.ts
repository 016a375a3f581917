import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildTopology } from "../../src/domain/build-topology.ts";
import { fleetReport } from "../../src/domain/fleet-report.ts";
import { DEFAULT_POLICY, type Policy } from "../../src/domain/policy.ts";
import { ISOLATION_LEVELS, rank } from "../../src/domain/scale.ts";
import { separation } from "../../src/domain/separation.ts";
import type { Topology, UnitRef } from "../../src/domain/topology.ts";
import { isolationVerdict } from "../../src/domain/verdict.ts";
import { randomInventory } from "../support/random-inventory.ts";

/**
 * A deliberately naive verdict, written apart from src/domain/verdict.ts: every unit of the
 * workload against every unit of the tenant that is not one of the workload's own units,
 * straight from the topology's maps, one separation() at a time.
 */
function naiveVerdict(topology: Topology, workload: string, tenant: string, policy: Policy) {
  const all: (UnitRef & { tenant: string; workload: string | null })[] = [
    ...[...topology.virtualMachines.values()].map((v) => ({ kind: "virtualMachine" as const, key: v.key, tenant: v.tenant, workload: v.workload })),
    ...[...topology.containers.values()].map((c) => ({ kind: "container" as const, key: c.key, tenant: c.tenant, workload: c.workload })),
  ];
  const mine = all.filter((u) => u.workload === workload);
  const theirs = all.filter((u) => u.tenant === tenant && u.workload !== workload);
  let actual = rank("PLANET");
  let possible = rank("PLANET");
  for (const a of mine) {
    for (const b of theirs) {
      const s = separation(topology, a, b);
      actual = Math.min(actual, rank(s.actual));
      possible = Math.min(possible, rank(s.possible));
    }
  }
  const w = topology.workloads.get(workload)!;
  const rel = w.tenant === tenant ? "SAME_TENANT" : topology.tenants.get(w.tenant) && topology.tenants.get(w.tenant)?.organization === topology.tenants.get(tenant)?.organization ? "SAME_ORGANIZATION" : "OTHER_ORGANIZATION";
  const policyLevel = rel === "SAME_TENANT" ? policy.sameTenant : rel === "SAME_ORGANIZATION" ? policy.sameOrganization : policy.otherOrganization;
  const required = Math.max(rank(policyLevel), w.minimumIsolation ? rank(w.minimumIsolation) : 0);
  const outcome = actual >= required ? "ISOLATED" : possible < required ? "NOT_ISOLATED" : "UNPROVEN";
  return { actual: ISOLATION_LEVELS[actual], possible: ISOLATION_LEVELS[possible], outcome, pairCount: mine.length * theirs.length };
}

/** The co-location scan must list exactly the pairs the naive verdict finds not ISOLATED. */
function bruteForce(topology: Topology, policy: Policy) {
  const rows: { workload: string; tenant: string; outcome: string }[] = [];
  for (const workload of [...topology.workloads.keys()].sort()) {
    for (const tenant of [...topology.tenants.keys()].sort()) {
      const naive = naiveVerdict(topology, workload, tenant, policy);
      // The service's verdict agrees with the naive one.
      const v = isolationVerdict(topology, workload, tenant, policy);
      expect({ actual: v.actual, possible: v.possible, outcome: v.outcome, pairCount: v.pairCount }).toEqual(naive);
      if (naive.outcome !== "ISOLATED") rows.push({ workload, tenant, outcome: naive.outcome });
    }
  }
  return rows;
}

const upToHost = fc.constantFrom(...ISOLATION_LEVELS.slice(0, 5));

describe("fleetReport", () => {
  it("equals the brute force over every workload and tenant, under the default policy", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.boolean(), fc.boolean(), (seed, known, dedication) => {
        const topology = buildTopology(randomInventory(seed, { known, dedication }));
        expect(fleetReport(topology, DEFAULT_POLICY)).toEqual(bruteForce(topology, DEFAULT_POLICY));
      }),
      { numRuns: 400 },
    );
  });

  it("equals the brute force under any policy", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), upToHost, upToHost, fc.constantFrom(...ISOLATION_LEVELS), (seed, sameTenant, sameOrganization, otherOrganization) => {
        const topology = buildTopology(randomInventory(seed, { known: false, dedication: true }));
        const policy: Policy = { version: 1, sameTenant, sameOrganization, otherOrganization };
        expect(fleetReport(topology, policy)).toEqual(bruteForce(topology, policy));
      }),
      { numRuns: 300 },
    );
  });
});
