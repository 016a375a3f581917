import { describe, expect, it } from "vitest";
import { antiAffinityViolations, auditWorkload } from "../../src/domain/anti-affinity.ts";
import { buildTopology, type TopologyInput } from "../../src/domain/build-topology.ts";
import { explainVerdict } from "../../src/domain/explain-verdict.ts";
import { failureImpact, survives } from "../../src/domain/failure-impact.ts";
import { DEFAULT_POLICY } from "../../src/domain/policy.ts";
import { isolationVerdict } from "../../src/domain/verdict.ts";

/*
 * A host in one of two datacenters (docs/separation.md): h-7 names fra1, its rack r-7 is in
 * ams1. Beyond the pairwise rules (separation.test.ts, the properties), everything that reads a
 * host's place reads it as not known: anti-affinity, failure what-ifs and the explanation.
 */
const input: TopologyInput = {
  datacenters: [
    { id: "ams1", region: "eu-west", hazardZones: ["seismic:nl"] },
    { id: "fra1", region: "eu-central", hazardZones: ["flood:rhine"] },
  ],
  racks: [
    { id: "r-7", datacenter: "ams1", powerDomains: ["pdu-7"], networkDomains: ["tor-7"] },
    { id: "r-8", datacenter: "ams1", powerDomains: ["pdu-8"], networkDomains: ["tor-8"] },
    { id: "r-9", datacenter: "fra1", powerDomains: ["pdu-9"], networkDomains: ["tor-9"] },
  ],
  hosts: [
    { id: "h-7", rack: "r-7", datacenter: "fra1" },
    { id: "h-8", rack: "r-8" },
    { id: "h-9", rack: "r-9" },
  ],
  tenants: [
    { id: "shop", organization: "shop" },
    { id: "rival", organization: "rival" },
  ],
  workloads: [
    { id: "checkout", tenant: "shop", minimumIsolation: "DATACENTER", antiAffinity: [{ level: "DATACENTER", maxPerDomain: 1, mode: "HARD" }], minHealthyReplicas: 1 },
    { id: "spread", tenant: "shop", antiAffinity: [{ level: "HOST", maxSkew: 1, mode: "HARD" }] },
  ],
  virtualMachines: [
    { id: "v-7", host: "h-7", tenant: "shop", workload: "checkout" },
    { id: "v-9", host: "h-9", tenant: "shop", workload: "checkout" },
    { id: "s-8a", host: "h-8", tenant: "shop", workload: "spread" },
    { id: "s-8b", host: "h-8", tenant: "shop", workload: "spread" },
    { id: "i-0fra1", datacenter: "fra1", tenant: "rival" },
  ],
};
const topology = buildTopology(input);

describe("a host in one of two datacenters", () => {
  it("has no datacenter a spread can count on: its replica is unverifiable, not apart from the replica in fra1", () => {
    const [audit] = auditWorkload(topology, "checkout");
    expect(audit.unverifiable).toEqual([{ replica: { kind: "virtualMachine", key: "v-7" }, reason: "its datacenter is not known" }]);
    expect(survives(topology, "checkout", "DATACENTER")).toMatchObject({ survives: false, unverifiable: [{ kind: "virtualMachine", key: "v-7" }] });
  });

  it("is an eligible host of either datacenter for a max skew: empty, it counts as the emptiest", () => {
    // spread's replicas are both on h-8 (ams1): h-7 may be in ams1, so the skew is 2.
    expect(antiAffinityViolations(topology, "spread").map((v) => v.message)).toEqual(["host h-8 holds 2 replicas of spread, 2 more than the emptiest eligible host; max skew 1"]);
  });

  it("is at risk from its rack's failure and from either datacenter's, lost to none of them", () => {
    for (const [level, domain] of [
      ["RACK", "r-7"],
      ["DATACENTER", "ams1"],
      ["DATACENTER", "fra1"],
    ] as const) {
      const impact = workloadImpactOf(level, domain);
      expect(impact?.lost.map((r) => r.key) ?? [], `${level} ${domain}`).not.toContain("v-7");
    }
    expect(workloadImpactOf("DATACENTER", "fra1")).toMatchObject({ lost: [{ key: "v-9" }], atRisk: [{ key: "v-7" }] });
    expect(workloadImpactOf("HOST", "h-7")).toMatchObject({ lost: [{ key: "v-7" }] });
  });

  it("says so in the explanation, unless the caller may not see the other side", () => {
    // checkout's replica on h-7 alone: its weakest pair is with the rival's hidden VM in fra1.
    const alone = buildTopology({ ...input, virtualMachines: input.virtualMachines!.filter((v) => v.id !== "v-9") });
    const verdict = isolationVerdict(alone, "checkout", "rival", DEFAULT_POLICY);
    expect(verdict).toMatchObject({ outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE", possible: "PLANET" });
    const note = "Host h-7 names datacenter fra1, but its rack r-7 is in datacenter ams1: which one it is in is not known.";
    expect(explainVerdict(verdict, new Date(), { topology: alone })).toContain(note);
    expect(explainVerdict(verdict, new Date(), { topology: alone, redactOtherSide: true })).not.toContain("h-7");
  });
});

function workloadImpactOf(level: "RACK" | "DATACENTER" | "HOST", domain: string) {
  return failureImpact(topology, level, domain).workloads.find((w) => w.workload === "checkout");
}
