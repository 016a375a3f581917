import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { postJson } from "../../src/cli/post-json.ts";

/*
 * The CLI's POST against bare-socket servers that behave as the service does and as a server
 * that ignores `Expect: 100-continue` does: the body goes only when asked for (or, unasked,
 * after a wait), and a refusal sent before the body is read as the answer, never as an error.
 */
let server: net.Server | null = null;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server whose `answer` sees everything received so far and returns the reply to send, or null to wait for more. */
async function serve(answer: (received: string, socket: net.Socket) => string | null): Promise<{ url: string; received: () => string }> {
  let all = "";
  server = net.createServer((socket) => {
    let received = "";
    socket.on("data", (data) => {
      received += data.toString("latin1");
      all = received;
      const reply = answer(received, socket);
      if (reply !== null) socket.end(reply);
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}/graphql`, received: () => all };
}

const json = (status: string, body: unknown) => {
  const text = JSON.stringify(body);
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${text.length}\r\nConnection: close\r\n\r\n${text}`;
};

describe("postJson", () => {
  it("reads a refusal sent before the body, and never sends the body", async () => {
    const refusal = { errors: [{ message: "request body larger than a sync token's limit of 10 bytes" }] };
    const { url, received } = await serve((text) => (text.includes("\r\n\r\n") ? json("413 Payload Too Large", refusal) : null));
    const answer = await postJson(url, {}, { snapshot: "x".repeat(1_000_000) });
    expect(answer).toEqual({ status: 413, body: refusal });
    expect(received()).toMatch(/expect: 100-continue/i);
    expect(received()).not.toContain("xxxx");
  });

  it("sends the body when asked to continue", async () => {
    const { url, received } = await serve((text, socket) => {
      if (!text.includes("\r\n\r\n")) return null;
      if (!text.includes("HELLO-BODY")) {
        if (!text.endsWith("\r\n\r\n")) return null;
        socket.write("HTTP/1.1 100 Continue\r\n\r\n");
        return null;
      }
      return text.endsWith("}") ? json("200 OK", { data: { ok: true } }) : null;
    });
    expect(await postJson(url, {}, { query: "HELLO-BODY" })).toEqual({ status: 200, body: { data: { ok: true } } });
    expect(received()).toContain('{"query":"HELLO-BODY"}');
  });

  it("sends the body anyway to a server that ignores the expectation", async () => {
    const { url } = await serve((text) => (text.endsWith('"HELLO-BODY"}') ? json("200 OK", { data: { ok: 1 } }) : null));
    expect(await postJson(url, {}, { query: "HELLO-BODY" })).toEqual({ status: 200, body: { data: { ok: 1 } } });
  });

  it("rejects when nothing answers", async () => {
    const { url } = await serve(() => null);
    server!.close();
    await new Promise<void>((resolve) => server!.once("close", resolve));
    server = null;
    await expect(postJson(url, {}, {})).rejects.toThrow(/ECONNREFUSED/);
  });
});
