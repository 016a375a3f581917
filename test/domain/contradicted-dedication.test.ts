import { describe, expect, it } from "vitest";
import { buildTopology, type TopologyInput } from "../../src/domain/build-topology.ts";
import { explainVerdict } from "../../src/domain/explain-verdict.ts";
import { fleetReport, type FleetReport } from "../../src/domain/fleet-report.ts";
import { patchedReportSteps, patchStats } from "../../src/domain/patch-report.ts";
import { PARTS, patchTopologySteps, type TopologyChanges } from "../../src/domain/patch-topology.ts";
import { DEFAULT_POLICY } from "../../src/domain/policy.ts";
import { reportChangesSteps } from "../../src/domain/report-changes.ts";
import { forgetPredecessor, separation, type Separation } from "../../src/domain/separation.ts";
import { sharedPlaces } from "../../src/domain/shared-places.ts";
import type { Topology, UnitKind } from "../../src/domain/topology.ts";
import { rememberUnitsIndex, unitsIndex } from "../../src/domain/units-index.ts";
import { isolationVerdict } from "../../src/domain/verdict.ts";

/*
 * Dedicated hardware the data contradicts (docs/separation.md, "Dedicated hardware"): host hd
 * is dedicated to acme, yet another tenant's VM sits directly on it. The reservation is not
 * honoured, so it rules out no shared host: not for acme's units on hd, not for the intruder.
 * In datacenter dc1: acme's va on hd (workload wa), globex's vh on a hidden host (workload wh).
 */
const KIND: Record<string, UnitKind> = { c: "container", v: "virtualMachine", h: "host" };
const ref = (s: string) => ({ kind: KIND[s.split(":")[0]], key: s.split(":")[1] });
const levels = (s: Separation) => [s.actual, s.possible, s.shared.kind];

const base: Required<TopologyInput> = {
  datacenters: [{ id: "dc1", region: "r1" }],
  racks: [{ id: "r1", datacenter: "dc1", powerDomains: ["p1"], networkDomains: ["n1"] }],
  hosts: [
    { id: "hd", rack: "r1", dedicatedTo: "acme" },
    { id: "h2", rack: "r1" },
    { id: "h3", rack: "r1", dedicatedTo: "initech" },
    { id: "hp", rack: "r1", dedicatedTo: "acme" },
  ],
  tenants: ["acme", "globex", "initech"].map((id) => ({ id, organization: `org-${id}` })),
  workloads: [
    { id: "wa", tenant: "acme", minimumIsolation: "HOST" },
    { id: "wh", tenant: "globex", minimumIsolation: "HOST" },
  ],
  virtualMachines: [
    { id: "va", host: "hd", tenant: "acme", workload: "wa" },
    { id: "vh", datacenter: "dc1", tenant: "globex", workload: "wh" },
    // A dedicated VM on h2, and one on a host nobody described.
    { id: "vd", host: "h2", tenant: "acme", dedicated: true },
    { id: "vn", host: "h-nobody", tenant: "acme", dedicated: true },
    // Acme's own VM on hp, running an initech pod: dedication is about the units on the machine.
    { id: "vp", host: "hp", tenant: "acme" },
  ],
  containers: [
    { id: "ca", virtualMachine: "va", tenant: "acme", workload: "wa" },
    { id: "cp", virtualMachine: "vp", tenant: "initech" },
  ],
};

const topology = (...extra: Record<string, unknown>[]) => buildTopology({ ...base, virtualMachines: [...base.virtualMachines, ...extra] });

describe("a dedication the data contradicts rules nothing out", () => {
  it("globex's VM on acme's dedicated host: neither acme's unit there nor the intruder is HOST apart from globex's hidden VM", () => {
    const honoured = topology();
    expect(levels(separation(honoured, ref("v:va"), ref("v:vh")))).toEqual(["HOST", "RACK", "POSSIBLE_HOST"]);
    const contradicted = topology({ id: "vg", host: "hd", tenant: "globex" });
    expect(levels(separation(contradicted, ref("v:va"), ref("v:vh")))).toEqual(["VIRTUAL_MACHINE", "RACK", "POSSIBLE_HOST"]);
    expect(levels(separation(contradicted, ref("c:ca"), ref("v:vh")))).toEqual(["VIRTUAL_MACHINE", "RACK", "POSSIBLE_HOST"]);
    expect(levels(separation(contradicted, ref("v:vg"), ref("v:vh")))).toEqual(["VIRTUAL_MACHINE", "RACK", "POSSIBLE_HOST"]);
    expect(levels(separation(contradicted, ref("v:va"), ref("v:vg")))).toEqual(["VIRTUAL_MACHINE", "VIRTUAL_MACHINE", "UNIT"]);
  });

  it("a dedicated VM whose known host also holds another tenant's VM or container reserves nothing", () => {
    expect(separation(topology(), ref("v:vd"), ref("v:vh")).actual).toBe("HOST");
    expect(separation(topology({ id: "vx", host: "h2", tenant: "initech" }), ref("v:vd"), ref("v:vh")).actual).toBe("VIRTUAL_MACHINE");
    const pod = buildTopology({ ...base, containers: [...base.containers, { id: "cx", host: "h2", tenant: "initech" }] });
    expect(separation(pod, ref("v:vd"), ref("v:vh")).actual).toBe("VIRTUAL_MACHINE");
    // So does one on a host nobody described, when another tenant's VM names that host too.
    expect(separation(topology(), ref("v:vn"), ref("v:vh")).actual).toBe("HOST");
    expect(separation(topology({ id: "vx", host: "h-nobody", tenant: "initech" }), ref("v:vn"), ref("v:vh")).actual).toBe("VIRTUAL_MACHINE");
  });

  it("a dedicated VM on a host dedicated to another tenant: both claims are void", () => {
    // h3 is initech's, yet acme's ve sits on it; ve claims the machine for acme.
    const t = topology({ id: "ve", host: "h3", tenant: "acme", dedicated: true });
    expect(levels(separation(t, ref("v:ve"), ref("v:vh")))).toEqual(["VIRTUAL_MACHINE", "RACK", "POSSIBLE_HOST"]);
  });

  it("another tenant's pod inside the reserved tenant's VM, or the reserved tenant's own VM, does not void it", () => {
    expect(separation(topology(), ref("v:vp"), ref("v:vh")).actual).toBe("HOST");
    expect(separation(topology({ id: "va2", host: "hd", tenant: "acme" }), ref("v:va"), ref("v:vh")).actual).toBe("HOST");
  });

  it("the verdict is no longer ISOLATED, and its sentence says the dedication is void and why", () => {
    expect(isolationVerdict(topology(), "wa", "globex", DEFAULT_POLICY)).toMatchObject({ outcome: "ISOLATED", actual: "HOST" });
    const contradicted = topology({ id: "vi", host: "hd", tenant: "initech" });
    const verdict = isolationVerdict(contradicted, "wa", "globex", DEFAULT_POLICY);
    expect(verdict).toMatchObject({ outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE", possible: "RACK" });
    expect(explainVerdict(verdict, new Date(), { topology: contradicted })).toBe(
      "UNPROVEN: wa (acme) needs HOST separation from tenant globex; only VIRTUAL_MACHINE is proven, RACK is possible: container ca and globex's VM vh may share a host in datacenter dc1, where the hosts are not known. Host hd is dedicated to acme, but initech's VM vi runs on it: the dedication rules nothing out.",
    );
    // Redacted, it names no other tenant's unit.
    expect(explainVerdict(verdict, new Date(), { topology: contradicted, redactOtherSide: true })).not.toContain("initech");
    expect(isolationVerdict(topology(), "wh", "acme", DEFAULT_POLICY)).toMatchObject({ outcome: "ISOLATED", actual: "HOST" });
    expect(isolationVerdict(contradicted, "wh", "acme", DEFAULT_POLICY)).toMatchObject({ outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE" });
  });
});

/** The topology patched with one sync's VMs (rows set, keys removed), its units index remembered, as the service's index does. */
function patched(before: Topology, vms: Record<string, unknown>[], removed: string[] = []): Topology {
  const changes = {
    keys: Object.fromEntries(PARTS.map((part) => [part, part === "virtualMachines" ? [...vms.map((r) => r.id as string), ...removed] : []])),
    rows: Object.fromEntries(PARTS.map((part) => [part, part === "virtualMachines" ? vms : []])),
  } as unknown as TopologyChanges;
  const steps = patchTopologySteps(before, unitsIndex(before), changes);
  let step = steps.next();
  while (!step.done) step = steps.next();
  rememberUnitsIndex(step.value.topology, step.value.units);
  return step.value.topology;
}

const rows = (report: FleetReport) => Array.from({ length: report.count }, (_, row) => `${report.workload(row)} ${report.tenant(row)} ${report.outcome(row)} ${report.actual(row)}`);

describe("a sync that puts another tenant's VM on a dedicated host", () => {
  it("changes the verdicts of every unit on that host in the patched topology, and the report patched from the one before", () => {
    const before = topology();
    // Its warm-up: every chain made, the report kept.
    const report = fleetReport(before, DEFAULT_POLICY);
    expect(rows(report)).not.toContain("wa globex UNPROVEN VIRTUAL_MACHINE");
    const after = patched(before, [{ id: "vi", host: "hd", tenant: "initech" }]);
    expect(isolationVerdict(after, "wa", "globex", DEFAULT_POLICY)).toMatchObject({ outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE" });
    expect(isolationVerdict(after, "wh", "acme", DEFAULT_POLICY)).toMatchObject({ outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE" });

    const changes = reportChangesSteps(report, after, sharedPlaces(after), DEFAULT_POLICY);
    let change = changes.next();
    while (!change.done) change = changes.next();
    expect("rescan" in change.value && [...change.value.rescan].sort()).toEqual(["wa", "wh"]);
    const steps = patchedReportSteps(report, after, DEFAULT_POLICY, patchStats(), 1);
    let step = steps.next();
    while (!step.done) step = steps.next();
    const fresh = fleetReport(topology({ id: "vi", host: "hd", tenant: "initech" }), DEFAULT_POLICY);
    expect(rows(step.value)).toEqual(rows(fresh));
    expect(rows(step.value)).toContain("wa globex UNPROVEN VIRTUAL_MACHINE");
    expect(rows(step.value)).toContain("wh acme UNPROVEN VIRTUAL_MACHINE");
    forgetPredecessor(after);

    // And back: the intruder leaves, and the dedication holds again.
    const again = patched(after, [], ["vi"]);
    expect(isolationVerdict(again, "wa", "globex", DEFAULT_POLICY)).toMatchObject({ outcome: "ISOLATED", actual: "HOST" });
    const back = patchedReportSteps(step.value, again, DEFAULT_POLICY, patchStats(), 1);
    let last = back.next();
    while (!last.done) last = back.next();
    expect(rows(last.value)).toEqual(rows(report));
  });
});
