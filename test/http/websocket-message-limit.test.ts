import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../src/request-limits.ts";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";

/*
 * A WebSocket to /graphql is open to anyone until its first message (connection_init) brings a
 * token, so its message size is the one bound on what an unknown caller makes the service hold
 * in memory: without it, ws buffers up to 100 MiB per message, on each of a thousand
 * connections. A message over TENANCY_MAX_WS_MESSAGE_BYTES closes the connection with 1009
 * (message too big) from its frame header, before the payload is read.
 */
let demo: SecuredDemo;
let url: string;
beforeAll(async () => {
  demo = await startSecuredDemo();
  url = demo.service.url.replace(/^http/, "ws");
}, 120_000);
afterAll(() => demo.close());

/** Sends one message of `bytes` on a new connection; the close code and reason the server gives. */
function sendOnce(bytes: number): Promise<{ code: number; reason: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, "graphql-transport-ws");
    const started = Date.now();
    socket.on("open", () => socket.send(Buffer.alloc(bytes, " ")));
    socket.on("close", (code, reason) => resolve({ code, reason: reason.toString(), ms: Date.now() - started }));
    socket.on("error", reject);
  });
}

describe("WebSocket messages", () => {
  it("closes a connection whose message, before any token, is over the limit, with 1009 (message too big)", async () => {
    const closed = await sendOnce(DEFAULT_LIMITS.maxWebSocketMessageBytes + 1);
    expect(closed.code).toBe(1009);
    // Refused as it arrived, not after graphql-ws's wait for a connection_init (3 s).
    expect(closed.ms).toBeLessThan(3_000);
  });

  it("still serves subscriptions whose messages are within it", async () => {
    const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${ADMIN_TOKEN}` }, lazy: false, retryAttempts: 0 });
    const acknowledged = await new Promise<boolean>((resolve) => {
      const unsubscribe = client.subscribe({ query: `subscription { findingChanged { __typename } }` }, { next: () => undefined, error: () => resolve(false), complete: () => resolve(true) });
      client.on("connected", () => {
        unsubscribe();
        resolve(true);
      });
    });
    expect(acknowledged).toBe(true);
    await client.dispose();
  });
});
