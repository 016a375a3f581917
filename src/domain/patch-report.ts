import { fleetReportSteps, ReportScan, sortedWorkloads } from "./fleet-report.ts";
import type { FleetReport, ReportRowsBuilder } from "./fleet-report-rows.ts";
import type { Policy } from "./policy.ts";
import { reportChangesSteps, type ReportChanges } from "./report-changes.ts";
import { sharedPlacesSteps } from "./shared-places.ts";
import type { Topology } from "./topology.ts";
import type { ReportStats } from "./workload-scan.ts";

/*
 * The fleet report of a new topology from the report kept for an older one: the workloads
 * whose rows can have changed (src/domain/report-changes.ts says which) are scanned again, the
 * others' rows carried over, their tenants and units renumbered to the new shared-places
 * index. The result is the report a full scan gives, row for row, weakest pairs included
 * (test/domain/patch-report.test.ts); when the changes reach the whole fleet (the policy, the
 * datacenters, an organization, the order the scan visits places in) it is that full scan.
 */
export interface PatchStats extends ReportStats {
  /** Workloads scanned again and workloads whose rows were carried over. */
  rescanned: number;
  carried: number;
  /** Why the whole report was scanned, when it was. */
  full: string | null;
}

export const patchStats = (): PatchStats => ({ visits: 0, rescanned: 0, carried: 0, full: null });

/** What a patched report was patched from, and the workloads it scanned again (the others' rows are the ones `from` had): report-findings.ts carries their digests. */
export interface ReportPatch {
  from: FleetReport;
  rescanned: ReadonlySet<string>;
}

/**
 * Each patched report's patch, until its digests are worked out (`forgetPatchOf`). It holds the
 * report before, whose kept digests it takes over: never that one's own patch, or each report
 * would keep every report since the last full scan alive, topology and index included
 * (test/domain/carry-retention.test.ts).
 */
const patches = new WeakMap<FleetReport, ReportPatch>();

export function patchOf(report: FleetReport): ReportPatch | undefined {
  return patches.get(report);
}

/** The report's digests are worked out: the report it was patched from is let go. */
export function forgetPatchOf(report: FleetReport): void {
  patches.delete(report);
}

/** `mostChanged`: the share of workloads to scan again past which the whole report is scanned (tests set 1: never). */
export function* patchedReportSteps(before: FleetReport, topology: Topology, policy: Policy, stats: PatchStats = patchStats(), mostChanged = 0.5): Generator<void, FleetReport> {
  const places = yield* sharedPlacesSteps(topology);
  const changes = yield* reportChangesSteps(before, topology, places, policy);
  const workloads = sortedWorkloads(topology);
  // Scanning more than half of the workloads again, a full scan is as quick and needs no merge.
  if (!("full" in changes) && changes.rescan.size > workloads.length * mostChanged) return yield* fullScan("most workloads changed", topology, policy, stats);
  if ("full" in changes) return yield* fullScan(changes.full, topology, policy, stats);
  const scan = new ReportScan(topology, places, policy, stats);
  let sinceYield = 0;
  for (const workload of workloads) {
    if (changes.rescan.has(workload.key)) {
      stats.rescanned++;
      sinceYield += scan.workload(workload);
    } else {
      const carried = carry(before, scan.builder, workload.key, changes);
      // A carried row naming a unit that is gone: its workload should have been scanned. Never reached; if it were, scan all.
      if (carried === -1) return yield* fullScan("a carried row's unit is gone", topology, policy, stats);
      stats.carried++;
      sinceYield += carried;
    }
    if (sinceYield > 500) {
      sinceYield = 0;
      yield;
    }
  }
  const report = scan.builder.build();
  // `before` now holds only its rows, not the report it was patched from (see `patches`).
  patches.delete(before);
  patches.set(report, { from: before, rescanned: changes.rescan });
  return report;
}

function* fullScan(why: string, topology: Topology, policy: Policy, stats: PatchStats): Generator<void, FleetReport> {
  stats.full = why;
  return yield* fleetReportSteps(topology, policy, stats);
}

/** The workload's rows of the kept report, renumbered; how many, or -1 when one names a unit or tenant that is gone. */
function carry(before: FleetReport, builder: ReportRowsBuilder, workload: string, changes: Exclude<ReportChanges, { full: string }>): number {
  const range = before.rangeOfWorkload(workload);
  if (!range) return 0;
  for (let row = range[0]; row < range[1]; row++) {
    const tenant = changes.tenants[before.tenantNumber(row)];
    const unit = changes.units[before.unitNumber(row)];
    const other = changes.units[before.otherNumber(row)];
    if (tenant === -1 || unit === -1 || other === -1) return -1;
    builder.add(workload, tenant, before.requiredRank(row), before.actualRank(row), before.possibleRank(row), unit, other);
  }
  return range[1] - range[0];
}
