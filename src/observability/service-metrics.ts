import { Counter, Gauge, Histogram } from "prom-client";

/**
 * The metrics of work that is not tied to one HTTP request (the isolation index, the fleet
 * report, verdicts), shared by every server of the process. They are registered in no registry
 * here: each server's Metrics (src/http/metrics.ts) adds them to its own, beside its HTTP and
 * database series. Labels are bounded by design: outcomes, never keys or tenants.
 */
export const serviceMetrics = {
  verdicts: new Counter({
    name: "tenancy_verdicts_total",
    help: "Isolation verdicts computed (single verdicts, report pages, exposure lists), by outcome.",
    labelNames: ["outcome"] as const,
    registers: [],
  }),
  indexReloadSeconds: new Histogram({
    name: "tenancy_isolation_index_reload_duration_seconds",
    help: "Time to load the placement graph from SQL into the in-memory isolation index, by outcome (ok, failed).",
    labelNames: ["outcome"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [],
  }),
  indexReloadsInProgress: new Gauge({
    name: "tenancy_isolation_index_reloads_in_progress",
    help: "Reloads of the isolation index running now (0 or 1; stuck at 1 means a reload hangs).",
    registers: [],
  }),
  indexWarmUpsInProgress: new Gauge({
    name: "tenancy_isolation_index_warmups_in_progress",
    help: "Builds of the report's shared-places index and the replicas running now, after a reload has published the topology (verdicts no longer wait; reports, violations and what-ifs do).",
    registers: [],
  }),
  indexObjects: new Gauge({
    name: "tenancy_isolation_index_objects",
    help: "Objects in the loaded isolation index, by kind: its size, which drives its heap and reload time.",
    labelNames: ["kind"] as const,
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
