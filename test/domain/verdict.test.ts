import { describe, expect, it } from "vitest";
import { buildTopology, type TopologyInput } from "../../src/domain/build-topology.ts";
import { explainVerdict } from "../../src/domain/explain-verdict.ts";
import { DEFAULT_POLICY, type Policy } from "../../src/domain/policy.ts";
import { isolationVerdict, outcomeOf } from "../../src/domain/verdict.ts";

const input: TopologyInput = {
  datacenters: [
    { id: "ams1", hazardZones: ["seismic:nl"], source: "dcim" },
    { id: "az1", region: "eu-west-1", source: "aws" },
  ],
  racks: [
    { id: "r1", datacenter: "ams1", powerDomains: ["pdu-1"], networkDomains: ["tor-1"], source: "dcim" },
    { id: "r2", datacenter: "ams1", powerDomains: ["pdu-2"], networkDomains: ["tor-2"], source: "dcim" },
  ],
  hosts: [
    { id: "h1", rack: "r1", source: "dcim" },
    { id: "h2", rack: "r2", source: "dcim" },
  ],
  tenants: [
    { id: "biology", organization: "university", source: "dcim" },
    { id: "geology", organization: "university", source: "dcim" },
    { id: "globex", organization: "globex", source: "aws" },
  ],
  workloads: [
    { id: "genome", tenant: "biology", source: "dcim" },
    { id: "strict", tenant: "biology", minimumIsolation: "RACK", source: "dcim" },
    { id: "empty", tenant: "biology", source: "dcim" },
    { id: "cloud", tenant: "biology", source: "dcim" },
  ],
  virtualMachines: [
    { id: "vm-bio", host: "h1", tenant: "biology", workload: "genome", source: "dcim" },
    { id: "vm-geo", host: "h1", tenant: "geology", source: "dcim" },
    { id: "vm-geo2", host: "h2", tenant: "geology", source: "dcim" },
    { id: "vm-strict", host: "h2", tenant: "biology", workload: "strict", source: "dcim" },
    { id: "i-bio", datacenter: "az1", tenant: "biology", workload: "cloud", source: "aws" },
    { id: "i-glx", datacenter: "az1", tenant: "globex", source: "aws" },
  ],
  containers: [
    { id: "c-bio", virtualMachine: "vm-bio", tenant: "biology", workload: "genome", source: "k8s" },
    { id: "c-geo", virtualMachine: "vm-bio", tenant: "geology", source: "k8s" },
    { id: "c-dangling-tenant", virtualMachine: "vm-geo2", tenant: "stranger", source: "k8s" },
  ],
};
const topology = buildTopology(input);
const freshness = new Map([
  ["dcim", new Date("2026-11-28T10:42:00Z")],
  ["aws", new Date("2026-11-28T09:15:00Z")],
  ["k8s", new Date("2026-11-28T11:00:00Z")],
]);
const now = new Date("2026-11-28T12:00:00Z");

describe("isolationVerdict", () => {
  it("decides the outcome from required, actual and possible", () => {
    expect(outcomeOf("VIRTUAL_MACHINE", "HOST", "HOST")).toBe("ISOLATED");
    expect(outcomeOf("VIRTUAL_MACHINE", "VIRTUAL_MACHINE", "RACK")).toBe("ISOLATED");
    expect(outcomeOf("HOST", "VIRTUAL_MACHINE", "RACK")).toBe("UNPROVEN");
    expect(outcomeOf("HOST", "VIRTUAL_MACHINE", "VIRTUAL_MACHINE")).toBe("NOT_ISOLATED");
  });

  it("is NOT_ISOLATED when another tenant's container runs in the workload's VM, and explains it", () => {
    const v = isolationVerdict(topology, "genome", "geology", DEFAULT_POLICY, freshness);
    expect(v).toMatchObject({ relationship: "SAME_ORGANIZATION", required: "CONTAINER", actual: "PROCESS", possible: "PROCESS", outcome: "NOT_ISOLATED", pairCount: 6 });
    expect(v.weakest).toEqual(v.evidence(1)[0]);
    expect(v.evidence(1)[0]).toMatchObject({ unit: { kind: "virtualMachine", key: "vm-bio" }, other: { kind: "container", key: "c-geo" }, actual: "PROCESS" });
    // The oldest source among the objects used: dcim (10:42), k8s (11:00); aws was not used.
    expect(v.inventoryAsOf).toEqual(new Date("2026-11-28T10:42:00Z"));
    expect(explainVerdict(v, now)).toBe(
      "NOT ISOLATED: genome (biology) needs CONTAINER separation from tenant geology, but geology's container c-geo runs inside VM vm-bio (only a PROCESS boundary between them). Inventory as of 10:42 UTC.",
    );
  });

  it("lists the pairs weakest first", () => {
    const v = isolationVerdict(topology, "genome", "geology", DEFAULT_POLICY, freshness);
    const ranks = v.evidence(100).map((p) => p.actual);
    expect(ranks).toEqual(["PROCESS", "CONTAINER", "VIRTUAL_MACHINE", "VIRTUAL_MACHINE", "RACK", "RACK"]);
  });

  it("takes the stronger of the policy's level and the workload's minimum", () => {
    const v = isolationVerdict(topology, "strict", "geology", DEFAULT_POLICY, freshness);
    expect(v).toMatchObject({ policyRequired: "CONTAINER", workloadMinimum: "RACK", required: "RACK", actual: "VIRTUAL_MACHINE", outcome: "NOT_ISOLATED" });
  });

  it("relates tenants: same tenant, same organization, other organization, unknown organization", () => {
    expect(isolationVerdict(topology, "genome", "biology", DEFAULT_POLICY).relationship).toBe("SAME_TENANT");
    expect(isolationVerdict(topology, "genome", "geology", DEFAULT_POLICY).relationship).toBe("SAME_ORGANIZATION");
    expect(isolationVerdict(topology, "genome", "globex", DEFAULT_POLICY).relationship).toBe("OTHER_ORGANIZATION");
    // "stranger" is named by a unit but was never synced: its organization is unknown.
    const v = isolationVerdict(topology, "genome", "stranger", DEFAULT_POLICY);
    expect(v).toMatchObject({ relationship: "OTHER_ORGANIZATION", required: "VIRTUAL_MACHINE" });
  });

  it("never pairs the workload's units with each other: its replicas and sidecars are one trust domain", () => {
    // genome's units are vm-bio and c-bio (inside vm-bio); biology's other units are vm-strict and i-bio.
    const v = isolationVerdict(topology, "genome", "biology", DEFAULT_POLICY);
    expect(
      v
        .evidence(1000)
        .map((p) => `${p.unit.key}/${p.other.key}`)
        .sort(),
    ).toEqual(["c-bio/i-bio", "c-bio/vm-strict", "vm-bio/i-bio", "vm-bio/vm-strict"]);
    expect(v.pairCount).toBe(4);
    expect(v).toMatchObject({ actual: "RACK", outcome: "ISOLATED" }); // h1 and h2 in racks r1 and r2
  });

  it("says so when the tenant's only units are the workload's own", () => {
    const solo = buildTopology({
      tenants: [{ id: "solo", organization: "o", source: "dcim" }],
      workloads: [{ id: "api", tenant: "solo", minimumIsolation: "HOST", source: "dcim" }],
      virtualMachines: [{ id: "vm-api", datacenter: "dc", tenant: "solo", workload: "api", source: "dcim" }],
      containers: [{ id: "sidecar", virtualMachine: "vm-api", tenant: "solo", workload: "api", source: "dcim" }],
    });
    const v = isolationVerdict(solo, "api", "solo", DEFAULT_POLICY, freshness);
    expect(v).toMatchObject({ outcome: "ISOLATED", actual: "PLANET", pairCount: 0, ownUnitsOfTenant: 2 });
    expect(explainVerdict(v, now)).toBe("ISOLATED: api (solo) needs HOST separation from tenant solo, and tenant solo's only units are api's own, so nothing of theirs meets. Inventory as of 10:42 UTC.");
  });

  it("still pairs the workload with another workload of its own tenant in the same VM", () => {
    const strictOwn = buildTopology({
      ...input,
      workloads: [...input.workloads!, { id: "sidecar-owner", tenant: "biology", minimumIsolation: "HOST", source: "dcim" }],
      containers: [...input.containers!, { id: "c-own-sidecar", virtualMachine: "vm-strict", tenant: "biology", workload: "strict", source: "k8s" }],
    });
    // strict (minimum RACK) with its own sidecar in its own VM: no pair between them.
    expect(
      isolationVerdict(strictOwn, "strict", "biology", DEFAULT_POLICY)
        .evidence(100)
        .some((p) => p.other.key === "c-own-sidecar"),
    ).toBe(false);
    // A container of biology with no workload in vm-strict: PROCESS, below strict's RACK.
    const crowded = buildTopology({ ...input, containers: [...input.containers!, { id: "c-stray", virtualMachine: "vm-strict", tenant: "biology", source: "k8s" }] });
    const v = isolationVerdict(crowded, "strict", "biology", DEFAULT_POLICY);
    expect(v).toMatchObject({ actual: "PROCESS", outcome: "NOT_ISOLATED" });
    expect(v.weakest).toMatchObject({ unit: { key: "vm-strict" }, other: { key: "c-stray" } });
  });

  it("is ISOLATED at PLANET with no pairs, and says why", () => {
    const v = isolationVerdict(topology, "empty", "geology", DEFAULT_POLICY, freshness);
    expect(v).toMatchObject({ pairCount: 0, actual: "PLANET", possible: "PLANET", outcome: "ISOLATED" });
    expect(explainVerdict(v, now)).toBe("ISOLATED: empty (biology) needs CONTAINER separation from tenant geology, and empty has no units, so nothing of theirs meets. Inventory as of 10:42 UTC.");
  });

  it("is UNPROVEN when hidden hosts may be shared, and the policy can require that", () => {
    const policy: Policy = { version: 3, sameTenant: "PROCESS", sameOrganization: "CONTAINER", otherOrganization: "HOST" };
    const v = isolationVerdict(topology, "cloud", "globex", policy, freshness);
    expect(v).toMatchObject({ policyVersion: 3, required: "HOST", actual: "VIRTUAL_MACHINE", possible: "RACK", outcome: "UNPROVEN" });
    expect(explainVerdict(v, now)).toBe(
      "UNPROVEN: cloud (biology) needs HOST separation from tenant globex; only VIRTUAL_MACHINE is proven, RACK is possible: VM i-bio and globex's VM i-glx may share a host in datacenter az1, where the hosts are not known. Inventory as of 09:15 UTC.",
    );
  });

  it("names the day when the inventory is older than today", () => {
    const v = isolationVerdict(topology, "cloud", "globex", DEFAULT_POLICY, freshness);
    expect(explainVerdict(v, new Date("2026-11-30T08:00:00Z"))).toMatch(/Inventory as of 2026-11-28 09:15 UTC\.$/);
    expect(explainVerdict(v, now)).toMatch(/^ISOLATED: cloud \(biology\) needs VIRTUAL_MACHINE separation from tenant globex and has at least VIRTUAL_MACHINE; the closest pair: VM i-bio and globex's VM i-glx may share a host/);
  });
});
