import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from "@apollo/server";
import type { GraphQLFormattedError } from "graphql";
import { Counter, Histogram, type Registry } from "prom-client";
import { BoundedLabel } from "../../observability/bounded-label.ts";

/** Distinct operation names kept as label values; later new names count as "other". */
const MAX_OPERATION_NAMES = 100;
/** Error codes that mean the caller was refused rather than the request failing. */
const REFUSED = new Set(["UNAUTHENTICATED", "FORBIDDEN", "RATE_LIMITED", "QUERY_TOO_COMPLEX", "TOO_MANY_REQUESTS"]);
/** The limits a QUERY_TOO_COMPLEX refusal names (src/graphql/plugins/query-limits.ts); anything else is "other". */
const LIMITS = new Set(["cost", "depth", "number of aliases", "number of directives", "tokens"]);

/**
 * GraphQL operation duration by operation name, type and outcome (ok, refused, client_error,
 * error), errors by code, and refusals for a shape or cost limit by limit. Operation names come
 * from clients, so they are bounded: the first MAX_OPERATION_NAMES distinct names are kept,
 * anonymous operations are "anonymous", documents that do not parse are "invalid".
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
  const refusals = new Counter({
    name: "tenancy_graphql_refusals_total",
    help: "Operations refused before they ran for a limit of their shape or cost (QUERY_TOO_COMPLEX), by limit.",
    labelNames: ["limit"],
    registers: [registry],
  });
  const names = new BoundedLabel(MAX_OPERATION_NAMES);
  const operationLabel = (name: string | null | undefined, parsed: boolean) => (!parsed ? "invalid" : !name ? "anonymous" : names.of(name));
  // Per operation: one clock read at each end and one observation; the error walk only when
  // there are errors. No async functions, timer closures or label merges (startTimer's), since
  // this runs on every request, verdicts included.
  const listener = (started: number): GraphQLRequestListener<BaseContext> => ({
    willSendResponse({ response, operation, operationName }) {
      const found = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
      const outcome = found?.length ? outcomeOf(found, errors, refusals) : "ok";
      seconds.observe({ operation: operationLabel(operationName, operation !== undefined), type: operation?.operation ?? "unknown", outcome }, (performance.now() - started) / 1000);
      return DONE;
    },
  });
  return {
    requestDidStart: () => Promise.resolve(listener(performance.now())),
  };
}

const DONE = Promise.resolve();

/** Counts the errors by code and the limit refusals; the operation's outcome. */
function outcomeOf(found: readonly GraphQLFormattedError[], errors: Counter<"code">, refusals: Counter<"limit">): string {
  const codes = found.map((e) => String(e.extensions?.code ?? "UNKNOWN"));
  for (const code of codes) errors.inc({ code });
  for (const error of found) {
    const limit = String(error.extensions?.limit);
    if (error.extensions?.code === "QUERY_TOO_COMPLEX") refusals.inc({ limit: LIMITS.has(limit) ? limit : "other" });
  }
  return codes.some((c) => REFUSED.has(c)) ? "refused" : codes.includes("INTERNAL_SERVER_ERROR") ? "error" : "client_error";
}
