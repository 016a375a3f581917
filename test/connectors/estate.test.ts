import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../src/service.ts";
import { childEnv, graphqlRequest, runCli } from "../support/cli-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";

/*
 * The README's walkthrough of examples/estate: one command syncs every source of the estate
 * (two AWS accounts that both see zone euw1-az2, EKS, Azure, GCP, NetBox), then the three
 * questions it asks, with the answers it prints.
 */
const SOURCES = path.resolve("examples/estate/sources.yaml");
const LEDGER_FD1 = "azure-fd/3f2b8c1d-7e6a-4b5c-9d8e-1a2b3c4d5e6f/payments-rg/ledger-avset/1/power";
const ledger = (n: number) => `/subscriptions/3f2b8c1d-7e6a-4b5c-9d8e-1a2b3c4d5e6f/resourcegroups/payments-rg/providers/microsoft.compute/virtualmachines/ledger-${n}`;

let t: TestDatabase;
let service: RunningService;
beforeAll(async () => {
  t = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await service?.close();
  await t?.drop();
});

describe("examples/estate", () => {
  it("syncs in one command, both AWS accounts of one zone included", async () => {
    const run = await runCli(["sync", "--config", SOURCES], childEnv({ DATABASE_URL: t.url }));
    expect(run.code, run.stderr).toBe(0);
    for (const source of ["dcim", "aws-prod", "aws-data", "eks-prod", "azure-pay", "gcp-fabrikam"]) expect(run.stdout).toMatch(new RegExp(`^${source} \\(run \\d+\\): APPLIED$`, "m"));
    expect(run.stderr).toBe("");
    service = await startTestService(t.url);
  }, 240_000);

  it("1. is Northwind's checkout isolated enough from Fabrikam? Yes, and the closest pair shares zone euw1-az2 across accounts", async () => {
    const { body } = await graphqlRequest(service.url, `{ isolation(workload: "shop/checkout", tenant: "fabrikam") { outcome required actual possible explanation } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.isolation).toMatchObject({ outcome: "ISOLATED", required: "VIRTUAL_MACHINE", actual: "VIRTUAL_MACHINE", possible: "RACK" });
    expect(body.data.isolation.explanation).toMatch(
      /^ISOLATED: shop\/checkout \(northwind-shop\) needs VIRTUAL_MACHINE separation from tenant fabrikam and has at least VIRTUAL_MACHINE; the closest pair: container shop\/checkout-6d8f9b7c5-m4x2k and fabrikam's VM i-0d5e6f7a8b9c0d1e2 may share a host in datacenter euw1-az2, where the hosts are not known\. Inventory as of \d\d:\d\d UTC\.$/,
    );
  });

  it("2. what breaks if fault domain 1 of the ledger's availability set loses power? Two of its three VMs", async () => {
    const { body } = await graphqlRequest(service.url, `{ failureImpact(level: POWER_DOMAIN, domain: "${LEDGER_FD1}") { tenantKeys workloads { workload { key } lost { key } remaining losesAll } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.failureImpact).toEqual({
      tenantKeys: ["northwind-pay"],
      workloads: [{ workload: { key: "ledger" }, lost: [{ key: ledger(2) }, { key: ledger(3) }], remaining: 1, losesAll: false }],
    });
    // ledger-1 remains because its fault domain is a slot of the same set: apart within the set only.
    const hosts = await graphqlRequest(service.url, `{ virtualMachine(key: "${ledger(1)}") { host { key placementGroup } } }`);
    expect(hosts.body.errors).toBeUndefined();
    expect(hosts.body.data.virtualMachine.host).toEqual({
      key: "azure-fd/3f2b8c1d-7e6a-4b5c-9d8e-1a2b3c4d5e6f/payments-rg/ledger-avset/0",
      placementGroup: "azure-fd/3f2b8c1d-7e6a-4b5c-9d8e-1a2b3c4d5e6f/payments-rg/ledger-avset",
    });
  });

  it("3. who sees zone euw1-az2, and what runs there? Both accounts, one instance each", async () => {
    const { body } = await graphqlRequest(service.url, `{ datacenter(key: "euw1-az2") { key provider region sources { key } virtualMachines { nodes { key source { key } tenant { key } } } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.datacenter).toEqual({
      key: "euw1-az2",
      provider: "aws",
      region: "eu-west-1",
      sources: [{ key: "aws-data" }, { key: "aws-prod" }],
      virtualMachines: {
        nodes: [
          { key: "i-0a7f3c9e1b2d4f601", source: { key: "aws-prod" }, tenant: { key: "northwind-shop" } },
          { key: "i-0d5e6f7a8b9c0d1e2", source: { key: "aws-data" }, tenant: { key: "fabrikam" } },
        ],
      },
    });
  });
});
