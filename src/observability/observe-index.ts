import type { FleetReport } from "../domain/fleet-report-rows.ts";
import type { Topology } from "../domain/topology.ts";
import type { Span } from "@opentelemetry/api";
import { inSpan } from "./in-span.ts";
import { serviceMetrics } from "./service-metrics.ts";

/*
 * Times a reload of the isolation index (as a span too), counts it in progress, and records the
 * index's size, version and an estimate of its heap.
 */
export function observeIndexLoad<T extends { topology: Topology; version: number }>(load: () => Promise<T>): Promise<T> {
  const { indexReloadSeconds, indexReloadsInProgress, indexHeapBytes, indexInventoryVersion } = serviceMetrics;
  return inSpan("tenancy.index.load", {}, async (span) => {
    const stop = indexReloadSeconds.startTimer();
    const heapBefore = process.memoryUsage().heapUsed;
    indexReloadsInProgress.inc();
    try {
      const loaded = await load();
      stop({ outcome: "ok" });
      // An estimate, and named so: a measured heap delta (the exact size would need a heap snapshot).
      indexHeapBytes.set(Math.max(0, process.memoryUsage().heapUsed - heapBefore));
      indexInventoryVersion.set(loaded.version);
      span.setAttribute("tenancy.inventory_version", loaded.version);
      recordIndexSizes(span, loaded.topology);
      return loaded;
    } catch (error) {
      stop({ outcome: "failed" });
      throw error;
    } finally {
      indexReloadsInProgress.dec();
    }
  });
}

/** The index's objects per kind, as a gauge and on the load's or patch's span. */
function recordIndexSizes(span: Span, topology: Topology): void {
  for (const [kind, objects] of Object.entries(topology)) {
    const size = (objects as ReadonlyMap<string, unknown>).size;
    serviceMetrics.indexObjects.set({ kind }, size);
    span.setAttribute(`tenancy.index.${kind}`, size);
  }
}

/**
 * Times a per-sync patch of the index (as a span too): `patch` resolves to the patched index,
 * or to why it could not patch (then the caller reloads, and observeIndexLoad times that).
 */
export function observeIndexPatch<T extends { topology: Topology; version: number }>(patch: () => Promise<T | { reload: string }>): Promise<T | { reload: string }> {
  return inSpan("tenancy.index.patch", {}, async (span) => {
    const stop = serviceMetrics.indexPatchSeconds.startTimer();
    const patched = await patch().catch((error: unknown) => {
      stop({ outcome: "failed" });
      throw error;
    });
    if ("reload" in patched) {
      stop({ outcome: patched.reload });
      span.setAttribute("tenancy.index.reload_because", patched.reload);
      return patched;
    }
    stop({ outcome: "patched" });
    serviceMetrics.indexInventoryVersion.set(patched.version);
    span.setAttribute("tenancy.inventory_version", patched.version);
    recordIndexSizes(span, patched.topology);
    return patched;
  });
}

/** Times one fleet report scan (as a span too) and records its findings by outcome. */
export function observeReportScan(scan: () => Promise<FleetReport>): Promise<FleetReport> {
  return inSpan("tenancy.report.scan", {}, async (span) => {
    const stop = serviceMetrics.reportScanSeconds.startTimer();
    const report = await scan();
    stop();
    for (const outcome of ["NOT_ISOLATED", "UNPROVEN"] as const) {
      const entries = report.list(outcome).length;
      serviceMetrics.reportEntries.set({ outcome }, entries);
      span.setAttribute(`tenancy.report.${outcome.toLowerCase()}`, entries);
    }
    return report;
  });
}

/** Counts a background warm-up of the index in progress while it runs. */
export async function observeIndexWarmUp(warmUp: () => Promise<void>): Promise<void> {
  serviceMetrics.indexWarmUpsInProgress.inc();
  try {
    await warmUp();
  } finally {
    serviceMetrics.indexWarmUpsInProgress.dec();
  }
}
