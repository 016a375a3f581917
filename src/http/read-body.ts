import type http from "node:http";
import { requestsInProgress } from "../isolation/requests-in-progress.ts";

export type BodyRead = { kind: "ok"; body: Buffer } | { kind: "too large" } | { kind: "too slow" };

/**
 * Reads a request body of at most `limit` bytes within `timeoutMs`. It stops reading as soon as
 * the body is known to be too large (a Content-Length over the limit refuses it before a byte is
 * read) or too slow, so neither a huge body nor one trickled in holds memory or a connection;
 * the caller answers and closes the connection.
 *
 * A client that sent `Expect: 100-continue` (the `tenancy` CLI, curl for large bodies) is told
 * to send its body only here, once its Content-Length is within the caller's limit (the server
 * hands such requests over without answering 100 itself: create-server.ts). Refused, it gets
 * the 413 before it has written a byte of the body, so it reads the answer rather than a broken
 * pipe from writing into a connection the service closed.
 *
 * While the body arrives the request is not in progress (requests-in-progress.ts): background
 * work runs at full speed meanwhile, however slowly a client sends.
 */
export function readBody(request: http.IncomingMessage, response: http.ServerResponse, limit: number, timeoutMs: number): Promise<BodyRead> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ kind: "too large" });
  if (/^100-continue$/i.test(request.headers.expect ?? "")) response.writeContinue();
  const read = new Promise<BodyRead>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyRead | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.off("data", onData).off("end", onEnd).off("error", finish);
      if (result instanceof Error) return reject(result);
      if (result.kind !== "ok") request.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish({ kind: "too large" });
      else chunks.push(chunk);
    };
    const onEnd = () => finish({ kind: "ok", body: Buffer.concat(chunks) });
    // Timers run before pending input is read: after the event loop was held up past the
    // deadline, give a body that has in fact arrived one turn to be read before refusing it.
    const timer = setTimeout(() => setImmediate(() => finish({ kind: "too slow" })), timeoutMs);
    request.on("data", onData).on("end", onEnd).on("error", finish);
  });
  return requestsInProgress.awaitingClient(request, read);
}
