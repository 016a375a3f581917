import { describe, expect, it } from "vitest";
import { buildTopology } from "../../src/domain/build-topology.ts";
import { DEFAULT_POLICY } from "../../src/domain/policy.ts";
import { podAdvice } from "../../src/scheduler/pod-placement.ts";

/*
 * The extender and the webhook read a pod's node rights as the Kubernetes connector does
 * (docs/separation.md, "A privileged container"). Node n1 is a host of its own running
 * globex's pod; acme and globex are of one organization, so the default policy asks CONTAINER
 * between them: a plain pod of acme may go beside globex's, a privileged one may not, unless a
 * micro-VM holds its rights.
 */
const options = { source: "k8s", settings: { nodes: "hosts" } };
const topology = buildTopology({
  datacenters: [{ id: "dc1", region: "eu" }],
  racks: [{ id: "r1", datacenter: "dc1" }],
  hosts: [{ id: "node/n1", rack: "r1" }],
  tenants: [
    { id: "acme", organization: "uni" },
    { id: "globex", organization: "uni" },
  ],
  containers: [
    { id: "shop/cart-1", source: "k8s", host: "node/n1", tenant: "globex", runtime: "runc" },
    { id: "edge/web-1", source: "k8s", host: "node/n1", tenant: "acme", runtime: "runc" },
  ],
});
const pod = (spec: Record<string, unknown>) => ({ kind: "Pod", metadata: { name: "agent-0", namespace: "edge" }, spec: { containers: [{ name: "agent", image: "registry.example.com/agent:1.0" }], ...spec } });
const outcome = (spec: Record<string, unknown>) => podAdvice(topology, DEFAULT_POLICY, options, pod(spec), [{ name: "n1" }]).advice.get("n1")!;

describe("a pod with its node's rights, for placement", () => {
  it("may go beside another tenant's pod without them, not with them", () => {
    expect(outcome({}).outcome).toBe("PROVEN");
    expect(outcome({ hostNetwork: true }).outcome).toBe("PROVEN");
    for (const rights of [{ hostPID: true }, { volumes: [{ name: "root", hostPath: { path: "/" } }] }, { initContainers: [{ name: "init", image: "busybox:1.36", securityContext: { privileged: true } }] }]) {
      const advice = outcome(rights);
      expect(advice.outcome).toBe("REFUSED");
      expect(advice.reasons.join(" ")).toContain("(only a PROCESS boundary between them). The new container replica is privileged: it shares its node's kernel with full rights.");
    }
  });

  it("keeps its micro-VM's wall under Kata", () => {
    expect(outcome({ runtimeClassName: "kata-qemu", hostPID: true }).outcome).toBe("PROVEN");
    expect(outcome({ runtimeClassName: "kata-qemu", containers: [{ name: "agent", image: "registry.example.com/agent:1.0", securityContext: { privileged: true } }] }).outcome).toBe("PROVEN");
  });

  it("loses it under Kata too with a hostPath volume: the node's files are shared into the micro-VM", () => {
    for (const runtimeClassName of ["kata-qemu", "gvisor", undefined]) {
      const advice = outcome({ runtimeClassName, volumes: [{ name: "cache", hostPath: { path: "/var/lib/agent-cache", type: "DirectoryOrCreate" } }] });
      expect(advice.outcome).toBe("REFUSED");
      expect(advice.reasons.join(" ")).toContain("(only a PROCESS boundary between them).");
    }
    const kata = outcome({ runtimeClassName: "kata-qemu", volumes: [{ name: "cache", hostPath: { path: "/var/lib/agent-cache" } }] });
    expect(kata.reasons.join(" ")).toContain("The new container replica mounts its node's files (a hostPath volume): it reads and writes them past its own wall, whatever its runtime.");
    // Another volume keeps the wall.
    expect(outcome({ runtimeClassName: "kata-qemu", volumes: [{ name: "cache", emptyDir: {} }] }).outcome).toBe("PROVEN");
  });
});
