import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import type { RunningService } from "../../src/service.ts";
import { graphqlRequest } from "../support/cli-process.ts";
import { fleetSnapshot } from "../support/snapshots.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";
import { DEFAULT_LIMITS } from "../../src/request-limits.ts";
import { currentRequestId } from "../../src/observability/request-context.ts";

/*
 * Every relation goes through a per-request DataLoader: a nested query over N hosts with their
 * VMs and containers costs the same number of SQL statements for N = 10 and N = 1000.
 */
let t: TestDatabase;
let service: RunningService;
beforeAll(async () => {
  t = await createTestDatabase();
  for (const [source, hosts] of [
    ["small", 10],
    ["large", 1000],
  ] as const) {
    const snapshot = fleetSnapshot(source, hosts, 2, 2, `${source}-`);
    (snapshot as Record<string, unknown>).workloads = [{ id: `${source}-w`, tenant: `${source}-tenant` }];
    for (const c of snapshot.containers) c.workload = `${source}-w`;
    expect((await syncInventory(t.db.sql, snapshot)).status).toBe("APPLIED");
  }
  // A whole datacenter's dump prices far over an admin's default budget (1000 hosts × 50 VMs ×
  // 50 containers): raised here as an operator would (TENANCY_COST_BUDGET_ADMIN) for an export.
  service = await startTestService(t.url, { limits: { ...DEFAULT_LIMITS, requestsPerSecond: { admin: 0, compliance: 0, tenant: 0, sync: 0, scheduler: 0 }, costBudget: { ...DEFAULT_LIMITS.costBudget, admin: 100_000_000 } } });
});
afterAll(async () => {
  await service.close();
  await t.drop();
});

const NESTED = `query($dc: String!) {
  datacenter(key: $dc) {
    hosts(first: 1000) {
      totalCount
      nodes {
        id key
        rack { key datacenter { key } hosts(first: 1) { totalCount } }
        datacenter { key }
        virtualMachines { totalCount nodes { key tenant { key } host { key }
          containers { totalCount nodes { key workload { key tenant { key } } virtualMachine { key } source { key } } } } }
        containers { nodes { key } }
      }
    }
  }
}`;

async function countStatements(dc: string) {
  // Authentication is cached after the first request (src/access/token-cache.ts): warm it, so
  // only the query's own statements are counted.
  await graphqlRequest(service.url, `{ __typename }`);
  let statements = 0;
  // Only the request's own: the findings' and webhooks' background polls (src/findings,
  // src/notifications) run outside any request, whenever their timers fire.
  const stop = service.db.onStatement(() => {
    if (currentRequestId() !== undefined) statements++;
  });
  try {
    const { body } = await graphqlRequest(service.url, NESTED, { dc });
    expect(body.errors).toBeUndefined();
    return { statements, hosts: body.data.datacenter.hosts.nodes.length, containers: body.data.datacenter.hosts.nodes[0].virtualMachines.nodes[0].containers.nodes.length };
  } finally {
    stop();
  }
}

describe("SQL statements per request", () => {
  it("do not grow with the number of objects in the answer", async () => {
    const small = await countStatements("small-dc");
    const large = await countStatements("large-dc");
    expect(small.hosts).toBe(10);
    expect(large.hosts).toBe(1000);
    expect(small.containers).toBe(2);
    expect(large.statements).toBe(small.statements);
    // The shape of the query above needs about a dozen; far from one per object.
    expect(small.statements).toBeLessThan(25);
    expect(small.statements).toBeGreaterThan(5);
  });
});
