/*
 * Loaded with `node --import tsx --import ./test/support/in-memory-tracing.ts bin/tenancy.mjs
 * serve`: the service's real tracing start (src/observability/start-tracing.ts), as an operator
 * would preload it, with the spans kept in memory (InMemorySpanExporter) instead of exported.
 * The test asks for them over the child's IPC channel ("spans") and gets them as plain objects.
 */
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { startTracing } from "../../src/observability/start-tracing.ts";

const exporter = new InMemorySpanExporter();
startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

process.on("message", (message) => {
  if (message !== "spans") return;
  process.send!(
    exporter.getFinishedSpans().map((span) => ({
      name: span.name,
      kind: span.kind,
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      parentSpanId: span.parentSpanContext?.spanId ?? null,
      parentIsRemote: span.parentSpanContext?.isRemote ?? false,
      scope: span.instrumentationScope.name,
      attributes: span.attributes,
      status: span.status.code,
      startTime: span.startTime,
      endTime: span.endTime,
    })),
  );
});
// The channel must not keep the service alive once it has stopped.
process.channel?.unref();
