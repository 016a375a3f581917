import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { auditRule, auditWorkload, replicasOf } from "../../src/domain/anti-affinity.ts";
import { buildTopology, type TopologyInput } from "../../src/domain/build-topology.ts";
import { failureImpact, survives } from "../../src/domain/failure-impact.ts";
import { rank, type AntiAffinityLevel } from "../../src/domain/scale.ts";
import { chainOf, separation } from "../../src/domain/separation.ts";
import type { UnitRef } from "../../src/domain/topology.ts";
import { randomInventory } from "../support/random-inventory.ts";

/*
 * Placement groups (docs/separation.md, "Placement groups"): a provider keeps the slots of one
 * group apart (an AWS spread group's racks, an Azure set's fault domains), and promises nothing
 * between a slot and anything outside its group. So a slot proves separation from its group's
 * other slots only; against the rest it may be the very same machine.
 */
const vm = (key: string): UnitRef => ({ kind: "virtualMachine", key });
const slot = (id: string, group: string) => [
  { id, datacenter: "euw1-az1", powerDomains: [`${id}/power`], networkDomains: [`${id}/network`] },
  { id, rack: id, placementGroup: group },
];
const slots = [slot("g1/s1", "g1"), slot("g1/s2", "g1"), slot("g1/s3", "g1"), slot("g2/s1", "g2")];
const input: TopologyInput = {
  datacenters: [{ id: "euw1-az1", region: "eu-west-1" }],
  racks: [...slots.map(([rack]) => rack), { id: "r-real", datacenter: "euw1-az1", powerDomains: ["pdu-1"], networkDomains: [] }],
  hosts: [...slots.map(([, host]) => host), { id: "h-real", rack: "r-real" }, { id: "h-ded", datacenter: "euw1-az1", dedicatedTo: "initech" }],
  tenants: ["acme", "globex", "initech"].map((id) => ({ id, organization: id })),
  workloads: [
    { id: "web", tenant: "acme", antiAffinity: [{ level: "RACK", maxPerDomain: 1, mode: "HARD" }] },
    { id: "api", tenant: "globex", antiAffinity: [{ level: "RACK", maxPerDomain: 1, mode: "HARD" }] },
    { id: "db", tenant: "globex" },
  ],
  virtualMachines: [
    { id: "web-1", host: "g1/s1", tenant: "acme", workload: "web" },
    { id: "web-2", host: "g1/s2", tenant: "acme", workload: "web" },
    { id: "api-1", host: "g2/s1", tenant: "globex", workload: "api" },
    { id: "api-2", host: "g1/s3", tenant: "globex", workload: "api" },
    { id: "db-1", host: "h-real", tenant: "globex", workload: "db" },
    { id: "db-2", host: "g1/s3", tenant: "globex", workload: "db" },
    { id: "ledger-1", host: "h-ded", tenant: "initech" },
  ],
};
const topology = buildTopology(input);

describe("a placement group's slots", () => {
  it("are apart from the group's other slots, as the provider promises", () => {
    expect(separation(topology, vm("web-1"), vm("web-2"))).toMatchObject({ actual: "RACK", possible: "RACK" });
  });

  it("may be the very machine of another group's slot, of a host of its own, or of a hidden host", () => {
    for (const other of ["api-1", "db-1"]) {
      expect(separation(topology, vm("web-1"), vm(other))).toEqual({ actual: "VIRTUAL_MACHINE", possible: "RACK", shared: { kind: "POSSIBLE_HOST", datacenter: "euw1-az1" } });
    }
  });

  it("still yield to dedicated hardware: a host reserved for another tenant is not a slot's machine", () => {
    expect(separation(topology, vm("web-1"), vm("ledger-1"))).toMatchObject({ actual: "HOST", possible: "RACK" });
  });

  it("count as distinct domains for anti-affinity only when every replica is in one group", () => {
    const [web] = auditWorkload(topology, "web");
    expect(web.violations).toEqual([]);
    expect(web.unverifiable).toEqual([]);
    const [api] = auditWorkload(topology, "api");
    expect(api.violations).toEqual([]);
    expect(api.unverifiable.map((u) => u.replica.key).sort()).toEqual(["api-1", "api-2"]);
    expect(api.unverifiable[0].reason).toMatch(/known apart only from the other slots of placement group g\d/);
  });

  it("make a failure what-if of one slot spare the group's other slots, and put everything outside the group at risk", () => {
    const lost = failureImpact(topology, "RACK", "g1/s1");
    expect(lost.workloads.map((w) => [w.workload, w.lost.map((u) => u.key), w.remaining])).toEqual([["web", ["web-1"], 1]]);
    expect(survives(topology, "web", "RACK").survives).toBe(true);
    // db-2 sits in a slot of g1, which may be the rack that fails: at risk, not remaining.
    const real = failureImpact(topology, "RACK", "r-real");
    expect(real.workloads.map((w) => [w.workload, w.lost.map((u) => u.key), w.atRisk.map((u) => u.key), w.remaining])).toEqual([["db", ["db-1"], ["db-2"], 0]]);
    expect(survives(topology, "db", "RACK")).toMatchObject({ survives: false, unverifiable: [vm("db-2")] });
  });
});

const seeds = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const pairs = (units: UnitRef[]) => units.flatMap((a, i) => units.slice(i + 1).map((b) => [a, b] as const));
const unitsOf = (t: ReturnType<typeof buildTopology>): UnitRef[] => [
  ...[...t.virtualMachines.keys()].map((key) => ({ kind: "virtualMachine" as const, key })),
  ...[...t.containers.keys()].map((key) => ({ kind: "container" as const, key })),
];

describe("placement groups, on random inventories", () => {
  it("never prove two units of different groups (or a group and none) apart beyond VIRTUAL_MACHINE, unless dedicated hardware rules out a shared host", () => {
    fc.assert(
      fc.property(seeds, fc.boolean(), (seed, dedication) => {
        const t = buildTopology(randomInventory(seed, { known: false, dedication, placementGroups: true }));
        for (const [a, b] of pairs(unitsOf(t))) {
          const [ca, cb] = [chainOf(t, a), chainOf(t, b)];
          if (!ca.host || !cb.host || ca.placementGroup === cb.placementGroup) continue;
          if (ca.ids.some((id) => cb.ids.includes(id))) continue; // they share a unit: rule 2 decides
          if (ca.datacenter && cb.datacenter && ca.datacenter !== cb.datacenter) continue; // two datacenters: rule 3
          const limit = dedication ? "HOST" : "VIRTUAL_MACHINE";
          expect(rank(separation(t, a, b).actual), `${a.key} (${ca.placementGroup}) and ${b.key} (${cb.placementGroup})`).toBeLessThanOrEqual(rank(limit));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("never let anti-affinity count replicas of two groups in two domains at a level a host decides", () => {
    const levels: AntiAffinityLevel[] = ["HOST", "RACK", "POWER_DOMAIN", "NETWORK_DOMAIN"];
    fc.assert(
      fc.property(seeds, fc.constantFrom(...levels), (seed, level) => {
        const t = buildTopology(randomInventory(seed, { known: false, dedication: false, placementGroups: true }));
        for (const workload of t.workloads.keys()) {
          const audit = auditRule(t, workload, { level, maxPerDomain: 1, mode: "HARD" }, replicasOf(t, workload));
          const counted = [...audit.domains.values()].flat();
          const groups = new Set(counted.map((unit) => chainOf(t, unit).placementGroup));
          expect(groups.size, `${workload} at ${level}`).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 200 },
    );
  });
});
