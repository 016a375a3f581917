import { childEnv, startServe, type ServeProcess } from "./cli-process.ts";

/** A span as test/support/in-memory-tracing.ts hands it over the IPC channel. */
export interface ExportedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  parentIsRemote: boolean;
  scope: string;
  attributes: Record<string, unknown>;
  status: number;
}

/** `tenancy serve` with tracing preloaded and its spans kept in memory (never an OTLP endpoint). */
export function startTracedServe(env: Record<string, string | undefined>): Promise<ServeProcess> {
  const otelOff = { OTEL_EXPORTER_OTLP_ENDPOINT: undefined, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined };
  return startServe(childEnv({ PORT: "0", HOST: "127.0.0.1", ...env, ...otelOff }), 120_000, ["tsx", "./test/support/in-memory-tracing.ts"]);
}

/** Every span the service has finished so far. */
export function finishedSpans(serve: ServeProcess): Promise<ExportedSpan[]> {
  return new Promise((resolve) => {
    serve.child.once("message", (message) => resolve(message as ExportedSpan[]));
    serve.child.send("spans");
  });
}

/** The span and its ancestors among `spans`, nearest first. */
export function ancestry(spans: ExportedSpan[], span: ExportedSpan): ExportedSpan[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const chain = [span];
  for (let parent = byId.get(span.parentSpanId ?? ""); parent; parent = byId.get(parent.parentSpanId ?? "")) chain.push(parent);
  return chain;
}
