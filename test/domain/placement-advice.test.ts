import { describe, expect, it } from "vitest";
import { buildTopology } from "../../src/domain/build-topology.ts";
import { placementAdvice, type AdviceWorkload } from "../../src/domain/placement-advice.ts";
import { DEFAULT_POLICY } from "../../src/domain/policy.ts";

/*
 * Placement advice where units that look alike are not alike: in a cloud zone whose hosts are
 * hidden, hardware reserved for a tenant rules out a shared host only against other tenants,
 * so two units with the same walls in the same zone may stand at different levels from the
 * replica. The advice compares units by what separation reads of them (placement-advice.ts,
 * nearbyUnits); these cases pin the parts of that signature random fleets rarely reach.
 */
const zone = { id: "az1", region: "eu-west-1" };
const tenants = [
  { id: "acme", organization: "acme" },
  { id: "globex", organization: "globex" },
];
const vault: AdviceWorkload = { key: "vault", tenant: "acme", minimumIsolation: "HOST", antiAffinity: [] };

describe("placement advice in a zone with hidden hosts", () => {
  it("a dedicated VM and a shared one of the same tenant stand apart: only the shared one leaves a shared host possible", () => {
    const topology = buildTopology({
      datacenters: [zone],
      tenants,
      virtualMachines: [
        { id: "glx-1", datacenter: "az1", tenant: "globex", dedicated: true },
        { id: "glx-2", datacenter: "az1", tenant: "globex", dedicated: false },
      ],
    });
    const [advice] = placementAdvice(topology, DEFAULT_POLICY, vault, [{ kind: "datacenter", key: "az1" }]);
    expect(advice.outcome).toBe("POSSIBLE");
    expect(advice.reasons).toEqual([
      "UNPROVEN: vault (acme) needs HOST separation from tenant globex; only VIRTUAL_MACHINE is proven, RACK is possible: the new VM replica and globex's VM glx-2 may share a host in datacenter az1, where the hosts are not known.",
    ]);
  });

  it("the replica's own dedicated VM rules out other tenants, not its own tenant's other units", () => {
    const topology = buildTopology({
      datacenters: [zone],
      tenants,
      virtualMachines: [
        // vault's own VM, reserved for acme: the replica runs inside it (one trust domain, not a pair).
        { id: "acme-host-vm", datacenter: "az1", tenant: "acme", workload: "vault", dedicated: true },
        { id: "glx-1", datacenter: "az1", tenant: "globex" },
        { id: "acme-2", datacenter: "az1", tenant: "acme" },
      ],
    });
    const [advice] = placementAdvice(topology, DEFAULT_POLICY, vault, [{ kind: "virtualMachine", key: "acme-host-vm" }]);
    expect(advice.outcome).toBe("POSSIBLE");
    expect(advice.reasons).toEqual([
      "UNPROVEN: vault (acme) needs HOST separation from tenant acme; only VIRTUAL_MACHINE is proven, RACK is possible: the new container replica and acme's VM acme-2 may share a host in datacenter az1, where the hosts are not known.",
    ]);
  });

  it("units on other known hosts are judged by their host, units on the replica's own host one by one", () => {
    const topology = buildTopology({
      datacenters: [{ id: "ams1", hazardZones: ["seismic:nl"] }],
      racks: [
        { id: "r1", datacenter: "ams1", powerDomains: ["pdu-a"], networkDomains: ["tor-1"] },
        { id: "r2", datacenter: "ams1", powerDomains: ["pdu-b"], networkDomains: ["tor-2"] },
      ],
      hosts: [
        { id: "h1", rack: "r1" },
        { id: "h2", rack: "r1" },
        { id: "h3", rack: "r2" },
      ],
      tenants,
      virtualMachines: [
        { id: "glx-1", host: "h1", tenant: "globex" },
        { id: "glx-2", host: "h2", tenant: "globex" },
        { id: "acme-1", host: "h1", tenant: "acme" },
      ],
      containers: [{ id: "glx-c", host: "h1", tenant: "globex", runtime: "runc" }],
    });
    const rack: AdviceWorkload = { ...vault, minimumIsolation: "RACK" };
    const advice = placementAdvice(topology, DEFAULT_POLICY, rack, [
      { kind: "host", key: "h1" },
      { kind: "host", key: "h3" },
      { kind: "virtualMachine", key: "acme-1" },
    ]);
    expect(advice.map((a) => `${a.place.key} ${a.outcome}`)).toEqual(["h3 PROVEN", "h1 REFUSED", "acme-1 REFUSED"]);
    // On h1: globex's bare container is the weakest wall (CONTAINER), not the VMs.
    expect(advice.find((a) => a.place.key === "h1")!.reasons).toContain(
      "NOT ISOLATED: vault (acme) needs RACK separation from tenant globex, but the new VM replica and globex's container glx-c share host h1 (only a CONTAINER boundary between them).",
    );
  });
});

describe("placement advice next to placement groups", () => {
  it("a slot's neighbours on a host outside its group are judged unit by unit: that host may be the slot's machine", () => {
    // Both on h-real: globex's container inside a VM (first in key order) and initech's bare runc
    // container. From slot g1/s1 the host h-real may be the same machine, so each unit's own walls
    // count: the bare container leaves only CONTAINER proven, whatever the VM's container does.
    const topology = buildTopology({
      datacenters: [{ id: "az1", region: "eu-west-1" }],
      racks: ["g1/s1", "r-real"].map((id) => ({ id, datacenter: "az1", powerDomains: [], networkDomains: [] })),
      hosts: [
        { id: "g1/s1", rack: "g1/s1", placementGroup: "g1" },
        { id: "h-real", rack: "r-real" },
      ],
      tenants: [...tenants, { id: "initech", organization: "initech" }],
      virtualMachines: [{ id: "vm-g", host: "h-real", tenant: "globex" }],
      containers: [
        { id: "a-in-vm", virtualMachine: "vm-g", tenant: "globex", runtime: "runc" },
        { id: "b-bare", host: "h-real", tenant: "initech", runtime: "runc" },
      ],
    });
    const web: AdviceWorkload = { key: "web", tenant: "acme", minimumIsolation: null, antiAffinity: [] };
    const [advice] = placementAdvice(topology, DEFAULT_POLICY, web, [{ kind: "host", key: "g1/s1" }]);
    expect(advice.outcome).toBe("POSSIBLE");
    expect(advice.reasons).toEqual([
      "UNPROVEN: web (acme) needs VIRTUAL_MACHINE separation from tenant initech; only CONTAINER is proven, RACK is possible: the new VM replica and initech's container b-bare may share a host in datacenter az1, where the hosts are not known.",
    ]);
    expect(advice.closest).toEqual({ actual: "CONTAINER", possible: "RACK" });
  });

  // AWS spread-group slots (src/connectors/aws/map-ec2.ts): each instance gets a rack of its own,
  // apart only from the slots of its own group.
  const slot = (group: string, instance: string) => `aws-spread/pgdc/${group}/${instance}`;
  const slots = [slot("g1", "i-1"), slot("g1", "i-2"), slot("g2", "i-3")];
  const topology = buildTopology({
    datacenters: [{ id: "pgdc", region: "eu-west-1" }],
    racks: slots.map((id) => ({ id, datacenter: "pgdc", powerDomains: [`${id}/power`], networkDomains: [`${id}/network`] })),
    hosts: slots.map((id) => ({ id, rack: id, placementGroup: id.includes("/g1/") ? "aws/g1" : "aws/g2" })),
    tenants,
    workloads: [{ id: "pgw", tenant: "acme", antiAffinity: [{ level: "RACK", maxPerDomain: 1, mode: "HARD" }] }],
    virtualMachines: [{ id: "pgw-1", host: slot("g1", "i-1"), tenant: "acme", workload: "pgw" }],
  });
  const pgw: AdviceWorkload = { key: "pgw", tenant: "acme", minimumIsolation: null, antiAffinity: [{ level: "RACK", maxPerDomain: 1, mode: "HARD" }] };

  it("a slot of another group than the replicas' is only POSSIBLE: the HARD rack spread could no longer be checked", () => {
    const advice = placementAdvice(topology, DEFAULT_POLICY, pgw, [
      { kind: "host", key: slot("g2", "i-3") },
      { kind: "host", key: slot("g1", "i-2") },
    ]);
    expect(advice.map((a) => `${a.place.key} ${a.outcome}`)).toEqual([`${slot("g1", "i-2")} PROVEN`, `${slot("g2", "i-3")} POSSIBLE`]);
    expect(advice[1].reasons).toEqual([
      "the rack spread of pgw (HARD) could not be checked with the new replica there: replica pgw-1: its rack is known apart only from the other slots of placement group aws/g1, and the other replicas are not all in that group; the new replica: its rack is known apart only from the other slots of placement group aws/g2, and the other replicas are not all in that group",
    ]);
  });
});

describe("placement advice where the replica's own domain is unknown", () => {
  it("still refuses a place whose datacenter makes empty hosts eligible and so breaks a HARD max skew of the replicas already there", () => {
    // Both replicas sit on a host nobody described (no datacenter known): alone, a skew of 0.
    // A VM somewhere in dc1 brings dc1's empty host h1 into the eligible hosts: skew 2.
    const spread = { level: "HOST" as const, maxSkew: 1, mode: "HARD" as const };
    const topology = buildTopology({
      datacenters: [{ id: "dc1" }],
      hosts: [{ id: "h1", datacenter: "dc1" }],
      tenants,
      workloads: [{ id: "api", tenant: "acme", antiAffinity: [spread] }],
      virtualMachines: [
        { id: "api-1", host: "h-nobody-described", tenant: "acme", workload: "api" },
        { id: "api-2", host: "h-nobody-described", tenant: "acme", workload: "api" },
      ],
    });
    const api: AdviceWorkload = { key: "api", tenant: "acme", minimumIsolation: null, antiAffinity: [spread] };
    const [advice] = placementAdvice(topology, DEFAULT_POLICY, api, [{ kind: "datacenter", key: "dc1" }]);
    expect(advice.outcome).toBe("REFUSED");
    expect(advice.reasons).toContain("HARD anti-affinity: host h-nobody-described holds 2 replicas of api, 2 more than the emptiest eligible host; max skew 1");
  });
});
