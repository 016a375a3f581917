import type { ReportEntry } from "../domain/fleet-report.ts";
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
export function observeReportScan(scan: () => ReportEntry[]): ReportEntry[] {
  const stop = serviceMetrics.reportScanSeconds.startTimer();
  const report = scan();
  stop();
  const byOutcome = { NOT_ISOLATED: 0, UNPROVEN: 0 };
  for (const entry of report) byOutcome[entry.outcome]++;
  for (const [outcome, n] of Object.entries(byOutcome)) serviceMetrics.reportEntries.set({ outcome }, n);
  return report;
}
