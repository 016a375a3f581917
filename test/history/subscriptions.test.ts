import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSnapshots, loadDemoInventory } from "../../src/inventory/demo-inventory.ts";
import type { RunningService } from "../../src/service.ts";
import { DEFAULT_LIMITS } from "../../src/request-limits.ts";
import { ScrapedMetrics } from "../support/scraped-metrics.ts";
import { ADMIN_TOKEN } from "../support/secured-demo.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * findingChanged over a real WebSocket (graphql-ws): a client on one replica sees a finding
 * open after a sync through the other; a tenant token may not subscribe (findings are
 * operators'); a connection without a valid token is refused, one whose token is revoked is
 * closed; only subscriptions run over WebSocket; closed subscriptions leave nothing behind; the
 * caps and the rate hold.
 */
let t: TestDatabase;
let replicas: RunningService[];
let geology: string;
let biology: string;
let compliance: string;
const clients: Client[] = [];
beforeAll(async () => {
  t = await createTestDatabase();
  await loadDemoInventory(t.db.sql);
  replicas = [await startTestService(t.url, { adminToken: ADMIN_TOKEN }), await startTestService(t.url, { adminToken: ADMIN_TOKEN })];
  geology = await createToken(replicas[0].url, ADMIN_TOKEN, { name: "geology-reader", role: "TENANT", tenant: "geology" });
  biology = await createToken(replicas[0].url, ADMIN_TOKEN, { name: "biology-reader", role: "TENANT", tenant: "biology" });
  compliance = await createToken(replicas[0].url, ADMIN_TOKEN, { name: "auditor", role: "COMPLIANCE" });
}, 120_000);
afterAll(async () => {
  for (const client of clients) await client.dispose();
  for (const replica of replicas) await replica.close();
  await t.drop();
});

function client(token: string, url = replicas[0].url) {
  const c = createClient({ url: url.replace("http://", "ws://"), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: true });
  clients.push(c);
  return c;
}

/** Collects what a subscription yields; `ready` resolves once the server has it. */
function collect(c: Client, query: string) {
  const got: any[] = [];
  const errors: unknown[] = [];
  const unsubscribe = c.subscribe({ query }, { next: (value) => got.push(value), error: (error) => errors.push(error), complete: () => undefined });
  return { got, errors, unsubscribe };
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

const untilAsync = async (check: () => Promise<boolean>, what: string) => {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** What a replica holds for subscriptions now, from its /metrics. */
async function liveOn(url: string) {
  const scrape = new ScrapedMetrics(await fetch(url.replace("/graphql", "/metrics"), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).then((r) => r.text()));
  return { open: scrape.value("tenancy_subscriptions_open"), listeners: scrape.value("tenancy_finding_feed_listeners") };
}

describe("findingChanged over graphql-ws", () => {
  it("tells a client on one replica of a finding a sync through the other replica opened", async () => {
    const SUB = `subscription { findingChanged(filter: { kind: ISOLATION }) { event { change state severity } finding { id kind workloadKey tenantKey state evidence } } }`;
    const admin = collect(client(ADMIN_TOKEN), SUB);
    // Findings are operators': a tenant would learn the other side's tenant and units from the event.
    const LEAKY = `subscription { findingChanged { event { evidence } finding { tenantKey evidence history { nodes { evidence } } } } }`;
    const tenants = [collect(client(biology), LEAKY), collect(client(geology), LEAKY)];
    // Let the subscriptions reach the server before the change. subscriptions reach the server before the change.
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

    // biology's pair changed too (one more geology unit next to it): the admin hears of it.
    await until(() => admin.got.some((m) => m.data.findingChanged.finding.workloadKey === "genome-pipeline"), "the admin's second notification");
    for (const tenant of tenants) {
      expect(tenant.got.filter((m) => m.data)).toEqual([]);
      expect(JSON.stringify(tenant.got)).toMatch(/FORBIDDEN/);
    }
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

  it("closes the connection of a token revoked while it is open (4403), and runs nothing more for it", async () => {
    const secret = await createToken(replicas[0].url, ADMIN_TOKEN, { name: "soon-revoked", role: "COMPLIANCE" });
    const c = client(secret);
    const closed: number[] = [];
    c.on("closed", (event) => closed.push((event as { code: number }).code));
    let connected = false;
    c.on("connected", () => (connected = true));
    const sub = collect(c, `subscription { findingChanged { event { change } } }`);
    await until(() => connected, "the connection");
    expect(sub.errors).toEqual([]);
    // Revoked through the other replica: this one hears of it by NOTIFY.
    const revoked = await gqlAs(replicas[1].url, ADMIN_TOKEN, `mutation { revokeApiToken(name: "soon-revoked") { userErrors { message } } }`);
    expect(revoked.body.data.revokeApiToken.userErrors).toEqual([]);
    await until(() => closed.length > 0, "the close");
    expect(closed[0]).toBe(4403);
    expect((await gqlAs(replicas[0].url, secret, `{ __typename }`)).status).toBe(401);
  });

  it("runs only subscriptions over WebSocket: a query or a mutation is refused before it runs", async () => {
    const c = client(ADMIN_TOKEN);
    const query = collect(c, `{ tenants(first: 1) { nodes { key } } }`);
    const mutation = collect(c, `mutation { revokeApiToken(name: "auditor") { userErrors { message } } }`);
    await until(() => query.errors.length > 0 && mutation.errors.length > 0, "the refusals");
    expect(query.got).toEqual([]);
    expect(JSON.stringify(query.errors)).toMatch(/only subscriptions are served over WebSocket, not a query/);
    expect(JSON.stringify(mutation.errors)).toMatch(/only subscriptions are served over WebSocket, not a mutation/);
    // The auditor's token is still active.
    expect((await gqlAs(replicas[0].url, compliance, `{ __typename }`)).status).toBe(200);
  });

  it("leaves no subscription and no feed listener behind after many subscribe/close cycles", async () => {
    const SUB = `subscription { findingChanged { event { change } } }`;
    const live = () => liveOn(replicas[0].url);
    const before = await live();
    for (let round = 0; round < 10; round++) {
      // Each connection subscribes up to its cap, then half are completed by the client and the rest go with the socket.
      const c = createClient({ url: replicas[0].url.replace("http://", "ws://"), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${compliance}` }, retryAttempts: 0 });
      const subs = Array.from({ length: 20 }, () => collect(c, SUB));
      // All of them live on the server (so the gauges do count them) before any is closed.
      await untilAsync(async () => (await live()).listeners >= before.listeners + subs.length, "the subscriptions to be live");
      for (const sub of subs.slice(0, subs.length / 2)) sub.unsubscribe();
      await c.dispose();
      for (const sub of subs) expect(sub.errors).toEqual([]);
    }
    // Closing is asynchronous (the server hears the close, then returns each subscription): wait for it, then compare.
    await untilAsync(async () => JSON.stringify(await live()) === JSON.stringify(before), "the subscriptions to be released").catch(() => undefined);
    expect(await live()).toEqual(before);
  });

  it("caps the subscriptions of a connection and of a token, and counts each subscribe against the token's rate", async () => {
    const limits = { ...DEFAULT_LIMITS, requestsPerSecond: { admin: 0, compliance: 0, tenant: 0, sync: 0, scheduler: 0 }, unauthenticatedPerMinute: 0, maxSubscriptionsPerConnection: 3, maxSubscriptionsPerToken: 5 };
    const capped = await startTestService(t.url, { adminToken: ADMIN_TOKEN, limits });
    const rated = await startTestService(t.url, { adminToken: ADMIN_TOKEN, limits: { ...limits, requestsPerSecond: { ...limits.requestsPerSecond, compliance: 2 } } });
    try {
      const SUB = `subscription { findingChanged { event { change } } }`;
      // One connection: the fourth is refused, the first three live on.
      const c = client(compliance, capped.url);
      const onConnection = Array.from({ length: 4 }, () => collect(c, SUB));
      await untilAsync(async () => (await liveOn(capped.url)).open === 3 && onConnection.some((s) => s.errors.length > 0), "the connection's cap");
      expect(onConnection.filter((s) => s.errors.length > 0)).toHaveLength(1);
      expect(JSON.stringify(onConnection.find((s) => s.errors.length > 0)!.errors)).toMatch(/a connection may hold 3 subscriptions at once \(TENANCY_MAX_SUBSCRIPTIONS_PER_CONNECTION\)/);
      // The same token over other connections: 3 + 2 live, the sixth is refused.
      const others = Array.from({ length: 3 }, () => collect(client(compliance, capped.url), SUB));
      await untilAsync(async () => (await liveOn(capped.url)).open === 5 && others.some((s) => s.errors.length > 0), "the token's cap");
      expect(others.filter((s) => s.errors.length > 0)).toHaveLength(1);
      expect(JSON.stringify(others.find((s) => s.errors.length > 0)!.errors)).toMatch(/a token may hold 5 subscriptions at once on this replica \(TENANCY_MAX_SUBSCRIPTIONS_PER_TOKEN\)/);
      // Another token is not held back by the auditor's.
      const admin = collect(client(ADMIN_TOKEN, capped.url), SUB);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(admin.errors).toEqual([]);

      // 2 per second: of 6 subscribes at once (each on its own connection, under the caps), some are refused.
      const burst = Array.from({ length: 6 }, () => collect(client(compliance, rated.url), SUB));
      await until(() => burst.filter((s) => s.errors.length > 0).length >= 4, "the rate limit");
      expect(JSON.stringify(burst.map((s) => s.errors))).toMatch(/a compliance token may send 2 requests per second \(TENANCY_RATE_LIMIT_COMPLIANCE\)/);
    } finally {
      await capped.close();
      await rated.close();
    }
  });
});
