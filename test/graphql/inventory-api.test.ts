import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoServices, type DemoServices } from "../support/demo-service.ts";

let demo: DemoServices;
beforeAll(async () => {
  demo = await startDemoServices();
});
afterAll(async () => demo.close());

const gql = (query: string, variables?: Record<string, unknown>) => demo.gql(query, variables);

describe("inventory over GraphQL", () => {
  it("walks rack → hosts → VMs → containers and back up", async () => {
    const { data, errors } = await gql(`{
      rack(key: "ams1-r01") {
        key datacenter { key } powerDomains { key } networkDomainKeys
        hosts { totalCount nodes { key virtualMachines { nodes { key tenant { key organization } containers { nodes { key runtime } } } } } }
      }
      container(key: "c-3") { virtualMachine { host { rack { key } datacenter { key hazardZones } } } tenant { key } }
    }`);
    expect(errors).toBeUndefined();
    expect(data.rack).toEqual({
      key: "ams1-r01",
      datacenter: { key: "ams1" },
      powerDomains: [{ key: "ams1-pdu-a" }],
      networkDomainKeys: ["ams1-tor-1"],
      hosts: {
        totalCount: 2,
        nodes: [
          {
            key: "h-001",
            virtualMachines: {
              nodes: [
                {
                  key: "vm-1",
                  tenant: { key: "biology", organization: "university" },
                  containers: {
                    nodes: [
                      { key: "c-1", runtime: "runc" },
                      { key: "c-2", runtime: "runc" },
                      { key: "c-3", runtime: "gvisor" },
                    ],
                  },
                },
                { key: "vm-3", tenant: { key: "geology", organization: "university" }, containers: { nodes: [{ key: "c-5", runtime: "runc" }] } },
              ],
            },
          },
          { key: "h-002", virtualMachines: { nodes: [{ key: "vm-4", tenant: { key: "geology", organization: "university" }, containers: { nodes: [] } }] } },
        ],
      },
    });
    expect(data.container).toEqual({
      virtualMachine: { host: { rack: { key: "ams1-r01" }, datacenter: { key: "ams1", hazardZones: ["seismic:nl", "weather:north-sea"] } } },
      tenant: { key: "geology" },
    });
  });

  it("walks tenant → workloads → units", async () => {
    const { data } = await gql(`{ tenant(key: "acme-payments") { organization workloads { nodes { key minimumIsolation antiAffinity { level minDomains mode }
      virtualMachines { nodes { key dedicated datacenter { key region } } } containers { nodes { key } } } } } }`);
    expect(data.tenant.workloads.nodes).toEqual([
      {
        key: "payments",
        minimumIsolation: "HOST",
        antiAffinity: [{ level: "DATACENTER", minDomains: 2, mode: "HARD" }],
        virtualMachines: {
          nodes: [
            { key: "i-0pay1", dedicated: true, datacenter: { key: "euw1-az1", region: "eu-west-1" } },
            { key: "i-0pay2", dedicated: true, datacenter: { key: "euw1-az2", region: "eu-west-1" } },
          ],
        },
        containers: { nodes: [{ key: "pod-pay-sidecar" }] },
      },
    ]);
  });

  it("gives every object an opaque global id that node(id:) resolves", async () => {
    const { data } = await gql(`{ hosts(first: 2) { nodes { id key } } tenants(first: 1) { nodes { id } } sources(first: 1) { nodes { id key } } }`);
    const host = data.hosts.nodes[0];
    expect(host.id).not.toContain(host.key);
    const back = await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on ComputeUnit { key } ... on Source { key } } }`, {
      ids: [host.id, data.sources.nodes[0].id],
    });
    expect(back.data.nodes).toEqual([
      { __typename: "Host", id: host.id, key: host.key },
      { __typename: "Source", id: data.sources.nodes[0].id, key: data.sources.nodes[0].key },
    ]);
    const missing = await gql(`{ node(id: "${Buffer.from("Host:nope").toString("base64url")}") { id } }`);
    expect(missing.data.node).toBeNull();
    const bad = await gql(`{ node(id: "%%%") { id } }`);
    expect(bad.errors[0].extensions.code).toBe("BAD_USER_INPUT");
  });

  it("pages through a connection with keyset cursors", async () => {
    const all = (await gql(`{ containers(first: 1000) { totalCount nodes { key } } }`)).data.containers;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { data } = await gql(`query($after: String) { containers(first: 3, after: $after) { edges { cursor node { key } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }`, { after });
      const page = data.containers;
      expect(page.totalCount).toBe(all.totalCount);
      expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
      seen.push(...page.edges.map((e: { node: { key: string } }) => e.node.key));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.nodes.map((n: { key: string }) => n.key));
    expect(seen).toEqual([...seen].sort());
  });

  it("refuses page sizes over the maximum and cursors it did not make", async () => {
    const big = await gql(`{ hosts(first: 5000) { totalCount } }`);
    expect(big.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(big.errors[0].message).toBe("first must be a whole number from 0 to 1000");
    const forged = await gql(`{ hosts(after: "abc") { totalCount } }`);
    expect(forged.errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "after" });
  });

  it("filters by datacenter, rack, tenant, workload, source and key prefix", async () => {
    const { data } = await gql(`{
      inAms1: hosts(filter: { datacenter: "ams1" }) { nodes { key } }
      inRack: hosts(filter: { rack: "ams1-r01" }) { nodes { key } }
      cloudVms: virtualMachines(filter: { datacenter: "euw1-az1" }) { nodes { key } }
      amsVms: virtualMachines(filter: { datacenter: "ams1", tenant: "geology" }) { nodes { key } }
      onHost: containers(filter: { host: "h-001" }) { nodes { key } }
      inDc: containers(filter: { datacenter: "ams1", runtime: "kata" }) { nodes { key } }
      byWorkload: containers(filter: { workload: "lab-notebooks" }) { nodes { key } }
      bySource: datacenters(filter: { source: "aws-acme", keyPrefix: "euw1" }) { nodes { key } }
      byZone: datacenters(filter: { hazardZone: "weather:north-sea" }) { nodes { key } }
      onMoon: datacenters(filter: { planet: "moon" }) { nodes { key } }
      orgTenants: tenants(filter: { organization: "university" }) { nodes { key } }
      racksInAms: racks(filter: { datacenter: "ams1" }) { totalCount }
    }`);
    const keys = (c: { nodes: { key: string }[] }) => c.nodes.map((n) => n.key);
    expect(keys(data.inAms1)).toEqual(["h-001", "h-002", "h-003", "h-004", "h-legacy"]);
    expect(keys(data.inRack)).toEqual(["h-001", "h-002"]);
    expect(keys(data.cloudVms)).toEqual(["i-0glx1", "i-0pay1", "i-0web1", "i-0web2"]);
    expect(keys(data.amsVms)).toEqual(["vm-3", "vm-4"]);
    expect(keys(data.onHost)).toEqual(["c-1", "c-2", "c-3", "c-5"]);
    expect(keys(data.inDc)).toEqual(["c-4"]);
    expect(keys(data.byWorkload)).toEqual(["c-2", "c-4"]);
    expect(keys(data.bySource)).toEqual(["euw1-az1", "euw1-az2"]);
    expect(keys(data.byZone)).toEqual(["ams1", "rtm1"]);
    expect(keys(data.onMoon)).toEqual(["tranquility-base"]);
    expect(keys(data.orgTenants)).toEqual(["biology", "geology"]);
    expect(data.racksInAms.totalCount).toBe(3);
  });

  it("keeps dangling references as keys and resolves them to null", async () => {
    await gql(`mutation { syncInventory(snapshot: { source: "k8s", containers: [{ id: "pod-x", virtualMachine: "vm-unsynced", tenant: "biology" }] }) { status } }`);
    const { data } = await gql(`{ container(key: "pod-x") { virtualMachineKey virtualMachine { key } tenant { key } } }`);
    expect(data.container).toEqual({ virtualMachineKey: "vm-unsynced", virtualMachine: null, tenant: { key: "biology" } });
  });

  it("reaches datacenters' hosts through racks and directly, and power domains' racks", async () => {
    const { data } = await gql(`{ datacenter(key: "ams1") { hosts { nodes { key } } racks { totalCount } powerDomains { nodes { key racks { nodes { key } } } } } }`);
    expect(data.datacenter.hosts.nodes.map((n: { key: string }) => n.key)).toEqual(["h-001", "h-002", "h-003", "h-004", "h-legacy"]);
    expect(data.datacenter.racks.totalCount).toBe(3);
    expect(data.datacenter.powerDomains.nodes).toEqual([
      { key: "ams1-pdu-a", racks: { nodes: [{ key: "ams1-r01" }, { key: "ams1-r02" }] } },
      { key: "ams1-pdu-b", racks: { nodes: [{ key: "ams1-r03" }] } },
    ]);
  });

  it("syncs over the mutation, with userErrors naming each problem's path", async () => {
    const refused = await gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { path message } run { status sourceKey } } }`, {
      s: { source: "api", hosts: [{ id: "h-001" }, { id: "ok", shelf: 3 }] },
    });
    expect(refused.data.syncInventory).toEqual({
      status: "REFUSED",
      userErrors: [{ path: ["hosts", "1", "shelf"], message: 'unknown field "shelf" on hosts' }],
      run: { status: "REFUSED", sourceKey: "api" },
    });
    const owned = await gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { path message } } }`, { s: { source: "api", hosts: [{ id: "h-001" }] } });
    expect(owned.data.syncInventory.userErrors[0]).toEqual({ path: ["hosts", "0", "id"], message: 'host "h-001" belongs to source "dcim-campus"; ids are unique per kind across all sources' });
    const applied = await gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status totals { created unchanged } changes { kind created } warnings { path message } run { id counts { created } finishedAt } } }`, {
      s: { source: "api", hosts: [{ id: "api-h1", rack: "rack-nobody-has" }] },
    });
    const payload = applied.data.syncInventory;
    expect(payload.status).toBe("APPLIED");
    expect(payload.totals).toEqual({ created: 1, unchanged: 0 });
    expect(payload.changes.find((c: { kind: string }) => c.kind === "hosts").created).toBe(1);
    expect(payload.warnings).toEqual([{ path: ["hosts", "0", "rack"], message: 'rack "rack-nobody-has" has not been synced by any source; kept as unknown placement' }]);
    const runs = await gql(`{ source(key: "api") { lastSyncedAt syncRuns { totalCount nodes { status } } } syncRuns(source: "api", status: REFUSED) { totalCount } }`);
    expect(runs.data.source.syncRuns.nodes.map((n: { status: string }) => n.status)).toEqual(["APPLIED", "REFUSED", "REFUSED"]);
    expect(runs.data.syncRuns.totalCount).toBe(2);
  });

  it("refuses a snapshot that is not even an object, as a userError", async () => {
    const { data } = await gql(`mutation { syncInventory(snapshot: [1, 2]) { status run { id } userErrors { path message } } }`);
    expect(data.syncInventory).toEqual({ status: "REFUSED", run: null, userErrors: [{ path: [], message: "a snapshot must be a JSON object" }] });
  });
});
