import { register } from "node:module";
import type { Span } from "@opentelemetry/api";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { GraphQLInstrumentation } from "@opentelemetry/instrumentation-graphql";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { redactPathSecret } from "../http/path-secret.ts";

/*
 * The OpenTelemetry SDK, started (preload-tracing.ts, which bin/tenancy.mjs imports before the
 * service) only when tracing is wanted (tracing-wanted.ts): otherwise this module is never
 * loaded, and the service's own spans (in-span.ts) go to @opentelemetry/api's no-op tracer.
 *
 * It must run before `pg`, `graphql` and `node:http` are first imported: the service is ESM,
 * so the instrumentations see those modules through import-in-the-middle's loader hook, which
 * only wraps modules imported after it is registered. Anything that starts the service another
 * way preloads preload-tracing.ts (or, a test, calls startTracing()) with `node --import`.
 *
 * Traces only: the service's metrics stay on prom-client (/metrics), and its logs on stdout.
 * The exporter comes from the standard OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_TRACES_SAMPLER, OTEL_SERVICE_NAME, …).
 */

/** The modules whose imports the loader hook wraps: only those instrumented, so the rest load as before. */
const HOOKED = ["pg", "pg-pool", "graphql", "http", "node:http", "https", "node:https"];

export interface TracingOptions {
  /** Where spans go instead of the exporter the OTEL_* variables name (tests: an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

/** The span attributes that carry a request's path: a scheduler token in it must not reach a trace backend. */
const PATH_ATTRIBUTES = ["http.target", "http.url", "url.path", "url.full", "url.query"];

function redactSecretAttributes(span: Span): void {
  const attributes = (span as Partial<ReadableSpan>).attributes ?? {};
  for (const key of PATH_ATTRIBUTES) {
    const value = attributes[key];
    if (typeof value === "string") span.setAttribute(key, redactPathSecret(value));
  }
}

let started: (() => Promise<void>) | null = null;

/**
 * Starts the SDK (once: a second call, say bin/tenancy.mjs after a test's preload, gets the
 * first's); the returned function flushes the spans still buffered and stops it.
 */
export function startTracing(options: TracingOptions = {}): () => Promise<void> {
  if (started) return started;
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url, { data: { include: HOOKED } });
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? "tenancy-scale",
    spanProcessors: options.spanProcessors,
    // Metrics stay on prom-client and logs on stdout: no OTLP metric or log exporters.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      // Health checks and scrapes every few seconds would drown the traces that matter.
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => /^\/(healthz|readyz|metrics)\b/.test(request.url ?? ""),
        requestHook: redactSecretAttributes,
      }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      // Resolvers that only read a field of their parent would be most of the spans.
      new GraphQLInstrumentation({ ignoreTrivialResolveSpans: true, mergeItems: true }),
    ],
  });
  sdk.start();
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= sdk.shutdown().catch(() => undefined));
  // `tenancy serve` ends by letting the event loop empty: export what is left first.
  process.once("beforeExit", () => void stop());
  return (started = stop);
}
