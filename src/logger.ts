import { pino, type Logger } from "pino";
import { currentRequestId } from "./observability/request-context.ts";

/** Structured JSON logs on stdout (pino), one line per event; a request's lines carry its requestId. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "tenancy-scale" },
    mixin() {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
  });
}
