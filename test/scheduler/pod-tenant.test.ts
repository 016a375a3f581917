import { describe, expect, it } from "vitest";
import { buildTopology } from "../../src/domain/build-topology.ts";
import { DEFAULT_POLICY } from "../../src/domain/policy.ts";
import { podAdvice } from "../../src/scheduler/pod-placement.ts";

/*
 * Whose pod is it? The extender and the webhook judge a pod by the tenant the sync gave its
 * namespace, never by a tenant label the pod gives itself where nothing synced backs it: that
 * label is whatever the pod's author wrote. Nodes here are hosts of their own, so a pod of a
 * known tenant on an empty node is proven, and only the tenant decides.
 */
const options = { source: "k8s", settings: { nodes: "hosts" } };
const topology = buildTopology({
  datacenters: [{ id: "dc1", region: "eu" }],
  racks: [{ id: "r1", datacenter: "dc1" }],
  hosts: [
    { id: "node/n1", rack: "r1" },
    { id: "node/n2", rack: "r1" },
  ],
  tenants: [
    { id: "northwind-shop", organization: "northwind" },
    { id: "fabrikam", organization: "fabrikam" },
  ],
  containers: [{ id: "shop/web-1", source: "k8s", host: "node/n1", tenant: "northwind-shop", runtime: "runc" }],
});
const pod = (namespace: string, tenant: string) => ({ kind: "Pod", metadata: { name: "p", namespace, labels: { "tenancy.io/tenant": tenant } }, spec: {} });
const nodes = [{ name: "n1" }, { name: "n2" }];

describe("a pod's tenant for placement", () => {
  it("is its namespace's synced tenant when its label names another", () => {
    const advice = podAdvice(topology, DEFAULT_POLICY, options, pod("shop", "fabrikam"), nodes);
    expect(advice.workload.tenant).toBe("northwind-shop");
    expect(advice.advice.get("n2")!.outcome).toBe("PROVEN");
  });

  it("is not known in a namespace with nothing synced, whatever its label says: proven on no node", () => {
    const advice = podAdvice(topology, DEFAULT_POLICY, options, pod("brand-new", "northwind-shop"), nodes);
    expect(advice.workload.tenant).toBe("unknown tenant of namespace brand-new");
    const n2 = advice.advice.get("n2")!;
    expect(n2.outcome).toBe("POSSIBLE");
    expect(n2.reasons[0]).toBe("the tenant of brand-new/p is not known: its namespace has no pods synced from this source that name one, and a pod's own tenant label is not trusted");
    // Judged as another organization's: not kept beside northwind's pod as if it were northwind's.
    expect(advice.advice.get("n1")!.outcome).not.toBe("PROVEN");
  });
});
