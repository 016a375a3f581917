import http from "node:http";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemoInventory } from "../../src/inventory/demo-inventory.ts";
import type { RunningService } from "../../src/service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";

/*
 * The tokenless loopback admin (no TENANCY_ADMIN_TOKEN, no token yet) as a hostile web page
 * would reach it: by DNS rebinding (a name of the attacker's that resolves to 127.0.0.1, so the
 * browser sends that name as Host) over HTTP and WebSocket, and by cross-site WebSocket
 * hijacking (a page of another origin opening ws://127.0.0.1:PORT/graphql), and by a simple
 * cross-site POST (text/plain, which a page sends without a preflight). All are refused;
 * the same calls from localhost itself still answer.
 */
let t: TestDatabase;
let open: RunningService;
let port: number;
beforeAll(async () => {
  t = await createTestDatabase();
  await loadDemoInventory(t.db.sql);
  open = await startTestService(t.url);
  port = Number(new URL(open.url).port);
}, 120_000);
afterAll(async () => {
  await open.close();
  await t.drop();
});

/** POST /graphql with no token, under the given Host header. */
function postAs(host: string, query: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query });
    const request = http.request({ host: "127.0.0.1", port, path: "/graphql", method: "POST", headers: { host, "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => (text += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

/** Opens a WebSocket to /graphql with these headers; the upgrade's HTTP status, or 101. */
function upgrade(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, "graphql-transport-ws", { headers });
    socket.on("upgrade", () => {
      socket.close();
      resolve(101);
    });
    socket.on("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
    socket.on("error", reject);
  });
}

const POLICY = `mutation { setIsolationPolicy(sameTenant: PROCESS, sameOrganization: PROCESS, otherOrganization: PROCESS, comment: "rebound") { __typename } }`;

describe("the loopback admin, reached by a hostile page", () => {
  it("answers as admin to localhost by name, not to a rebound name (DNS rebinding)", async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await postAs(host, `{ viewer { role } }`)).body.data.viewer).toEqual({ role: "ADMIN" });
    }
    const rebound = await postAs(`rebind.evil.example:${port}`, POLICY);
    expect(rebound.status).toBe(401);
    expect(rebound.body.data).toBeUndefined();
    expect((await postAs("localhost.evil.example", `{ viewer { role } }`)).status).toBe(401);
  });

  it("refuses a WebSocket upgrade from a page of another origin (cross-site WebSocket hijacking)", async () => {
    expect(await upgrade({ origin: "https://evil.example" })).toBe(403);
    expect(await upgrade({ origin: "null" })).toBe(403);
    // Its own page, and a client that is not a browser (no Origin), may.
    expect(await upgrade({ origin: `http://127.0.0.1:${port}` })).toBe(101);
    expect(await upgrade({})).toBe(101);
  });

  it("closes a WebSocket under a rebound Host before any operation (4403)", async () => {
    const client = createClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: class extends WebSocket {
        constructor(url: string, protocols: string) {
          super(url, protocols, { headers: { host: `rebind.evil.example:${port}` } });
        }
      },
      retryAttempts: 0,
      lazy: true,
    });
    const errors: unknown[] = [];
    client.subscribe({ query: `subscription { findingChanged { event { change } } }` }, { next: () => undefined, error: (error) => errors.push(error), complete: () => undefined });
    for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((errors[0] as { code?: number }).code).toBe(4403);
    await client.dispose();
  });

  it("refuses a cross-site chat command (text/plain needs no preflight): no saved query runs as the loopback admin", async () => {
    const local = `localhost:${port}`;
    expect((await postAs(local, `mutation { saveQuery(name: "spread", document: "{ viewer { actor } }") { userErrors { message } } }`)).body.data.saveQuery.userErrors).toEqual([]);
    const forged = await fetch(`http://127.0.0.1:${port}/chatops`, { method: "POST", headers: { "content-type": "text/plain;charset=UTF-8", origin: "https://evil.example" }, body: JSON.stringify({ text: "run spread" }) });
    expect(forged.status).toBe(415);
    const runs = await postAs(local, `{ savedQuery(name: "spread") { runs { totalCount } } }`);
    expect(runs.body.data.savedQuery.runs.totalCount).toBe(0);
    // A bot that says it sends JSON is answered as before.
    const bot = await fetch(`http://127.0.0.1:${port}/chatops`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "run spread" }) });
    expect(bot.status).toBe(200);
    expect(((await bot.json()) as { ok: boolean }).ok).toBe(true);
  });
});
