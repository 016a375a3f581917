import type { FleetReport } from "../domain/fleet-report-rows.ts";
import type { Topology } from "../domain/topology.ts";
import { serviceMetrics } from "./service-metrics.ts";

/** Times a reload of the isolation index, counts it in progress, and records the index's size. */
export async function observeIndexLoad<T extends { topology: Topology }>(load: () => Promise<T>): Promise<T> {
  const { indexReloadSeconds, indexReloadsInProgress, indexObjects } = serviceMetrics;
  const stop = indexReloadSeconds.startTimer();
  indexReloadsInProgress.inc();
  try {
    const loaded = await load();
    stop({ outcome: "ok" });
    for (const [kind, objects] of Object.entries(loaded.topology)) indexObjects.set({ kind }, (objects as ReadonlyMap<string, unknown>).size);
    return loaded;
  } catch (error) {
    stop({ outcome: "failed" });
    throw error;
  } finally {
    indexReloadsInProgress.dec();
  }
}

/** Times one fleet report scan and records its findings by outcome. */
export async function observeReportScan(scan: () => Promise<FleetReport>): Promise<FleetReport> {
  const stop = serviceMetrics.reportScanSeconds.startTimer();
  const report = await scan();
  stop();
  for (const outcome of ["NOT_ISOLATED", "UNPROVEN"] as const) serviceMetrics.reportEntries.set({ outcome }, report.list(outcome).length);
  return report;
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
