import { SpanStatusCode, trace, type Attributes, type Span } from "@opentelemetry/api";

/*
 * The service's own spans (verdict, index load, report scan, sync and its phases). Through
 * @opentelemetry/api only: until the SDK is started (src/observability/start-tracing.ts) the
 * tracer is the API's no-op one, whose spans record nothing and cost a few allocations.
 */
export const tracer = trace.getTracer("tenancy-scale");

/**
 * Runs `work` inside a new span, the current one's child, which ends when `work` returns or
 * its promise settles; a thrown error is recorded on the span and rethrown.
 */
export function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => T): T {
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    try {
      const result = work(span);
      if (result instanceof Promise) {
        const settling: Promise<unknown> = result;
        return settling.then(
          (value) => (span.end(), value),
          (error: unknown) => {
            failed(span, error);
            throw error;
          },
        ) as T;
      }
      span.end();
      return result;
    } catch (error) {
      failed(span, error);
      throw error;
    }
  });
}

function failed(span: Span, error: unknown) {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.end();
}

/** The trace id of the span this code runs in, when one is being recorded (tracing on). */
export function currentTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}
