import { context, trace, type Span } from "@opentelemetry/api";
import type { SyncOptions, SyncResult } from "../inventory/sync-inventory.ts";
import { BoundedLabel } from "./bounded-label.ts";
import { inSpan, tracer } from "./in-span.ts";
import { serviceMetrics } from "./service-metrics.ts";

/** Distinct source names kept as label values: sources are pushed by callers, so bounded. */
const sources = new BoundedLabel(200);

/**
 * One sync as a span (tenancy.sync) whose phases, as the sync reports them through onProgress,
 * are child spans laid end to end; its statements are children of tenancy.sync and fall in
 * their phase's time. A sync that is not a dry run is timed and its writes counted.
 */
export function observeSync(document: unknown, options: SyncOptions, run: (options: SyncOptions) => Promise<SyncResult>): Promise<SyncResult> {
  const named = (document as { source?: unknown })?.source;
  const attributes = { "tenancy.source": typeof named === "string" ? named : "", "tenancy.sync.dry_run": options.dryRun === true };
  return inSpan("tenancy.sync", attributes, async (span) => {
    const started = performance.now();
    const phases = phaseSpans(span);
    const onProgress = (phase: string) => (phases.next(phase), options.onProgress?.(phase));
    const result = await run({ ...options, onProgress }).finally(() => phases.next(null));
    span.setAttributes({ "tenancy.sync.status": result.status, "tenancy.sync.created": result.totals.created, "tenancy.sync.updated": result.totals.updated, "tenancy.sync.removed": result.totals.removed });
    if (!options.dryRun && result.source !== null) {
      const source = sources.of(result.source);
      serviceMetrics.syncSeconds.observe({ source, status: result.status }, (performance.now() - started) / 1000);
      for (const change of ["created", "updated", "removed"] as const) serviceMetrics.syncObjectsWritten.inc({ source, change }, result.totals[change]);
    }
    return result;
  });
}

/** Each phase a child of `parent`, ending when the next starts (or at null). */
function phaseSpans(parent: Span) {
  let current: Span | null = null;
  const within = trace.setSpan(context.active(), parent);
  return {
    next(phase: string | null) {
      current?.end();
      current = phase === null || phase === "done" ? null : tracer.startSpan(`tenancy.sync.phase ${phase.replace(/ \(\d+\)$/, "")}`, {}, within);
    },
  };
}
