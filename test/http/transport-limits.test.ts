import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, type RequestLimits } from "../../src/request-limits.ts";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import { createToken, gqlAs } from "../support/token-client.ts";
import { rawExchange } from "../support/raw-http.ts";

/*
 * The transport, attacked over plain sockets (as a script would, not a polite client): bodies
 * too large or trickled, headers trickled, connections hoarded, requests flooded. Limits are
 * set small here so each test is quick; the defaults are in src/request-limits.ts.
 */
const limits: RequestLimits = {
  ...DEFAULT_LIMITS,
  bodyBytes: { ...DEFAULT_LIMITS.bodyBytes, sync: 2 * 1024 * 1024 },
  bodyTimeoutMs: { admin: 1_000, compliance: 1_000, tenant: 1_000, sync: 1_000, scheduler: 1_000 },
  headersTimeoutMs: 1_000,
  maxConnections: 8,
  requestsPerSecond: { admin: 0, compliance: 5, tenant: 5, sync: 5, scheduler: 5 },
  unauthenticatedPerMinute: 5,
  deadlineMs: { admin: 120_000, compliance: 120_000, tenant: 120_000, sync: 300_000, scheduler: 120_000 },
};
let demo: SecuredDemo;
let port: number;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  demo = await startSecuredDemo({ limits });
  port = Number(new URL(demo.service.url).port);
  tokens.tenant = await createToken(demo.service.url, ADMIN_TOKEN, { name: "geology-team", role: "TENANT", tenant: "geology" });
  tokens.sync = await createToken(demo.service.url, ADMIN_TOKEN, { name: "campus-sync", role: "SYNC", sources: ["big-source"] });
  tokens.compliance = await createToken(demo.service.url, ADMIN_TOKEN, { name: "audit", role: "COMPLIANCE" });
});
afterAll(() => demo.close());

const post = (token: string, extra = "") => `POST /graphql HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n${extra}`;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("request bodies", () => {
  it("refuses a tenant's 200 MB body from its Content-Length, before reading it", async () => {
    const reply = await rawExchange(port, async (socket) => {
      socket.write(post(tokens.tenant, `Content-Length: ${200 * 1024 * 1024}\r\n\r\n`));
      socket.write("{".repeat(64 * 1024));
    });
    expect(reply.text).toMatch(/^HTTP\/1.1 413/);
    expect(reply.text).toMatch(/"code":"PAYLOAD_TOO_LARGE"/);
    expect(reply.text).toMatch(/a tenant token's limit of 65536 bytes \(TENANCY_MAX_BODY_BYTES_TENANT\)/);
    expect(reply.closed).toBe(true);
  });

  it("answers 413 to `Expect: 100-continue` over the limit without asking for the body", async () => {
    const reply = await rawExchange(port, async (socket) => {
      socket.write(post(tokens.tenant, `Content-Length: ${10 * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n`));
    });
    expect(reply.text).not.toMatch(/100 Continue/);
    expect(reply.text).toMatch(/^HTTP\/1.1 413/);
    expect(reply.text).toMatch(/a tenant token's limit of 65536 bytes/);
    expect(reply.closed).toBe(true);
  });

  it("asks for a body within the limit with 100 Continue, then answers it", async () => {
    const body = JSON.stringify({ query: "{ viewer { role } }" });
    let continued = false;
    const reply = await rawExchange(port, async (socket) => {
      socket.write(post(tokens.tenant, `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`));
      await new Promise<void>((resolve) => socket.once("data", () => resolve()));
      continued = true;
      socket.write(body);
    });
    expect(continued).toBe(true);
    expect(reply.text).toMatch(/^HTTP\/1.1 100 Continue\r\n\r\nHTTP\/1.1 200/);
    expect(reply.text).toContain('"role":"TENANT"');
  });

  it("stops reading a chunked body once it passes the limit, and closes the connection", async () => {
    let sent = 0;
    const reply = await rawExchange(port, async (socket) => {
      socket.write(post(tokens.tenant, "Transfer-Encoding: chunked\r\n\r\n"));
      const chunk = Buffer.alloc(16 * 1024, "a");
      // An endless body: the loop stops when the server closes the connection (bounded anyway).
      for (let i = 0; i < 4096 && !socket.destroyed && socket.writable; i++) {
        socket.write(`${chunk.length.toString(16)}\r\n`);
        socket.write(chunk);
        socket.write("\r\n");
        sent += chunk.length;
        if (socket.writableLength > 1024 * 1024) await wait(10);
      }
    });
    expect(reply.text).toMatch(/^HTTP\/1.1 413/);
    expect(reply.closed).toBe(true);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it("lets a sync token send a snapshot larger than any other role may", async () => {
    const hosts = Array.from({ length: 4000 }, (_, i) => ({ id: `big-host-${i}`, datacenter: "ams1" }));
    const snapshot = { source: "big-source", hosts };
    expect(JSON.stringify(snapshot).length).toBeGreaterThan(DEFAULT_LIMITS.bodyBytes.tenant * 2);
    const sync = await gqlAs(demo.service.url, tokens.sync, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: snapshot });
    expect(sync.body.data.syncInventory.status).toBe("APPLIED");
    const tenant = await gqlAs(demo.service.url, tokens.tenant, `query($s: JSON) { __typename }`, { s: snapshot }).catch((e: Error) => e);
    expect(tenant instanceof Error ? "connection closed" : tenant.status).toSatisfy((s: unknown) => s === 413 || s === "connection closed");
  });

  it("drops a body trickled in, after its role's body time", async () => {
    const started = Date.now();
    const reply = await rawExchange(port, async (socket) => {
      socket.write(post(tokens.tenant, "Content-Length: 1000\r\n\r\n"));
      for (let i = 0; i < 100 && !socket.destroyed; i++) {
        socket.write("{");
        await wait(100);
      }
    });
    expect(reply.text).toMatch(/^HTTP\/1.1 408/);
    expect(reply.text).toMatch(/"code":"REQUEST_TIMEOUT"/);
    expect(reply.closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("drops headers trickled in after the headers timeout", async () => {
    const started = Date.now();
    const reply = await rawExchange(port, async (socket) => {
      socket.write("POST /graphql HTTP/1.1\r\nHost: localhost\r\n");
      for (let i = 0; i < 100 && !socket.destroyed; i++) {
        socket.write(`X-Slow-${i}: 1\r\n`);
        await wait(100);
      }
    });
    expect(reply.closed).toBe(true);
    expect(reply.text).toMatch(/^(HTTP\/1.1 408|$)/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("connections and rates", () => {
  it("caps open connections and keeps serving once they go", async () => {
    const hoard: net.Socket[] = [];
    try {
      for (let i = 0; i < limits.maxConnections; i++) {
        const socket = net.connect(port, "127.0.0.1");
        await new Promise((resolve) => socket.once("connect", resolve));
        hoard.push(socket);
      }
      await wait(100);
      const extra = await rawExchange(port, async (socket) => void socket.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"));
      expect(extra.closed).toBe(true);
      expect(extra.text).toBe("");
    } finally {
      for (const socket of hoard) socket.destroy();
    }
    await wait(100);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it("answers a token over its rate with 429 and Retry-After, and other tokens are not slowed", async () => {
    const burst = await Promise.all(Array.from({ length: 12 }, () => fetchAs(tokens.tenant, "{ viewer { role } }")));
    const limited = burst.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(12 - limits.requestsPerSecond.tenant);
    expect(Number(limited[0].headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await limited[0].json()) as any;
    expect(body.errors[0].extensions.code).toBe("RATE_LIMITED");
    expect(body.errors[0].message).toMatch(/a tenant token may send 5 requests per second \(TENANCY_RATE_LIMIT_TENANT\)/);
    expect((await fetchAs(tokens.compliance, "{ viewer { role } }")).status).toBe(200);
    await wait(1_100);
    expect((await fetchAs(tokens.tenant, "{ viewer { role } }")).status).toBe(200);
  });

  it("slows down an address that keeps guessing tokens, and only its guesses", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < limits.unauthenticatedPerMinute + 2; i++) statuses.push((await fetchAs(`guess-${i}`, "{ __typename }")).status);
    expect(statuses.slice(0, limits.unauthenticatedPerMinute)).toEqual(Array(limits.unauthenticatedPerMinute).fill(401));
    expect(statuses.slice(limits.unauthenticatedPerMinute)).toEqual([429, 429]);
    // Callers with a valid token share that address behind a proxy or an ingress: they are still answered.
    expect((await fetchAs(tokens.compliance, "{ viewer { role } }")).status).toBe(200);
    expect((await fetchAs(ADMIN_TOKEN, "{ viewer { role } }")).status).toBe(200);
    expect((await fetchAs("guess-again", "{ __typename }")).status).toBe(429);
  });
});

function fetchAs(token: string, query: string) {
  return fetch(demo.service.url, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ query }) });
}
