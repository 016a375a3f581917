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

/*
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
  let weakest = [rank("PLANET"), rank("PLANET")];
  for (const a of mine) {
    for (const b of theirs) {
      const s = separation(topology, a, b);
      actual = Math.min(actual, rank(s.actual));
      possible = Math.min(possible, rank(s.possible));
      if (rank(s.actual) < weakest[0] || (rank(s.actual) === weakest[0] && rank(s.possible) < weakest[1])) weakest = [rank(s.actual), rank(s.possible)];
    }
  }
  const w = topology.workloads.get(workload)!;
  const rel = w.tenant === tenant ? "SAME_TENANT" : topology.tenants.get(w.tenant) && topology.tenants.get(w.tenant)?.organization === topology.tenants.get(tenant)?.organization ? "SAME_ORGANIZATION" : "OTHER_ORGANIZATION";
  const policyLevel = rel === "SAME_TENANT" ? policy.sameTenant : rel === "SAME_ORGANIZATION" ? policy.sameOrganization : policy.otherOrganization;
  const required = Math.max(rank(policyLevel), w.minimumIsolation ? rank(w.minimumIsolation) : 0);
  const outcome = actual >= required ? "ISOLATED" : possible < required ? "NOT_ISOLATED" : "UNPROVEN";
  return {
    actual: ISOLATION_LEVELS[actual],
    possible: ISOLATION_LEVELS[possible],
    outcome,
    pairCount: mine.length * theirs.length,
    weakest: weakest.map((r) => ISOLATION_LEVELS[r]),
    required: ISOLATION_LEVELS[required],
  };
}

type Row = { workload: string; tenant: string; outcome: string; required: string; actual: string; possible: string; weakest: string[] };

/** Every (workload, tenant) pair the naive verdict finds not ISOLATED; the service's verdict must agree with it. */
function bruteForce(topology: Topology, policy: Policy): Row[] {
  const rows: Row[] = [];
  const tenants = new Set([...topology.tenants.keys(), ...[...topology.virtualMachines.values(), ...topology.containers.values()].map((u) => u.tenant)]);
  for (const workload of [...topology.workloads.keys()].sort()) {
    for (const tenant of [...tenants].sort()) {
      const { pairCount, ...naive } = naiveVerdict(topology, workload, tenant, policy);
      const v = isolationVerdict(topology, workload, tenant, policy);
      expect({ actual: v.actual, possible: v.possible, outcome: v.outcome, pairCount: v.pairCount }).toEqual({ actual: naive.actual, possible: naive.possible, outcome: naive.outcome, pairCount });
      if (naive.outcome !== "ISOLATED") rows.push({ workload, tenant, ...naive });
    }
  }
  return rows;
}

/** The report's rows, with the levels of the weakest pair it names, worked out again from that pair alone. */
function reportRows(topology: Topology, policy: Policy): Row[] {
  const report = fleetReport(topology, policy);
  return Array.from({ length: report.count }, (_, row) => {
    const unit = report.unit(row);
    const other = report.other(row);
    // The pair is the workload's unit and one of the tenant's units that is not the workload's.
    expect(unit.workload).toBe(report.workload(row));
    expect(other.tenant).toBe(report.tenant(row));
    expect(other.workload).not.toBe(report.workload(row));
    const s = separation(topology, unit.ref, other.ref);
    return {
      workload: report.workload(row),
      tenant: report.tenant(row),
      outcome: report.outcome(row),
      required: report.required(row),
      actual: report.actual(row),
      possible: report.possible(row),
      weakest: [s.actual, s.possible],
    };
  });
}

const upToHost = fc.constantFrom(...ISOLATION_LEVELS.slice(0, 5));
const anyLevel = fc.constantFrom(...ISOLATION_LEVELS);
const seeds = fc.integer({ min: 1, max: 2 ** 31 - 1 });

describe("fleetReport", () => {
  it("equals the brute force over every workload and tenant, under the default policy", () => {
    fc.assert(
      fc.property(seeds, fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), (seed, known, dedication, placementGroups, unlistedTenants, platform, contradictions) => {
        const topology = buildTopology(randomInventory(seed, { known, dedication, placementGroups, unlistedTenants, platform, contradictions }));
        expect(reportRows(topology, DEFAULT_POLICY)).toEqual(bruteForce(topology, DEFAULT_POLICY));
      }),
      { numRuns: 400 },
    );
  });

  it("equals the brute force under any policy, with requirements up to PLANET, dangling places, dedicated hardware (contradicted by the data, too) and placement groups", () => {
    fc.assert(
      fc.property(seeds, upToHost, upToHost, anyLevel, fc.boolean(), fc.boolean(), fc.boolean(), (seed, sameTenant, sameOrganization, otherOrganization, known, platform, contradictions) => {
        const topology = buildTopology(randomInventory(seed, { known, dedication: true, placementGroups: true, platform, contradictions }));
        const policy: Policy = { version: 1, sameTenant, sameOrganization, otherOrganization };
        expect(reportRows(topology, policy)).toEqual(bruteForce(topology, policy));
      }),
      { numRuns: 400 },
    );
  });

  it("visits apart a workload's units that differ only in whose VM they run in, against dedicated hardware on a hidden host", () => {
    // t3's container cv runs in t1's dedicated VM vr: x (in t1's VM va) may share its machine,
    // y (in t2's own VM vb) may not. x and y stand alike in every other way; y comes first.
    const topology = buildTopology({
      datacenters: [{ id: "az1" }],
      tenants: [{ id: "t1" }, { id: "t2" }, { id: "t3" }],
      workloads: [{ id: "w", tenant: "t2", minimumIsolation: "HOST" }],
      virtualMachines: [
        { id: "va", datacenter: "az1", tenant: "t1" },
        { id: "vb", datacenter: "az1", tenant: "t2" },
        { id: "vr", datacenter: "az1", tenant: "t1", dedicated: true },
      ],
      containers: [
        { id: "a-y", virtualMachine: "vb", tenant: "t2", workload: "w" },
        { id: "b-x", virtualMachine: "va", tenant: "t2", workload: "w" },
        { id: "cv", virtualMachine: "vr", tenant: "t3" },
      ],
    });
    const rows = reportRows(topology, DEFAULT_POLICY);
    expect(rows).toEqual(bruteForce(topology, DEFAULT_POLICY));
    expect(rows.find((r) => r.tenant === "t3")).toMatchObject({ workload: "w", outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE", possible: "RACK" });
  });

  it("equals the brute force on a platform's dedicated nodes, where a workload's units run both in its nodes and elsewhere", () => {
    fc.assert(
      fc.property(seeds, upToHost, anyLevel, fc.boolean(), fc.boolean(), (seed, sameOrganization, otherOrganization, dedication, contradictions) => {
        const topology = buildTopology(randomInventory(seed, { known: false, dedication, placementGroups: true, platform: true, hosts: 3, units: 30, contradictions }));
        const policy: Policy = { version: 1, sameTenant: "CONTAINER", sameOrganization, otherOrganization };
        expect(reportRows(topology, policy)).toEqual(bruteForce(topology, policy));
      }),
      { numRuns: 150 },
    );
  });

  it("equals the brute force when every relationship requires the same level, at every level", () => {
    for (const level of ISOLATION_LEVELS) {
      fc.assert(
        fc.property(seeds, fc.boolean(), fc.boolean(), fc.boolean(), (seed, known, platform, contradictions) => {
          const topology = buildTopology(randomInventory(seed, { known, dedication: true, placementGroups: true, platform, contradictions }));
          const policy: Policy = { version: 1, sameTenant: level, sameOrganization: level, otherOrganization: level };
          expect(reportRows(topology, policy)).toEqual(bruteForce(topology, policy));
        }),
        { numRuns: 60 },
      );
    }
  });
});
