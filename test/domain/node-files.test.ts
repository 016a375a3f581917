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
 * A container that mounts its node's files (docs/separation.md, "A container with its node's
 * files"): a hostPath volume. Under Kata or Firecracker the node's directory is shared into
 * the micro-VM, so the pod reads and writes the node's own files past its VIRTUAL_MACHINE
 * wall. Two tenants of one organization (the default policy asks CONTAINER between them) with
 * Kata pods on one node VM: with the node's files, acme's pod has no wall of its own.
 */
const node = (a: { runtime?: string; nodeFiles?: boolean; privileged?: boolean; otherRuntime?: string }): TopologyInput => ({
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
    { id: "acme/agent", virtualMachine: "node-1", runtime: a.runtime ?? "kata", privileged: a.privileged ?? false, nodeFiles: a.nodeFiles ?? false, tenant: "acme", workload: "agent" },
    { id: "globex/shop", virtualMachine: "node-1", runtime: a.otherRuntime ?? "kata", tenant: "globex", workload: "shop" },
  ],
});
const agent = { kind: "container" as const, key: "acme/agent" };
const shop = { kind: "container" as const, key: "globex/shop" };
const otherVm = { kind: "virtualMachine" as const, key: "vm-other" };

describe("a container with its node's files", () => {
  it("has no wall of its own under every runtime, micro-VMs included, privileged or not", () => {
    const runtimes = ["runc", "crun", "gvisor", "runsc", "kata", "firecracker"];
    for (const privileged of [false, true]) expect(runtimes.map((runtime) => containerWall({ runtime, privileged, nodeFiles: true }))).toEqual(runtimes.map(() => "PROCESS"));
    expect(containerWall({ runtime: "kata", privileged: true, nodeFiles: false })).toBe("VIRTUAL_MACHINE");
  });

  it("leaves a Kata pod that mounts them and another tenant's Kata pod on one node VM PROCESS apart, either way round; without them VIRTUAL_MACHINE", () => {
    const topology = buildTopology(node({ nodeFiles: true }));
    expect(separation(topology, agent, shop)).toMatchObject({ actual: "PROCESS", possible: "PROCESS" });
    expect(separation(topology, shop, agent)).toMatchObject({ actual: "PROCESS", possible: "PROCESS" });
    expect(separation(buildTopology(node({ nodeFiles: false })), agent, shop).actual).toBe("VIRTUAL_MACHINE");
    // A Kata pod that is privileged (host namespaces, SYS_ADMIN) but mounts no node files keeps its wall.
    expect(separation(buildTopology(node({ privileged: true })), agent, shop).actual).toBe("VIRTUAL_MACHINE");
    expect(separation(buildTopology(node({ runtime: "firecracker", nodeFiles: true })), agent, shop).actual).toBe("PROCESS");
  });

  it("stops at its node VM: against a unit in another VM on the same host the VM wall still stands", () => {
    expect(separation(buildTopology(node({ nodeFiles: true })), agent, otherVm).actual).toBe("VIRTUAL_MACHINE");
  });

  it("makes the verdict NOT_ISOLATED where the policy asks CONTAINER, and the explanation says the pod mounts its node's files", () => {
    const topology = buildTopology(node({ nodeFiles: true }));
    const v = isolationVerdict(topology, "agent", "globex", DEFAULT_POLICY);
    expect({ required: v.required, actual: v.actual, outcome: v.outcome }).toEqual({ required: "CONTAINER", actual: "PROCESS", outcome: "NOT_ISOLATED" });
    expect(explainVerdict(v, new Date(), { topology })).toBe(
      "NOT ISOLATED: agent (acme) needs CONTAINER separation from tenant globex, but container acme/agent and globex's container globex/shop share VM node-1 (only a PROCESS boundary between them). Container acme/agent mounts its node's files (a hostPath volume): it reads and writes them past its own wall, whatever its runtime.",
    );
    const back = isolationVerdict(topology, "shop", "acme", DEFAULT_POLICY);
    expect(back.outcome).toBe("NOT_ISOLATED");
    expect(explainVerdict(back, new Date(), { topology })).toContain("Container acme/agent mounts its node's files");
    expect(explainVerdict(back, new Date(), { topology, redactOtherSide: true })).not.toContain("node's files");
    // A runc pod that is privileged and mounts them is said to be privileged: that takes more.
    const runc = buildTopology(node({ runtime: "runc", privileged: true, nodeFiles: true }));
    expect(explainVerdict(isolationVerdict(runc, "agent", "globex", DEFAULT_POLICY), new Date(), { topology: runc })).toMatch(/Container acme\/agent is privileged: it shares its node's kernel with full rights\.$/);
  });

  it("puts the pair in the fleet report at PROCESS", () => {
    const report = fleetReport(buildTopology(node({ nodeFiles: true })), DEFAULT_POLICY);
    const rows = Array.from({ length: report.count }, (_, row) => ({ workload: report.workload(row), tenant: report.tenant(row), actual: report.actual(row), outcome: report.outcome(row) }));
    expect(rows).toContainEqual({ workload: "agent", tenant: "globex", actual: "PROCESS", outcome: "NOT_ISOLATED" });
    expect(rows).toContainEqual({ workload: "shop", tenant: "acme", actual: "PROCESS", outcome: "NOT_ISOLATED" });
  });

  it("refuses a Kata replica that mounts them on a node VM with another tenant's pod, and proves one that does not", () => {
    const topology = buildTopology(node({}));
    const api: AdviceWorkload = { key: "api", tenant: "acme", minimumIsolation: null, antiAffinity: [] };
    const place = { kind: "virtualMachine" as const, key: "node-1" };
    const [refused] = placementAdvice(topology, DEFAULT_POLICY, api, [place], { replica: { kind: "container", runtime: "kata", privileged: true, nodeFiles: true } });
    expect(refused.outcome).toBe("REFUSED");
    expect(refused.reasons.join(" ")).toContain("(only a PROCESS boundary between them). The new container replica mounts its node's files (a hostPath volume)");
    const [plain] = placementAdvice(topology, DEFAULT_POLICY, api, [place], { replica: { kind: "container", runtime: "kata", privileged: true, nodeFiles: false } });
    expect(plain.outcome).toBe("PROVEN");
  });
});
