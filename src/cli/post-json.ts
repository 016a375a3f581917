import http from "node:http";
import https from "node:https";

/*
 * One JSON POST from the CLI to the service, on node:http rather than fetch, for one reason:
 * `Expect: 100-continue`. A snapshot can be larger than the service takes; the service then
 * answers 413 and closes the connection. A client that writes the body at once races that
 * close and may see only a broken pipe (EPIPE, or a reset that drops the 413 it was sent).
 * This one sends the headers first and the body only when the service says to continue
 * (src/http/read-body.ts), so a refusal always arrives as an answer. A server or proxy that
 * ignores the expectation gets the body after CONTINUE_WAIT_MS, as curl does.
 */
export interface JsonAnswer {
  status: number;
  /** The parsed body, or null when it is not JSON. */
  body: unknown;
}

const CONTINUE_WAIT_MS = 1_000;

/** Rejects only when no answer came (the service cannot be reached, or closed without one). */
export function postJson(target: string, headers: Record<string, string>, payload: unknown): Promise<JsonAnswer> {
  const body = Buffer.from(JSON.stringify(payload));
  const url = new URL(target);
  const transport = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", accept: "application/json", "content-length": String(body.length), expect: "100-continue" },
    });
    let sent = false;
    const send = () => {
      if (sent) return;
      sent = true;
      clearTimeout(timer);
      request.end(body);
    };
    const timer = setTimeout(send, CONTINUE_WAIT_MS);
    request.on("continue", send);
    request.on("response", (response) => {
      clearTimeout(timer);
      // Answered without asking for the body (a refusal): the body is never sent, and the
      // connection, which has a request half written on it, is dropped once the answer is read.
      const refused = !sent;
      sent = true;
      readAnswer(response).then((answer) => {
        if (refused) request.destroy();
        resolve(answer);
      }, reject);
    });
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function readAnswer(response: http.IncomingMessage): Promise<JsonAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.on("error", reject);
    response.on("end", () => {
      resolve({ status: response.statusCode ?? 0, body: parsedOrNull(Buffer.concat(chunks).toString("utf8")) });
    });
  });
}

function parsedOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
