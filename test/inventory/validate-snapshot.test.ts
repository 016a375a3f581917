import { describe, expect, it } from "vitest";
import { validateSnapshot } from "../../src/inventory/validate-snapshot.ts";
import { campusSnapshot } from "../support/snapshots.ts";

function problemsOf(document: unknown) {
  const result = validateSnapshot(document);
  if (result.ok) throw new Error("expected the snapshot to be refused");
  return result.problems.map((p) => `${p.path.join(".")}: ${p.message}`);
}

describe("validateSnapshot", () => {
  it("accepts the contract's example and applies the defaults", () => {
    const result = validateSnapshot({
      source: "s",
      datacenters: [{ id: "dc" }],
      containers: [{ id: "c", tenant: "t" }],
      virtualMachines: [{ id: "v", tenant: "t" }],
      workloads: [{ id: "w", tenant: "t", antiAffinity: [{ level: "HOST" }] }],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.snapshot.complete).toBe(false);
    expect(result.snapshot.datacenters[0]).toEqual({ id: "dc", name: null, provider: null, region: null, hazardZones: [], planet: null });
    expect(result.snapshot.containers[0].runtime).toBe("runc");
    expect(result.snapshot.virtualMachines[0].dedicated).toBe(false);
    expect(result.snapshot.workloads[0].antiAffinity).toEqual([{ level: "HOST", mode: "HARD" }]);
    expect(result.snapshot.hosts).toEqual([]);
    expect(validateSnapshot(campusSnapshot()).ok).toBe(true);
  });

  it("refuses a document that is not an object", () => {
    expect(problemsOf([1, 2])).toEqual([": a snapshot must be a JSON object"]);
    expect(problemsOf("x")).toEqual([": a snapshot must be a JSON object"]);
  });

  it("requires a source", () => {
    expect(problemsOf({ hosts: [] })).toEqual(["source: source is required: a non-empty string naming the system that synced this inventory"]);
    expect(problemsOf({ source: "  " })[0]).toMatch(/^source:/);
  });

  it("refuses unknown fields at the top and on objects, naming the path", () => {
    expect(problemsOf({ source: "s", servers: [] })).toEqual(['servers: unknown field "servers"']);
    expect(problemsOf({ source: "s", hosts: [{ id: "h", rackk: "r" }] })).toEqual(['hosts.0.rackk: unknown field "rackk" on hosts']);
    expect(problemsOf({ source: "s", workloads: [{ id: "w", tenant: "t", antiAffinity: [{ level: "HOST", spread: 2 }] }] })).toEqual(['workloads.0.antiAffinity.0.spread: unknown field "spread" on an anti-affinity rule']);
  });

  it("refuses unknown isolation and anti-affinity levels and modes", () => {
    expect(problemsOf({ source: "s", workloads: [{ id: "w", tenant: "t", minimumIsolation: "KERNEL" }] })[0]).toMatch(/^workloads\.0\.minimumIsolation: unknown isolation level "KERNEL"/);
    expect(problemsOf({ source: "s", workloads: [{ id: "w", tenant: "t", antiAffinity: [{ level: "ZONE" }] }] })[0]).toMatch(/^workloads\.0\.antiAffinity\.0\.level: unknown anti-affinity level "ZONE"/);
    expect(problemsOf({ source: "s", workloads: [{ id: "w", tenant: "t", antiAffinity: [{ level: "HOST", mode: "MAYBE" }] }] })[0]).toMatch(/^workloads\.0\.antiAffinity\.0\.mode: unknown mode/);
  });

  it("refuses maxPerDomain or minDomains below 1, and non-integers", () => {
    const rules = [
      { level: "HOST", maxPerDomain: 0 },
      { level: "RACK", minDomains: -1 },
      { level: "RACK", minDomains: 1.5 },
    ];
    expect(problemsOf({ source: "s", workloads: [{ id: "w", tenant: "t", antiAffinity: rules }] })).toEqual([
      "workloads.0.antiAffinity.0.maxPerDomain: maxPerDomain must be a whole number of at least 1",
      "workloads.0.antiAffinity.1.minDomains: minDomains must be a whole number of at least 1",
      "workloads.0.antiAffinity.2.minDomains: minDomains must be a whole number of at least 1",
    ]);
  });

  it("refuses counts GraphQL's 32-bit Int could not answer back, naming the field", () => {
    const rules = [
      { level: "HOST", maxPerDomain: 1e308 },
      { level: "RACK", maxSkew: 2 ** 31 },
      { level: "RACK", minDomains: 2 ** 31 - 1 },
      { level: "RACK", maxPerDomain: Number.MAX_SAFE_INTEGER },
    ];
    expect(problemsOf({ source: "s", workloads: [{ id: "w", tenant: "t", minHealthyReplicas: 1e20, antiAffinity: rules }] })).toEqual([
      "workloads.0.antiAffinity.0.maxPerDomain: maxPerDomain must be at most 2147483647",
      "workloads.0.antiAffinity.1.maxSkew: maxSkew must be at most 2147483647",
      "workloads.0.antiAffinity.3.maxPerDomain: maxPerDomain must be at most 2147483647",
      "workloads.0.minHealthyReplicas: must be at most 2147483647",
    ]);
  });

  it("accepts maxSkew and minHealthyReplicas, and refuses them below 1", () => {
    const ok = validateSnapshot({ source: "s", workloads: [{ id: "w", tenant: "t", minHealthyReplicas: 2, antiAffinity: [{ level: "RACK", maxSkew: 1 }] }] });
    expect(ok.ok && ok.snapshot.workloads[0]).toEqual({ id: "w", tenant: "t", minimumIsolation: null, minHealthyReplicas: 2, antiAffinity: [{ level: "RACK", maxSkew: 1, mode: "HARD" }] });
    expect(problemsOf({ source: "s", workloads: [{ id: "w", tenant: "t", minHealthyReplicas: 0, antiAffinity: [{ level: "RACK", maxSkew: 0 }] }] })).toEqual([
      "workloads.0.antiAffinity.0.maxSkew: maxSkew must be a whole number of at least 1",
      "workloads.0.minHealthyReplicas: must be a whole number of at least 1",
    ]);
  });

  it("refuses duplicate ids within a kind, naming both places", () => {
    expect(problemsOf({ source: "s", hosts: [{ id: "h" }, { id: "x" }, { id: "h" }] })).toEqual(['hosts.2.id: duplicate id "h" (also at hosts[0])']);
  });

  it("allows the same id in different kinds", () => {
    expect(validateSnapshot({ source: "s", hosts: [{ id: "x" }], racks: [{ id: "x", datacenter: "d" }] }).ok).toBe(true);
  });

  it("refuses a host naming a datacenter other than its rack's: it is in one of the two, nobody knows which", () => {
    const racks = [{ id: "r1", datacenter: "ams1" }];
    expect(problemsOf({ source: "s", racks, hosts: [{ id: "h", rack: "r1", datacenter: "fra1" }] })).toEqual(['hosts.0.datacenter: names datacenter "fra1", but its rack "r1" is in datacenter "ams1" (racks[0]): name one, or the same']);
    // The same datacenter, or a rack another source describes, is accepted.
    expect(validateSnapshot({ source: "s", racks, hosts: [{ id: "h", rack: "r1", datacenter: "ams1" }] }).ok).toBe(true);
    expect(validateSnapshot({ source: "s", hosts: [{ id: "h", rack: "r-elsewhere", datacenter: "fra1" }] }).ok).toBe(true);
  });

  it("refuses a unit with two parents", () => {
    expect(problemsOf({ source: "s", containers: [{ id: "c", tenant: "t", host: "h", virtualMachine: "v" }] })).toEqual(["containers.0: a unit has one parent, but this one names virtualMachine and host"]);
    expect(problemsOf({ source: "s", virtualMachines: [{ id: "v", tenant: "t", host: "h", datacenter: "d" }] })).toEqual(["virtualMachines.0: a unit has one parent, but this one names host and datacenter"]);
  });

  it("refuses a containment cycle inside the snapshot", () => {
    const problems = problemsOf({
      source: "s",
      virtualMachines: [{ id: "v1", container: "c1", tenant: "t" }],
      containers: [{ id: "c1", virtualMachine: "v1", tenant: "t" }],
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/containment cycle: .*virtual machine v1 inside container c1 inside virtual machine v1|container c1 inside virtual machine v1 inside container c1/);
  });

  it("accepts a VM inside a container (KubeVirt) when there is no cycle", () => {
    expect(
      validateSnapshot({
        source: "s",
        virtualMachines: [
          { id: "v1", container: "c1", tenant: "t" },
          { id: "v0", host: "h", tenant: "t" },
        ],
        containers: [{ id: "c1", virtualMachine: "v0", tenant: "t" }],
      }).ok,
    ).toBe(true);
  });

  it("checks field types and required fields, reporting every problem at once", () => {
    const problems = problemsOf({
      source: "s",
      complete: "yes",
      hosts: "h-1",
      racks: [{ id: "r", datacenter: 7, powerDomains: ["p", ""] }],
      tenants: [{ id: "t" }],
      virtualMachines: [{ id: "v", tenant: "t", dedicated: "true" }],
      containers: [null],
    });
    expect(problems).toEqual([
      "complete: complete must be true or false",
      "racks.0.datacenter: must be a non-empty string",
      "racks.0.powerDomains.1: must be a non-empty string",
      "hosts: hosts must be an array",
      "tenants.0.organization: organization is required",
      "virtualMachines.0.dedicated: must be true or false",
      "containers.0: each entry of containers must be an object",
    ]);
  });

  it.each(["privileged", "nodeFiles"] as const)("takes a container's %s as true or false only, default false, and names where another value stands", (field) => {
    const base = { source: "s", tenants: [{ id: "t", organization: "o" }], hosts: [{ id: "h" }] };
    const containers = [
      { id: "c0", host: "h", tenant: "t" },
      { id: "c1", host: "h", tenant: "t", [field]: true },
      { id: "c2", host: "h", tenant: "t", [field]: "yes" },
      { id: "c3", host: "h", tenant: "t", [field]: 1 },
    ];
    expect(problemsOf({ ...base, containers })).toEqual([`containers.2.${field}: must be true or false`, `containers.3.${field}: must be true or false`]);
    const result = validateSnapshot({ ...base, containers: containers.slice(0, 2) });
    expect(result.ok && result.snapshot.containers.map((c) => c[field])).toEqual([false, true]);
  });

  it("reads null as absent: every default applies", () => {
    const result = validateSnapshot({
      source: " s ",
      datacenters: [{ id: "dc", name: null, hazardZones: null }],
      containers: [{ id: "c", tenant: "t", runtime: null, host: null, privileged: null, nodeFiles: null }],
      virtualMachines: [{ id: "v", tenant: "t", dedicated: null }],
      workloads: [{ id: "w", tenant: "t", antiAffinity: [{ level: "HOST", mode: null }], minimumIsolation: null, minHealthyReplicas: null }],
    });
    expect(result.ok && result.snapshot.source).toBe("s");
    if (!result.ok) return;
    expect(result.snapshot.datacenters[0]).toEqual({ id: "dc", name: null, provider: null, region: null, hazardZones: [], planet: null });
    expect(result.snapshot.containers[0]).toEqual({ id: "c", virtualMachine: null, host: null, runtime: "runc", privileged: false, nodeFiles: false, tenant: "t", workload: null });
    expect(result.snapshot.virtualMachines[0].dedicated).toBe(false);
    expect(result.snapshot.workloads[0]).toEqual({ id: "w", tenant: "t", minimumIsolation: null, antiAffinity: [{ level: "HOST", mode: "HARD" }], minHealthyReplicas: null });
    expect(problemsOf({ source: "s", tenants: [{ id: null, organization: "o" }] })).toEqual(["tenants.0.id: id is required"]);
  });

  it("keeps a list's first mention of each value", () => {
    const result = validateSnapshot({ source: "s", racks: [{ id: "r", datacenter: "d", powerDomains: ["b", "a", "b"] }] });
    expect(result.ok && result.snapshot.racks[0].powerDomains).toEqual(["b", "a"]);
  });

  it("names each unknown field, whatever its characters, before the object's other problems", () => {
    expect(problemsOf({ source: "s", hosts: [{ id: "", 'a"b': 1, "x\ny": 2 }], zz: 1 })).toEqual([
      'zz: unknown field "zz"',
      'hosts.0.a"b: unknown field "a"b" on hosts',
      'hosts.0.x\ny: unknown field "x\ny" on hosts',
      "hosts.0.id: must be a non-empty string",
    ]);
  });

  it("applies the inventory text rule to every text, lists and the source included", () => {
    expect(problemsOf({ source: "s\u0007", racks: [{ id: "r ", datacenter: "d", networkDomains: ["n", "x".repeat(257)] }] })).toEqual([
      "source: contains the unprintable character U+0007; only printable characters and plain spaces are allowed",
      "racks.0.id: must not start or end with a space",
      "racks.0.networkDomains.1: is 257 characters long; at most 256 are allowed",
    ]);
  });

  it("puts a record's unit problems after its field problems, and skips refused records' ids", () => {
    expect(
      problemsOf({
        source: "s",
        hosts: [{ id: "h", rack: 1 }, { id: "h" }],
        containers: [
          { id: "c", tenant: "t", host: "h", virtualMachine: 5 },
          { id: "d", tenant: "t" },
          { id: "d", tenant: "t" },
        ],
      }),
    ).toEqual([
      "hosts.0.rack: must be a non-empty string",
      "containers.0.virtualMachine: must be a non-empty string",
      "containers.0: a unit has one parent, but this one names virtualMachine and host",
      'containers.2.id: duplicate id "d" (also at containers[1])',
    ]);
  });
});
