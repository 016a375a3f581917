import { describe, expect, it } from "vitest";
import { buildTopology, type TopologyInput } from "../../src/domain/build-topology.ts";
import { explainVerdict } from "../../src/domain/explain-verdict.ts";
import { fleetReport } from "../../src/domain/fleet-report.ts";
import { placementAdvice, type AdviceWorkload } from "../../src/domain/placement-advice.ts";
import { DEFAULT_POLICY } from "../../src/domain/policy.ts";
import { containerWall } from "../../src/domain/scale.ts";
import { separation } from "../../src/domain/separation.ts";
import { isolationVerdict } from "../../src/domain/verdict.ts";

/*
 * A container with its node's rights (docs/separation.md, "A privileged container"): two
 * tenants of one organization (the default policy asks CONTAINER between them) with pods on
 * one node VM. A privileged runc pod reaches the other pod through the node's kernel, so they
 * are PROCESS apart, and every path that reads a container's wall must say so.
 */
const node = (a: { runtime?: string; privileged?: boolean; otherRuntime?: string }): TopologyInput => ({
  datacenters: [{ id: "dc1", region: "eu" }],
  racks: [{ id: "r1", datacenter: "dc1" }],
  hosts: [{ id: "h1", rack: "r1" }],
  tenants: [
    { id: "acme", organization: "uni" },
    { id: "globex", organization: "uni" },
  ],
  workloads: [
    { id: "agent", tenant: "acme" },
    { id: "shop", tenant: "globex" },
  ],
  virtualMachines: [
    // acme's own node pool: a replica of acme's runs inside acme's node at no cost.
    { id: "node-1", host: "h1", tenant: "acme" },
    { id: "vm-other", host: "h1", tenant: "globex", workload: "shop" },
  ],
  containers: [
    { id: "acme/agent", virtualMachine: "node-1", runtime: a.runtime ?? "runc", privileged: a.privileged ?? false, tenant: "acme", workload: "agent" },
    { id: "globex/shop", virtualMachine: "node-1", runtime: a.otherRuntime ?? "runc", tenant: "globex", workload: "shop" },
  ],
});
const agent = { kind: "container" as const, key: "acme/agent" };
const shop = { kind: "container" as const, key: "globex/shop" };
const otherVm = { kind: "virtualMachine" as const, key: "vm-other" };

describe("a privileged container's wall", () => {
  it("is PROCESS under runc-class runtimes and gVisor, VIRTUAL_MACHINE in a micro-VM, the runtime's own when not privileged", () => {
    const walls = ["runc", "crun", "gvisor", "runsc", "kata", "firecracker"].map((runtime) => [runtime, containerWall({ runtime, privileged: false, nodeFiles: false }), containerWall({ runtime, privileged: true, nodeFiles: false })]);
    expect(walls).toEqual([
      ["runc", "CONTAINER", "PROCESS"],
      ["crun", "CONTAINER", "PROCESS"],
      ["gvisor", "SANDBOX", "PROCESS"],
      ["runsc", "SANDBOX", "PROCESS"],
      ["kata", "VIRTUAL_MACHINE", "VIRTUAL_MACHINE"],
      ["firecracker", "VIRTUAL_MACHINE", "VIRTUAL_MACHINE"],
    ]);
  });

  it("leaves a privileged runc pod and another tenant's pod on one node VM PROCESS apart, and the same pods unprivileged CONTAINER apart", () => {
    expect(separation(buildTopology(node({ privileged: true })), agent, shop).actual).toBe("PROCESS");
    expect(separation(buildTopology(node({ privileged: true })), shop, agent).actual).toBe("PROCESS");
    expect(separation(buildTopology(node({ privileged: false })), agent, shop).actual).toBe("CONTAINER");
  });

  it("stops at a micro-VM: a privileged Kata pod keeps its wall (the pair is the runc pod's CONTAINER); a privileged gVisor pod does not", () => {
    expect(separation(buildTopology(node({ runtime: "kata", privileged: true })), agent, shop)).toMatchObject({ actual: "CONTAINER", possible: "CONTAINER" });
    expect(separation(buildTopology(node({ runtime: "kata", privileged: true, otherRuntime: "kata" })), agent, shop).actual).toBe("VIRTUAL_MACHINE");
    expect(separation(buildTopology(node({ runtime: "gvisor", privileged: true })), agent, shop).actual).toBe("PROCESS");
  });

  it("stops at its node VM: against a unit in another VM on the same host the VM wall still stands", () => {
    expect(separation(buildTopology(node({ privileged: true })), agent, otherVm).actual).toBe("VIRTUAL_MACHINE");
  });

  it("makes the verdict NOT_ISOLATED where the policy asks CONTAINER, and the explanation says why", () => {
    const topology = buildTopology(node({ privileged: true }));
    const v = isolationVerdict(topology, "agent", "globex", DEFAULT_POLICY);
    expect({ required: v.required, actual: v.actual, outcome: v.outcome }).toEqual({ required: "CONTAINER", actual: "PROCESS", outcome: "NOT_ISOLATED" });
    expect(explainVerdict(v, new Date(), { topology })).toBe(
      "NOT ISOLATED: agent (acme) needs CONTAINER separation from tenant globex, but container acme/agent and globex's container globex/shop share VM node-1 (only a PROCESS boundary between them). Container acme/agent is privileged: it shares its node's kernel with full rights.",
    );
    // The other side's verdict names the privileged unit too, unless the caller may not see it.
    const back = isolationVerdict(topology, "shop", "acme", DEFAULT_POLICY);
    expect(back.outcome).toBe("NOT_ISOLATED");
    expect(explainVerdict(back, new Date(), { topology })).toContain("acme's container acme/agent share VM node-1 (only a PROCESS boundary between them). Container acme/agent is privileged");
    expect(explainVerdict(back, new Date(), { topology, redactOtherSide: true })).not.toContain("privileged");
  });

  it("puts the pair in the fleet report at PROCESS", () => {
    const report = fleetReport(buildTopology(node({ privileged: true })), DEFAULT_POLICY);
    const rows = Array.from({ length: report.count }, (_, row) => ({ workload: report.workload(row), tenant: report.tenant(row), actual: report.actual(row), outcome: report.outcome(row) }));
    expect(rows).toContainEqual({ workload: "agent", tenant: "globex", actual: "PROCESS", outcome: "NOT_ISOLATED" });
    expect(rows).toContainEqual({ workload: "shop", tenant: "acme", actual: "PROCESS", outcome: "NOT_ISOLATED" });
  });

  it("refuses a privileged runc replica on a node VM with another tenant's pod, and proves an unprivileged one", () => {
    const topology = buildTopology(node({}));
    const api: AdviceWorkload = { key: "api", tenant: "acme", minimumIsolation: null, antiAffinity: [] };
    const place = { kind: "virtualMachine" as const, key: "node-1" };
    const [refused] = placementAdvice(topology, DEFAULT_POLICY, api, [place], { replica: { kind: "container", runtime: "runc", privileged: true, nodeFiles: false } });
    expect(refused.outcome).toBe("REFUSED");
    expect(refused.reasons.join(" ")).toContain("(only a PROCESS boundary between them). The new container replica is privileged: it shares its node's kernel with full rights.");
    const [kata] = placementAdvice(topology, DEFAULT_POLICY, api, [place], { replica: { kind: "container", runtime: "kata", privileged: true, nodeFiles: false } });
    expect(kata.outcome).toBe("PROVEN");
    const [plain] = placementAdvice(topology, DEFAULT_POLICY, api, [place], { replica: { kind: "container", runtime: "runc", privileged: false, nodeFiles: false } });
    expect(plain.outcome).toBe("PROVEN");
  });
});
