import { Counter, Gauge, Histogram } from "prom-client";
import { SLICE_MS } from "../isolation/run-in-slices.ts";

/*
 * The metrics of work that is not tied to one HTTP request (the isolation index, the fleet
 * report, verdicts), shared by every server of the process. They are registered in no registry
 * here: each server's Metrics (src/http/metrics.ts) adds them to its own, beside its HTTP and
 * database series. Labels are bounded by design: outcomes, never keys or tenants.
 */
export const serviceMetrics = {
  webhookDeliveries: new Counter({
    name: "tenancy_webhook_deliveries_total",
    help: "Webhook delivery attempts of finding changes, by outcome: delivered, retry (failed, tried again later), failed (given up).",
    labelNames: ["outcome"] as const,
    registers: [],
  }),
  verdicts: new Counter({
    name: "tenancy_verdicts_total",
    help: "Isolation verdicts computed (single verdicts, report pages, exposure lists), by outcome.",
    labelNames: ["outcome"] as const,
    registers: [],
  }),
  verdictSeconds: new Histogram({
    name: "tenancy_verdict_duration_seconds",
    help: "Time to answer one isolation verdict: the request's view of the index (a reload when one is due) and the verdict.",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  }),
  indexReloadSeconds: new Histogram({
    name: "tenancy_isolation_index_reload_duration_seconds",
    help: "Time to load the placement graph from SQL into the in-memory isolation index, by outcome (ok, failed).",
    labelNames: ["outcome"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [],
  }),
  indexPatchSeconds: new Histogram({
    name: "tenancy_isolation_index_patch_duration_seconds",
    help: "Time to bring the isolation index up to a newer inventory version by patching in what the syncs since changed, by outcome: patched, or why it reloaded instead (too_many_changes, not_in_history).",
    labelNames: ["outcome"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [],
  }),
  indexReloadsInProgress: new Gauge({
    name: "tenancy_isolation_index_reloads_in_progress",
    help: "Reloads of the isolation index running now (0 or 1; stuck at 1 means a reload hangs).",
    registers: [],
  }),
  indexWarmUpsInProgress: new Gauge({
    name: "tenancy_isolation_index_warmups_in_progress",
    help: "Builds of the report's shared-places index and the replicas under way now (running, or as background work waiting for a slice while requests are served), after a reload has published the topology (verdicts no longer wait; reports, violations and what-ifs do, and promote it).",
    registers: [],
  }),
  backgroundSlices: new Counter({
    name: "tenancy_background_slices_total",
    help: `Slices (${SLICE_MS} ms) of background work run (the warm-up after a sync, the findings update's report and digests), by why: idle (no request in progress) or overdue (under load, once it had waited its bound). Work a request awaits runs as foreground and is not counted.`,
    labelNames: ["why"] as const,
    registers: [],
  }),
  indexObjects: new Gauge({
    name: "tenancy_isolation_index_objects",
    help: "Objects in the loaded isolation index, by kind: its size, which drives its heap and reload time.",
    labelNames: ["kind"] as const,
    registers: [],
  }),
  indexHeapBytes: new Gauge({
    name: "tenancy_isolation_index_heap_bytes_estimate",
    help: "Estimate of the heap the loaded isolation index holds: the heap's growth over its last load (garbage made meanwhile counts, a collection meanwhile hides some).",
    registers: [],
  }),
  indexInventoryVersion: new Gauge({
    name: "tenancy_isolation_index_inventory_version",
    help: "The inventory version this replica's isolation index holds; behind tenancy_inventory_version while a reload runs.",
    registers: [],
  }),
  syncSeconds: new Histogram({
    name: "tenancy_sync_duration_seconds",
    help: "Time to apply one snapshot (validation to commit) in this process, by source and status (APPLIED, UNCHANGED, REFUSED, FAILED).",
    labelNames: ["source", "status"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [],
  }),
  syncObjectsWritten: new Counter({
    name: "tenancy_sync_objects_written_total",
    help: "Inventory objects created, updated or removed by syncs applied in this process, by source and change.",
    labelNames: ["source", "change"] as const,
    registers: [],
  }),
  reportScanSeconds: new Histogram({
    name: "tenancy_report_scan_duration_seconds",
    help: "Time to compute the fleet report for one (inventory version, policy version).",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [],
  }),
  reportEntries: new Gauge({
    name: "tenancy_report_entries",
    help: "Pairs (workload, tenant) in the last computed fleet report, by outcome: the open findings.",
    labelNames: ["outcome"] as const,
    registers: [],
  }),
};
