import { pino, type Logger } from "pino";
import pretty from "pino-pretty";
import { currentTraceId } from "./observability/in-span.ts";
import { currentRequestId } from "./observability/request-context.ts";

/*
 * Logs through pino: one JSON object per line for log collectors when stdout is a file or a
 * pipe (a container, a service manager), human-readable lines (pino-pretty) when it is a
 * terminal, so that `npm start` reads well. A request's lines carry its requestId (and traceId).
 */
export function createLogger(level: string, out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): Logger {
  const options = {
    level,
    base: { service: "tenancy-scale" },
    mixin() {
      const requestId = currentRequestId();
      // With tracing on, a line names its trace too (when the caller's x-request-id is not it).
      const traceId = currentTraceId();
      return { ...(requestId ? { requestId } : {}), ...(traceId && traceId !== requestId ? { traceId } : {}) };
    },
  };
  if (out.isTTY) return pino(options, pretty({ destination: out, sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,service" }));
  return out === process.stdout ? pino(options) : pino(options, out);
}
