import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { antiAffinityViolations, auditWorkload, replicasOf } from "../../src/domain/anti-affinity.ts";
import { domainExists, failureImpact, survives } from "../../src/domain/failure-impact.ts";
import type { Topology } from "../../src/domain/topology.ts";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import { loadTopology } from "../../src/isolation/load-topology.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * The contract's "Anti-affinity" rules, each level and each bound, on an inventory synced into
 * real PostgreSQL and read back as the service reads it.
 */
const snapshot = {
  source: "dcim",
  complete: true,
  datacenters: [
    { id: "ams1", region: "eu-west", hazardZones: ["seismic:nl", "weather:north-sea"] },
    { id: "ams2", region: "eu-west", hazardZones: ["weather:north-sea"] },
    { id: "az1", region: "us-east-1" },
    { id: "az2", region: "us-east-1" },
    { id: "moon1", planet: "moon", hazardZones: ["meteorite"] },
    // fra-n lists no hazard zones: they are unknown, so it may be in fra-z's flood:main.
    { id: "fra-z", region: "eu-central", hazardZones: ["flood:main"] },
    { id: "fra-n", region: "eu-central" },
    { id: "bare-dc" },
  ],
  racks: [
    { id: "r1", datacenter: "ams1", powerDomains: ["pdu-a"], networkDomains: ["tor-1"] },
    { id: "r2", datacenter: "ams1", powerDomains: ["pdu-a", "pdu-b"], networkDomains: ["tor-2"] },
    { id: "r3", datacenter: "ams1", powerDomains: ["pdu-b"], networkDomains: ["tor-2"] },
    { id: "r4", datacenter: "ams2", powerDomains: ["pdu-x"], networkDomains: ["tor-x"] },
    { id: "r-empty", datacenter: "ams1", powerDomains: ["pdu-c"], networkDomains: ["tor-3"] },
    { id: "r-moon", datacenter: "moon1" },
  ],
  hosts: [
    { id: "h1", rack: "r1" },
    { id: "h1b", rack: "r1" },
    { id: "h2", rack: "r2" },
    { id: "h3", rack: "r3" },
    { id: "h4", rack: "r4" },
    { id: "h-moon", rack: "r-moon" },
    { id: "h-empty-rack", rack: "r-empty" },
    { id: "h-norack", datacenter: "ams1" },
    { id: "h-ghost-rack", rack: "r-unsynced" },
    { id: "h-ghost-dc", datacenter: "dc-unsynced" },
  ],
  tenants: [
    { id: "t", organization: "o" },
    { id: "u", organization: "o" },
  ],
  workloads: [
    // HOST, default maxPerDomain 1: two replicas on h1.
    { id: "w-host", tenant: "t", antiAffinity: [{ level: "HOST" }] },
    // HOST: replicas on hosts that only their names tell of (no source describes them), and on h2.
    { id: "w-named", tenant: "t", antiAffinity: [{ level: "HOST" }] },
    // RACK with maxPerDomain 2: three replicas in r1.
    { id: "w-rack", tenant: "t", antiAffinity: [{ level: "RACK", maxPerDomain: 2 }] },
    // POWER_DOMAIN: r2 has two PDUs, so a replica there counts in both.
    { id: "w-power", tenant: "t", antiAffinity: [{ level: "POWER_DOMAIN" }] },
    { id: "w-network", tenant: "t", antiAffinity: [{ level: "NETWORK_DOMAIN", mode: "SOFT" }] },
    { id: "w-dc", tenant: "t", antiAffinity: [{ level: "DATACENTER", minDomains: 2 }] },
    // HAZARD_ZONE: ams1 and ams2 share weather:north-sea; az1 lists none, so its region counts.
    { id: "w-zone", tenant: "t", antiAffinity: [{ level: "HAZARD_ZONE" }] },
    { id: "w-region", tenant: "t", antiAffinity: [{ level: "HAZARD_ZONE", minDomains: 2 }] },
    {
      id: "w-planet",
      tenant: "t",
      antiAffinity: [
        { level: "PLANET", minDomains: 2 },
        { level: "PLANET", maxPerDomain: 5 },
      ],
    },
    // maxSkew: racks r1 (2 replicas), r2 (1), r3 (0), r-empty (0) in ams1: skew 2 over 0.
    { id: "w-skew", tenant: "t", antiAffinity: [{ level: "RACK", maxSkew: 1 }] },
    // maxSkew with minDomains above the 4 eligible racks of ams1: the minimum is taken as 0.
    { id: "w-skew-min", tenant: "t", antiAffinity: [{ level: "RACK", maxSkew: 1, minDomains: 10 }] },
    {
      id: "w-unknown",
      tenant: "t",
      antiAffinity: [
        { level: "RACK", minDomains: 3 },
        { level: "HAZARD_ZONE", minDomains: 1 },
      ],
    },
    { id: "w-nested", tenant: "t", minHealthyReplicas: 2, antiAffinity: [{ level: "HOST" }] },
    { id: "w-unlisted", tenant: "t", antiAffinity: [{ level: "HAZARD_ZONE" }] },
    { id: "w-bare", tenant: "t", antiAffinity: [{ level: "HAZARD_ZONE" }] },
  ],
  virtualMachines: [
    { id: "host-1", host: "h1", tenant: "t", workload: "w-host" },
    { id: "host-2", host: "h1", tenant: "t", workload: "w-host" },
    { id: "host-3", host: "h2", tenant: "t", workload: "w-host" },
    { id: "rack-1", host: "h1", tenant: "t", workload: "w-rack" },
    { id: "rack-2", host: "h1b", tenant: "t", workload: "w-rack" },
    { id: "rack-3", host: "h1b", tenant: "t", workload: "w-rack" },
    { id: "rack-4", host: "h2", tenant: "t", workload: "w-rack" },
    { id: "power-1", host: "h1", tenant: "t", workload: "w-power" },
    { id: "power-2", host: "h2", tenant: "t", workload: "w-power" },
    { id: "power-3", host: "h3", tenant: "t", workload: "w-power" },
    { id: "net-1", host: "h2", tenant: "t", workload: "w-network" },
    { id: "net-2", host: "h3", tenant: "t", workload: "w-network" },
    { id: "dc-1", host: "h1", tenant: "t", workload: "w-dc" },
    { id: "dc-2", host: "h3", tenant: "t", workload: "w-dc" },
    { id: "zone-1", host: "h1", tenant: "t", workload: "w-zone" },
    { id: "zone-2", host: "h4", tenant: "t", workload: "w-zone" },
    { id: "region-1", datacenter: "az1", tenant: "t", workload: "w-region" },
    { id: "region-2", datacenter: "az2", tenant: "t", workload: "w-region" },
    { id: "planet-1", host: "h1", tenant: "t", workload: "w-planet" },
    { id: "planet-2", host: "h4", tenant: "t", workload: "w-planet" },
    { id: "skew-1", host: "h1", tenant: "t", workload: "w-skew" },
    { id: "skew-2", host: "h1b", tenant: "t", workload: "w-skew" },
    { id: "skew-3", host: "h2", tenant: "t", workload: "w-skew" },
    { id: "skewmin-1", host: "h1", tenant: "t", workload: "w-skew-min" },
    { id: "skewmin-2", host: "h1b", tenant: "t", workload: "w-skew-min" },
    { id: "skewmin-3", host: "h2", tenant: "t", workload: "w-skew-min" },
    { id: "skewmin-4", host: "h3", tenant: "t", workload: "w-skew-min" },
    { id: "skewmin-5", host: "h-empty-rack", tenant: "t", workload: "w-skew-min" },
    { id: "unknown-hidden", datacenter: "az1", tenant: "t", workload: "w-unknown" },
    { id: "named-a1", host: "h-named-a", tenant: "t", workload: "w-named" },
    { id: "named-a2", host: "h-named-a", tenant: "t", workload: "w-named" },
    { id: "named-b", host: "h-named-b", tenant: "t", workload: "w-named" },
    { id: "named-synced", host: "h2", tenant: "t", workload: "w-named" },
    { id: "unknown-norack", host: "h-norack", tenant: "t", workload: "w-unknown" },
    { id: "unknown-ghost-rack", host: "h-ghost-rack", tenant: "t", workload: "w-unknown" },
    { id: "unknown-ghost-dc", host: "h-ghost-dc", tenant: "t", workload: "w-unknown" },
    { id: "nested-vm", host: "h3", tenant: "t", workload: "w-nested" },
    { id: "nested-vm-2", host: "h3", tenant: "t", workload: "w-nested" },
    { id: "unlisted-z", datacenter: "fra-z", tenant: "t", workload: "w-unlisted" },
    { id: "unlisted-n", datacenter: "fra-n", tenant: "t", workload: "w-unlisted" },
    { id: "bare-1", host: "h1", tenant: "t", workload: "w-bare" },
    { id: "bare-2", datacenter: "bare-dc", tenant: "t", workload: "w-bare" },
    // Another tenant's unit naming t's workload: no replica of it.
    { id: "foreign-vm", host: "h3", tenant: "u", workload: "w-nested" },
  ],
  containers: [
    // Inside a replica of the same workload: not a replica itself.
    { id: "nested-pod", virtualMachine: "nested-vm", tenant: "t", workload: "w-nested" },
    { id: "other-tenant-pod", virtualMachine: "power-1", tenant: "u" },
  ],
};

let t: TestDatabase;
let topology: Topology;
beforeAll(async () => {
  t = await createTestDatabase();
  const result = await syncInventory(t.db.sql, snapshot);
  expect(result.errors).toEqual([]);
  topology = (await loadTopology(t.db.sql)).topology;
});
afterAll(async () => t.drop());

const brief = (workload: string) => auditWorkload(topology, workload).flatMap((audit) => audit.violations.map((v) => ({ kind: v.kind, domain: v.domain, replicas: v.replicas.map((r) => r.key), excess: v.excess, mode: v.mode })));

describe("anti-affinity, each level", () => {
  it("HOST: maxPerDomain defaults to 1", () => {
    expect(brief("w-host")).toEqual([{ kind: "MAX_PER_DOMAIN", domain: "h1", replicas: ["host-1", "host-2"], excess: 1, mode: "HARD" }]);
    expect(antiAffinityViolations(topology, "w-host")[0].message).toBe("2 replicas of w-host share host h1; at most 1 allowed");
  });

  it("RACK: maxPerDomain 2", () => {
    expect(brief("w-rack")).toEqual([{ kind: "MAX_PER_DOMAIN", domain: "r1", replicas: ["rack-1", "rack-2", "rack-3"], excess: 1, mode: "HARD" }]);
  });

  it("POWER_DOMAIN: a rack with two PDUs counts in both", () => {
    expect(brief("w-power")).toEqual([
      { kind: "MAX_PER_DOMAIN", domain: "pdu-a", replicas: ["power-1", "power-2"], excess: 1, mode: "HARD" },
      { kind: "MAX_PER_DOMAIN", domain: "pdu-b", replicas: ["power-2", "power-3"], excess: 1, mode: "HARD" },
    ]);
  });

  it("NETWORK_DOMAIN, and SOFT rules report the same, marked soft", () => {
    expect(brief("w-network")).toEqual([{ kind: "MAX_PER_DOMAIN", domain: "tor-2", replicas: ["net-1", "net-2"], excess: 1, mode: "SOFT" }]);
  });

  it("DATACENTER: minDomains", () => {
    expect(brief("w-dc")).toEqual([{ kind: "MIN_DOMAINS", domain: null, replicas: ["dc-1", "dc-2"], excess: 1, mode: "HARD" }]);
    expect(antiAffinityViolations(topology, "w-dc")[0].message).toBe("the replicas of w-dc span 1 datacenter; at least 2 required");
  });

  it("HAZARD_ZONE: a shared zone is one domain", () => {
    expect(brief("w-zone")).toEqual([{ kind: "MAX_PER_DOMAIN", domain: "weather:north-sea", replicas: ["zone-1", "zone-2"], excess: 1, mode: "HARD" }]);
  });

  it("HAZARD_ZONE: a datacenter without hazard zones counts by its region", () => {
    expect(brief("w-region")).toEqual([{ kind: "MIN_DOMAINS", domain: null, replicas: ["region-1", "region-2"], excess: 1, mode: "HARD" }]);
  });

  it("PLANET: minDomains broken, maxPerDomain kept", () => {
    expect(brief("w-planet")).toEqual([{ kind: "MIN_DOMAINS", domain: null, replicas: ["planet-1", "planet-2"], excess: 1, mode: "HARD" }]);
  });

  it("maxSkew: against the emptiest eligible domain, an empty rack counting as 0", () => {
    expect(brief("w-skew")).toEqual([{ kind: "MAX_SKEW", domain: "r1", replicas: ["skew-1", "skew-2"], excess: 1, mode: "HARD" }]);
    expect(antiAffinityViolations(topology, "w-skew")[0].message).toBe("rack r1 holds 2 replicas of w-skew, 2 more than the emptiest eligible rack; max skew 1");
  });
});

describe("maxSkew, Kubernetes' meaning", () => {
  it("takes the global minimum as 0 when fewer domains are eligible than minDomains", () => {
    // Every eligible rack holds a replica (minimum 1, skew of r1 = 1) but minDomains 10 > 4 racks.
    expect(brief("w-skew-min")).toEqual([
      { kind: "MIN_DOMAINS", domain: null, replicas: ["skewmin-1", "skewmin-2", "skewmin-3", "skewmin-4", "skewmin-5"], excess: 6, mode: "HARD" },
      { kind: "MAX_SKEW", domain: "r1", replicas: ["skewmin-1", "skewmin-2"], excess: 1, mode: "HARD" },
    ]);
  });
});

describe("anti-affinity, unknown placement and replicas", () => {
  it("lists replicas it cannot verify, with the reason, and counts dangling ids as domains", () => {
    const [rack, zone] = auditWorkload(topology, "w-unknown");
    expect(rack.unverifiable.map((u) => [u.replica.key, u.reason])).toEqual([
      ["unknown-ghost-dc", "the rack of host h-ghost-dc is not known"],
      ["unknown-hidden", "its host is hidden or not known"],
      ["unknown-norack", "the rack of host h-norack is not known"],
    ]);
    // r-unsynced is a rack nobody synced, still a domain at its own level: 1 of 3 domains.
    expect([...rack.domains.keys()]).toEqual(["r-unsynced"]);
    expect(rack.violations.map((v) => [v.kind, v.excess])).toEqual([["MIN_DOMAINS", 2]]);
    expect(zone.unverifiable.map((u) => [u.replica.key, u.reason])).toEqual([
      ["unknown-ghost-dc", "datacenter dc-unsynced has not been synced, so its hazard zone is not known"],
      ["unknown-ghost-rack", "its datacenter is not known"],
    ]);
  });

  it("counts replicas on one dangling host as on one host, and does not count two dangling hosts, or a dangling and a synced one, as two", () => {
    const [host] = auditWorkload(topology, "w-named");
    // Only one of them is synced: h-named-b may be the very machine h-named-a or h2 is.
    const why = (h: string) => `its host ${h} has not been synced, so it may be the very host of another replica`;
    expect(host.unverifiable.map((u) => [u.replica.key, u.reason])).toEqual([
      ["named-a1", why("h-named-a")],
      ["named-a2", why("h-named-a")],
      ["named-b", why("h-named-b")],
    ]);
    expect([...host.domains.keys()]).toEqual(["h2"]);
    // Alone, the replicas naming h-named-a share it.
    const alone = auditWorkload({ ...topology, virtualMachines: new Map([...topology.virtualMachines].filter(([k]) => k !== "named-b" && k !== "named-synced")) }, "w-named")[0];
    expect(alone.violations.map((v) => [v.kind, v.domain, v.replicas.map((r) => r.key)])).toEqual([["MAX_PER_DOMAIN", "h-named-a", ["named-a1", "named-a2"]]]);
  });

  it("has no MIN_DOMAINS violation without a verifiable replica", () => {
    const rule = { level: "RACK" as const, minDomains: 2, mode: "HARD" as const };
    const audit = auditWorkload({ ...topology, workloads: new Map([["w-region", { ...topology.workloads.get("w-region")!, antiAffinity: [rule] }]]) }, "w-region")[0];
    expect(audit.unverifiable).toHaveLength(2);
    expect(audit.violations).toEqual([]);
  });

  it("takes as replicas only the units not inside another unit of the same workload, and only of its tenant", () => {
    expect(replicasOf(topology, "w-nested").map((r) => r.key)).toEqual(["nested-vm", "nested-vm-2"]);
    expect(brief("w-nested")).toEqual([{ kind: "MAX_PER_DOMAIN", domain: "h3", replicas: ["nested-vm", "nested-vm-2"], excess: 1, mode: "HARD" }]);
  });
});

describe("failure what-ifs", () => {
  it("a PDU failure takes single-fed racks down, leaves dual-fed ones degraded, and names the tenants", () => {
    const impact = failureImpact(topology, "POWER_DOMAIN", "pdu-a");
    const power = impact.workloads.find((w) => w.workload === "w-power")!;
    expect(power.lost.map((r) => r.key)).toEqual(["power-1"]);
    expect(power.degraded.map((r) => r.key)).toEqual(["power-2"]);
    expect(power).toMatchObject({ replicaCount: 3, remaining: 2, losesAll: false });
    // u's pod inside power-1 goes down with it.
    expect(impact.tenants).toEqual(["t", "u"]);
  });

  it("a host failure: losing all replicas, falling below quorum, and replicas at risk", () => {
    const h3 = failureImpact(topology, "HOST", "h3");
    expect(h3.workloads.find((w) => w.workload === "w-nested")).toMatchObject({ replicaCount: 2, losesAll: true, quorum: 2, belowQuorum: true, remaining: 0 });
    const host = failureImpact(topology, "HOST", "h-norack").workloads.find((w) => w.workload === "w-unknown")!;
    // Every other replica's host is known (or, hidden, known to be in az1): none at risk.
    expect([host.lost.map((r) => r.key), host.atRisk]).toEqual([["unknown-norack"], []]);
    const datacenter = failureImpact(topology, "DATACENTER", "ams1").workloads.find((w) => w.workload === "w-unknown")!;
    // The host in an unsynced rack may be in ams1; the one naming dc-unsynced is known elsewhere.
    expect(datacenter.lost.map((r) => r.key)).toEqual(["unknown-norack"]);
    expect(datacenter.atRisk.map((r) => r.key)).toEqual(["unknown-ghost-rack"]);
    expect(datacenter.remaining).toBe(2);
  });

  it("a host failure puts at risk the replicas on hosts no source describes, which may be that machine, and a dangling host's failure every replica on another host", () => {
    const synced = failureImpact(topology, "HOST", "h2").workloads.find((w) => w.workload === "w-named")!;
    expect([synced.lost.map((r) => r.key), synced.atRisk.map((r) => r.key)]).toEqual([["named-synced"], ["named-a1", "named-a2", "named-b"]]);
    const dangling = failureImpact(topology, "HOST", "h-named-a").workloads.find((w) => w.workload === "w-named")!;
    expect([dangling.lost.map((r) => r.key), dangling.atRisk.map((r) => r.key)]).toEqual([
      ["named-a1", "named-a2"],
      ["named-b", "named-synced"],
    ]);
  });

  it("a hazard zone takes down every datacenter in it", () => {
    const impact = failureImpact(topology, "HAZARD_ZONE", "weather:north-sea");
    expect(impact.workloads.find((w) => w.workload === "w-zone")).toMatchObject({ losesAll: true });
  });

  it("a hazard zone may strike a datacenter of its region that lists none: at risk, never surviving", () => {
    const flood = failureImpact(topology, "HAZARD_ZONE", "flood:main").workloads.find((w) => w.workload === "w-unlisted")!;
    expect([flood.lost.map((r) => r.key), flood.atRisk.map((r) => r.key), flood.remaining]).toEqual([["unlisted-z"], ["unlisted-n"], 0]);
    // fra-n's region stands for its unknown zones, which may be fra-z's.
    const region = failureImpact(topology, "HAZARD_ZONE", "eu-central").workloads.find((w) => w.workload === "w-unlisted")!;
    expect([region.lost.map((r) => r.key), region.atRisk.map((r) => r.key), region.remaining]).toEqual([["unlisted-n"], ["unlisted-z"], 0]);
    expect(survives(topology, "w-unlisted", "HAZARD_ZONE")).toMatchObject({
      survives: false,
      singlePointsOfFailure: [
        { domain: "eu-central", remaining: 0 },
        { domain: "flood:main", remaining: 0 },
      ],
    });
    // A datacenter that lists none in another known region is out of reach.
    const north = failureImpact(topology, "HAZARD_ZONE", "weather:north-sea").workloads.find((w) => w.workload === "w-bare")!;
    expect([north.lost.map((r) => r.key), north.atRisk.map((r) => r.key)]).toEqual([["bare-1"], ["bare-2"]]);
    expect(failureImpact(topology, "HAZARD_ZONE", "flood:main").workloads.map((w) => w.workload)).toEqual(["w-unlisted"]);
  });

  it("a replica in a datacenter listing no hazard zone is unverifiable beside one whose zones it may share: the rule is not proven to hold", () => {
    // fra-n's region stands for its zones only against another known region; fra-z is in the same one.
    const [zone] = auditWorkload(topology, "w-unlisted");
    expect(zone.violations).toEqual([]);
    expect(zone.unverifiable.map((u) => [u.replica.key, u.reason])).toEqual([["unlisted-n", "datacenter fra-n lists no hazard zone, and may be in those of datacenter fra-z"]]);
  });

  it("a replica in a datacenter with no hazard zones and no region is unverifiable at HAZARD_ZONE", () => {
    const [zone] = auditWorkload(topology, "w-bare");
    expect(zone.unverifiable.map((u) => [u.replica.key, u.reason])).toEqual([["bare-2", "datacenter bare-dc lists no hazard zone and no region"]]);
    expect(survives(topology, "w-bare", "HAZARD_ZONE")).toMatchObject({ survives: false, unverifiable: [{ kind: "virtualMachine", key: "bare-2" }] });
  });

  it("knows which domains exist", () => {
    expect(domainExists(topology, "POWER_DOMAIN", "pdu-b")).toBe(true);
    expect(domainExists(topology, "HAZARD_ZONE", "us-east-1")).toBe(true);
    expect(domainExists(topology, "RACK", "r-unsynced")).toBe(true);
    expect(domainExists(topology, "DATACENTER", "nowhere")).toBe(false);
  });

  it("survives: the single points of failure for the quorum", () => {
    expect(survives(topology, "w-nested", "HOST")).toMatchObject({ survives: false, quorum: 2, singlePointsOfFailure: [{ domain: "h3", remaining: 0 }] });
    expect(survives(topology, "w-host", "HOST")).toMatchObject({ survives: true, quorum: 1, singlePointsOfFailure: [] });
    // A dual-fed rack does not fail with one PDU.
    expect(survives(topology, "w-power", "POWER_DOMAIN")).toMatchObject({ survives: true });
    // Unknown placement counts as lost in the worst case: 4 replicas, 3 unverifiable at RACK.
    expect(survives({ ...topology, workloads: new Map([["w-unknown", { ...topology.workloads.get("w-unknown")!, minHealthyReplicas: 2 }]]) }, "w-unknown", "RACK")).toMatchObject({
      survives: false,
      replicaCount: 4,
    });
  });
});
