import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildTopology } from "../../src/domain/build-topology.ts";
import { fleetReport } from "../../src/domain/fleet-report.ts";
import { DEFAULT_POLICY, type Policy } from "../../src/domain/policy.ts";
import { ISOLATION_LEVELS } from "../../src/domain/scale.ts";
import { isolationVerdict } from "../../src/domain/verdict.ts";
import { randomInventory } from "../support/random-inventory.ts";

/** The co-location scan must list exactly the pairs the exact verdict finds not ISOLATED. */
function bruteForce(topology: ReturnType<typeof buildTopology>, policy: Policy) {
  const rows: { workload: string; tenant: string; outcome: string }[] = [];
  for (const workload of [...topology.workloads.keys()].sort()) {
    for (const tenant of [...topology.tenants.keys()].sort()) {
      const v = isolationVerdict(topology, workload, tenant, policy);
      if (v.outcome !== "ISOLATED") rows.push({ workload, tenant, outcome: v.outcome });
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
