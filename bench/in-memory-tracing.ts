/*
 * Preloaded (`--import`) into the bench's traced service: the service's real tracing start with
 * the production span pipeline (a batch processor) ending in an InMemorySpanExporter that is
 * emptied every second, so the comparison pays for making, batching and handing over every span
 * but not for a network or an unbounded heap.
 */
import { BatchSpanProcessor, InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { startTracing } from "../src/observability/start-tracing.ts";

const exporter = new InMemorySpanExporter();
startTracing({ spanProcessors: [new BatchSpanProcessor(exporter)] });
setInterval(() => exporter.reset(), 1000).unref();
