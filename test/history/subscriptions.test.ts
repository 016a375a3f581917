import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSnapshots, loadDemoInventory } from "../../src/inventory/demo-inventory.ts";
import type { RunningService } from "../../src/service.ts";
import { ADMIN_TOKEN } from "../support/secured-demo.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * findingChanged over a real WebSocket (graphql-ws): a client on one replica sees a finding
 * open after a sync through the other; a tenant token hears only of its own workloads'
 * findings, without the other side's units; a connection without a valid token is refused.
 */
let t: TestDatabase;
let replicas: RunningService[];
let geology: string;
const clients: Client[] = [];
beforeAll(async () => {
  t = await createTestDatabase();
  await loadDemoInventory(t.db.sql);
  replicas = [await startTestService(t.url, { adminToken: ADMIN_TOKEN }), await startTestService(t.url, { adminToken: ADMIN_TOKEN })];
  geology = await createToken(replicas[0].url, ADMIN_TOKEN, { name: "geology-reader", role: "TENANT", tenant: "geology" });
}, 120_000);
afterAll(async () => {
  for (const client of clients) await client.dispose();
  for (const replica of replicas) await replica.close();
  await t.drop();
});

function client(token: string) {
  const c = createClient({ url: replicas[0].url.replace("http://", "ws://"), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: true });
  clients.push(c);
  return c;
}

/** Collects what a subscription yields; `ready` resolves once the server has it. */
function collect(c: Client, query: string) {
  const got: any[] = [];
  const errors: unknown[] = [];
  c.subscribe({ query }, { next: (value) => got.push(value), error: (error) => errors.push(error), complete: () => undefined });
  return { got, errors };
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe("findingChanged over graphql-ws", () => {
  it("tells a client on one replica of a finding a sync through the other replica opened", async () => {
    const SUB = `subscription { findingChanged(filter: { kind: ISOLATION }) { event { change state severity } finding { id kind workloadKey tenantKey state evidence } } }`;
    const admin = collect(client(ADMIN_TOKEN), SUB);
    const tenant = collect(client(geology), SUB);
    // Let both subscriptions reach the server before the change.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    // geology's seismic-model gets a container inside biology's VM vm-2: a new NOT_ISOLATED pair for both sides.
    const campus = structuredClone((await demoSnapshots()).find((s) => s.snapshot.source === "dcim-campus")!.snapshot) as any;
    campus.containers.push({ id: "c-9", virtualMachine: "vm-2", runtime: "runc", tenant: "geology", workload: "seismic-model" });
    const synced = await gqlAs(replicas[1].url, ADMIN_TOKEN, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: campus });
    expect(synced.body.data.syncInventory.status).toBe("APPLIED");

    const opened = (got: any[], workload: string, other: string) =>
      got.find((m) => m.data?.findingChanged.event.change === "OPENED" && m.data.findingChanged.finding.workloadKey === workload && m.data.findingChanged.finding.tenantKey === other);
    await until(() => Boolean(opened(admin.got, "seismic-model", "biology")), "the admin's notification");
    expect(admin.errors).toEqual([]);
    expect(opened(admin.got, "seismic-model", "biology").data.findingChanged).toMatchObject({
      event: { state: "OPEN", severity: "NOT_ISOLATED" },
      finding: { kind: "ISOLATION", state: "OPEN", evidence: { actual: "PROCESS", weakestPair: { shared: "VM vm-2" } } },
    });

    // The tenant hears of its own workload's finding, without the other side's units, and not of biology's.
    await until(() => Boolean(opened(tenant.got, "seismic-model", "biology")), "the tenant's notification");
    const own = opened(tenant.got, "seismic-model", "biology").data.findingChanged;
    expect(own.finding.evidence.weakestPair).toBeUndefined();
    expect(own.finding.evidence.pairCount).toBeUndefined();
    expect(tenant.got.every((m) => m.data.findingChanged.finding.workloadKey === "seismic-model")).toBe(true);
    // biology's pair changed too (one more geology unit next to it): the admin hears of it, geology does not.
    await until(() => admin.got.some((m) => m.data.findingChanged.finding.workloadKey === "genome-pipeline"), "the admin's second notification");
  }, 120_000);

  it("refuses a subscription deeper than an HTTP query may be, before it runs", async () => {
    const nest = (depth: number): string => (depth === 0 ? "key" : `tenant { workloads { nodes { ${nest(depth - 1)} } } }`);
    const deep = `subscription { findingChanged { finding { workload { ${nest(6)} } } } }`;
    const refused = collect(client(ADMIN_TOKEN), deep);
    await until(() => refused.errors.length > 0, "the refusal");
    expect(JSON.stringify(refused.errors[0])).toMatch(/query refused before it ran: its depth is \d+, more than the limit of \d+ \(TENANCY_MAX_DEPTH\)/);
  });

  it("refuses a connection without a valid token", async () => {
    const refused = collect(client("not-a-token"), `subscription { findingChanged { event { change } } }`);
    await until(() => refused.errors.length > 0, "the refusal");
    expect((refused.errors[0] as { code?: number }).code).toBe(4403);
  });
});
