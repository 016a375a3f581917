import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentRequestId } from "../../src/observability/request-context.ts";
import { startDemoServices, type DemoServices } from "../support/demo-service.ts";

/*
 * A place many sources see, over GraphQL: the demo's zone euw1-az1 is described by both demo
 * AWS accounts, and a third account (a real export into a database holding the demo) can
 * describe it too, as long as it agrees with them.
 */
let demo: DemoServices;
beforeAll(async () => {
  demo = await startDemoServices();
});
afterAll(async () => demo.close());

const SYNC = `mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { path message } warnings { path message } } }`;
const ZONE = `{ datacenter(key: "euw1-az1") { key sources { key } region provider hazardZones planet
    virtualMachines(first: 20) { nodes { key source { key } } } } }`;

/** A third AWS account with one VM in the demo's zone euw1-az1. */
const account = (zone: Record<string, unknown> = {}) => ({
  source: "aws-initech",
  complete: true,
  datacenters: [{ id: "euw1-az1", provider: "aws", region: "eu-west-1", ...zone }],
  tenants: [{ id: "initech", organization: "initech" }],
  workloads: [{ id: "tps-reports", tenant: "initech" }],
  virtualMachines: [{ id: "i-0tps1", datacenter: "euw1-az1", tenant: "initech", workload: "tps-reports" }],
});

describe("a datacenter described by several sources, over GraphQL", () => {
  it("the demo's accounts both describe euw1-az1", async () => {
    const { data, errors } = await demo.gql(ZONE);
    expect(errors).toBeUndefined();
    expect(data.datacenter).toMatchObject({ key: "euw1-az1", sources: [{ key: "aws-acme" }, { key: "aws-globex" }], region: "eu-west-1", planet: "earth" });
  });

  it("another account's export syncs into a database holding the demo, and the union shows every source", async () => {
    const { data } = await demo.gql(SYNC, { s: account({ hazardZones: ["flood:liffey"] }) });
    expect(data.syncInventory).toEqual({ status: "APPLIED", userErrors: [], warnings: [] });
    const zone = (await demo.gql(ZONE)).data.datacenter;
    expect(zone.sources.map((s: { key: string }) => s.key)).toEqual(["aws-acme", "aws-globex", "aws-initech"]);
    expect(zone.hazardZones).toEqual(["flood:liffey"]);
    expect(zone.virtualMachines.nodes).toContainEqual({ key: "i-0tps1", source: { key: "aws-initech" } });
    const listed = await demo.gql(`{ datacenters(filter: { source: "aws-initech" }) { totalCount nodes { key } } }`);
    expect(listed.data.datacenters).toEqual({ totalCount: 1, nodes: [{ key: "euw1-az1" }] });
  });

  it("each source's own description, for any number of datacenters in a constant number of statements", async () => {
    const query = (first: number) => `{ datacenters(first: ${first}) { nodes { key sources { key } descriptions { source { key } region hazardZones planet } } } }`;
    const count = async (first: number) => {
      await demo.gql(`{ __typename }`);
      let statements = 0;
      // Only the request's own: the findings' and webhooks' background polls run outside requests.
      const stop = demo.services[0].db.onStatement(() => {
        if (currentRequestId() !== undefined) statements++;
      });
      const body = await demo.gql(query(first));
      stop();
      return { statements, nodes: body.data.datacenters.nodes };
    };
    const one = await count(1);
    const all = await count(50);
    expect(all.nodes.length).toBeGreaterThan(5);
    expect(all.statements).toBe(one.statements);
    expect(all.nodes.find((d: { key: string }) => d.key === "euw1-az1").descriptions).toEqual([
      { source: { key: "aws-acme" }, region: "eu-west-1", hazardZones: [], planet: null },
      { source: { key: "aws-globex" }, region: "eu-west-1", hazardZones: [], planet: null },
      { source: { key: "aws-initech" }, region: "eu-west-1", hazardZones: ["flood:liffey"], planet: null },
    ]);
    expect(all.nodes.find((d: { key: string }) => d.key === "tranquility-base")?.descriptions).toEqual([{ source: { key: "dcim-moon" }, region: null, hazardZones: ["meteorite:mare-tranquillitatis"], planet: "moon" }]);
  });

  it("a disagreeing region is a userError naming the field and the other source; nothing is written", async () => {
    const before = (await demo.gql(ZONE)).data.datacenter;
    const { data } = await demo.gql(SYNC, { s: { ...account({ region: "eu-central-1" }), source: "aws-hooli", tenants: [], workloads: [], virtualMachines: [{ id: "i-0hooli", datacenter: "euw1-az1", tenant: "initech" }] } });
    expect(data.syncInventory.status).toBe("REFUSED");
    expect(data.syncInventory.userErrors).toEqual([
      {
        path: ["datacenters", "0", "region"],
        message: 'datacenter "euw1-az1": region "eu-central-1" disagrees with sources "aws-acme", "aws-globex" and "aws-initech", which give "eu-west-1"; the sources that describe one datacenter must agree',
      },
    ]);
    expect((await demo.gql(ZONE)).data.datacenter).toEqual(before);
    expect((await demo.gql(`{ virtualMachine(key: "i-0hooli") { key } }`)).data.virtualMachine).toBeNull();
    // The audit log keeps the refusal with its reason.
    const audit = await demo.gql(`{ auditLog(action: "syncInventory", first: 1) { nodes { target outcome detail } } }`);
    expect(audit.data.auditLog.nodes[0]).toMatchObject({ target: "aws-hooli", outcome: "REFUSED" });
    expect(JSON.stringify(audit.data.auditLog.nodes[0].detail)).toContain('disagrees with sources \\"aws-acme\\"');
  });

  it("the verdict between two accounts in one zone is not a DATACENTER separation", async () => {
    const { data } = await demo.gql(`{ isolation(workload: "tps-reports", tenant: "globex") { actual possible evidence(limit: 1) { shared { kind node { ... on Datacenter { key sources { key } } } } } } }`);
    expect(data.isolation).toMatchObject({ actual: "VIRTUAL_MACHINE", possible: "RACK" });
    expect(data.isolation.evidence[0].shared).toMatchObject({ kind: "POSSIBLE_HOST", node: { key: "euw1-az1" } });
  });

  it("a complete snapshot without the zone removes only that account's description", async () => {
    const { data } = await demo.gql(SYNC, { s: { ...account(), datacenters: [], virtualMachines: [] } });
    expect(data.syncInventory.status).toBe("APPLIED");
    const zone = (await demo.gql(ZONE)).data.datacenter;
    expect(zone.sources.map((s: { key: string }) => s.key)).toEqual(["aws-acme", "aws-globex"]);
    expect(zone.hazardZones).toEqual([]);
  });
});
