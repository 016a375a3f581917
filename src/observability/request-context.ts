import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { currentTraceId } from "./in-span.ts";

const storage = new AsyncLocalStorage<{ requestId: string }>();

// What we accept from a caller as an id: short, and nothing that could forge a log line.
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/**
 * The request's id: the caller's `x-request-id` when it is a sane token, else the trace id of
 * its W3C `traceparent`, else (tracing on) the trace id of the request's span, else a new UUID.
 * So a proxy's or a tracer's id carries through, and a traced request is found by its id.
 */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers["x-request-id"];
  if (typeof given === "string" && REQUEST_ID.test(given)) return given;
  const trace = typeof headers.traceparent === "string" ? TRACEPARENT.exec(headers.traceparent.trim()) : null;
  if (trace && !/^0+$/.test(trace[1])) return trace[1];
  return currentTraceId() ?? randomUUID();
}

/** Runs `work` (and everything it awaits) as part of the request `requestId`. */
export function withRequestId<T>(requestId: string, work: () => T): T {
  return storage.run({ requestId }, work);
}

/** Runs background work a request set off (the findings' update) as no request's: its log lines and statements are its own. */
export function outsideRequest<T>(work: () => T): T {
  return storage.exit(work);
}

/** The id of the request this code runs for, if any: for log lines and error extensions. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
