import type { ApolloServerPlugin } from "@apollo/server";
import { Counter, Histogram, type Registry } from "prom-client";

/** Distinct operation names kept as label values; later new names count as "other". */
const MAX_OPERATION_NAMES = 100;
/** Error codes that mean the caller was refused rather than the request failing. */
const REFUSED = new Set(["UNAUTHENTICATED", "FORBIDDEN", "RATE_LIMITED", "QUERY_TOO_COSTLY", "TOO_MANY_REQUESTS"]);

/**
 * GraphQL operation duration by operation name, type and outcome (ok, refused, client_error,
 * error), and errors by code. Operation names come from clients, so they are bounded: the first
 * MAX_OPERATION_NAMES distinct names are kept, anonymous operations are "anonymous", documents
 * that do not parse are "invalid".
 */
export function useMetrics(registry: Registry): ApolloServerPlugin {
  const seconds = new Histogram({
    name: "tenancy_graphql_operation_duration_seconds",
    help: "GraphQL operation duration, by operation name, type and outcome.",
    labelNames: ["operation", "type", "outcome"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({ name: "tenancy_graphql_errors_total", help: "Errors returned in GraphQL responses, by extensions.code.", labelNames: ["code"], registers: [registry] });
  const names = new Set<string>();
  const operationLabel = (name: string | null | undefined, parsed: boolean) => {
    if (!parsed) return "invalid";
    if (!name) return "anonymous";
    if (names.has(name) || names.size < MAX_OPERATION_NAMES) return names.add(name), name;
    return "other";
  };
  return {
    async requestDidStart() {
      const stop = seconds.startTimer();
      return {
        async willSendResponse({ response, operation, operationName }) {
          const found = response.body.kind === "single" ? (response.body.singleResult.errors ?? []) : [];
          const codes = found.map((e) => String(e.extensions?.code ?? "UNKNOWN"));
          for (const code of codes) errors.inc({ code });
          const outcome = codes.length === 0 ? "ok" : codes.some((c) => REFUSED.has(c)) ? "refused" : codes.includes("INTERNAL_SERVER_ERROR") ? "error" : "client_error";
          stop({ operation: operationLabel(operationName, operation !== undefined), type: operation?.operation ?? "unknown", outcome });
        },
      };
    },
  };
}
