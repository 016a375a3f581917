import { requiredLevel, type Policy } from "./policy.ts";
import { rank } from "./scale.ts";
import { sharedPlacesSteps, type SharedPlaces } from "./shared-places.ts";
import { WorkloadScan, type ReportStats } from "./workload-scan.ts";
import type { Topology, WorkloadNode } from "./topology.ts";
import { ReportRowsBuilder, type FleetReport } from "./fleet-report-rows.ts";
import { compareCodeUnits } from "./compare-code-units.ts";
import { getOrInsert } from "./get-or-insert.ts";

/*
 * Every (workload, tenant) pair of the fleet that is NOT_ISOLATED or UNPROVEN, with its levels
 * and its weakest pair, without comparing every workload with every tenant.
 *
 * Why it can skip most pairs: two units that share nothing fall apart by a level that only
 * depends on what they do share (docs/separation.md):
 *
 * | they share                                  | actual, possible          |
 * |---------------------------------------------|---------------------------|
 * | a compute unit (or one contains the other)  | ≤ VIRTUAL_MACHINE, exact  |
 * | possibly a host (one host hidden/unknown)   | ≤ HOST, RACK or PLANET    |
 * | a rack, a power or a network domain         | HOST                      |
 * | known hosts, a rack not known               | HOST, RACK or PLANET      |
 * | a datacenter                                | ≤ RACK                    |
 * | a hazard zone or region                     | DATACENTER                |
 * | a planet, one datacenter listing no zones   | DATACENTER, HAZARD_ZONE   |
 * |   and no pair of known regions between them |                           |
 * | a planet                                    | HAZARD_ZONE               |
 *
 * So a workload whose strongest requirement is T visits, per unit, only the places of the
 * rows above T (src/domain/shared-places.ts indexes units by each), and per place only the
 * tenants there: the co-located population below the requirement, never workloads × tenants.
 * Datacenters are paired by rule 3 itself (`datacenterSeparation`, in the scan's
 * `nearDatacenters`), so a datacenter whose hazard zones are unknown meets every datacenter
 * rule 3 does not prove HAZARD_ZONE apart from it.
 * A place visited gives each pair a level no lower than the pair's own (a pair sharing a host
 * also shares its rack), and every pair below T is visited at its own level, so the lowest
 * actual, and the weakest pair, are exact. The lowest possible of a listed pair can also come
 * from a place above T: those are looked up for that tenant only (`refinePossible`).
 * test/domain/fleet-report.test.ts checks all of it against a naive verdict on random fleets.
 * The visit itself, on the index's integer columns, is src/domain/workload-scan.ts.
 */

/** The report at once. */
export function fleetReport(topology: Topology, policy: Policy, stats: ReportStats = { visits: 0 }): FleetReport {
  const steps = fleetReportSteps(topology, policy, stats);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** The report in steps: it yields every so often, so a service can answer other requests meanwhile. */
export function* fleetReportSteps(topology: Topology, policy: Policy, stats: ReportStats = { visits: 0 }): Generator<void, FleetReport> {
  const places = yield* sharedPlacesSteps(topology);
  const scan = new ReportScan(topology, places, policy, stats);
  let sinceYield = 0;
  for (const workload of sortedWorkloads(topology)) {
    sinceYield += scan.workload(workload);
    if (sinceYield > 500) {
      sinceYield = 0;
      yield;
    }
  }
  return scan.builder.build();
}

/** The workloads in the report's order. */
export function sortedWorkloads(topology: Topology): WorkloadNode[] {
  return [...topology.workloads.values()].sort((x, y) => compareCodeUnits(x.key, y.key));
}

/** The scan of one workload after another into one report's rows (src/domain/patch-report.ts also carries rows over into them). */
export class ReportScan {
  readonly builder: ReportRowsBuilder;
  private readonly scan: WorkloadScan;
  private readonly organizationOf: Int32Array;
  private readonly organizationId: (tenant: string) => number;
  private readonly tenantByRank: Int32Array;

  constructor(
    private readonly topology: Topology,
    private readonly places: SharedPlaces,
    private readonly policy: Policy,
    private readonly stats: ReportStats,
  ) {
    ({ organizationOf: this.organizationOf, organizationId: this.organizationId } = organizationNumbers(topology, places.tenantNames));
    this.tenantByRank = new Int32Array(places.tenantRank.length);
    places.tenantRank.forEach((rank, tenant) => (this.tenantByRank[rank] = tenant));
    this.builder = new ReportRowsBuilder(topology, places, policy);
    this.scan = new WorkloadScan(topology, places, stats);
  }

  /** The workload's rows added; returns the work it took (visits, units, tenants), to yield by. */
  workload(workload: WorkloadNode): number {
    const { places, policy, scan, stats } = this;
    const units = places.byWorkload.get(workload.key);
    if (!units) return 0;
    const own = places.tenantIds.get(workload.tenant) ?? -1;
    // -1: no organization known, which matches no tenant's (unknown is another organization).
    const organization = this.organizationId(workload.tenant);
    const forSelf = rank(requiredLevel(policy, "SAME_TENANT", workload.minimumIsolation));
    const forOrganization = rank(requiredLevel(policy, "SAME_ORGANIZATION", workload.minimumIsolation));
    const forOthers = rank(requiredLevel(policy, "OTHER_ORGANIZATION", workload.minimumIsolation));
    const before = stats.visits;
    scan.begin(places.workloadGroups.get(workload.key) ?? -1, units);
    scan.visit(Math.max(forSelf, forOrganization, forOthers));
    const count = scan.touchedCount;
    sortByRank(scan.touched.subarray(0, count), places.tenantRank, this.tenantByRank);
    for (let i = 0; i < count; i++) {
      const tenant = scan.touched[i];
      const level = tenant === own ? forSelf : organization !== -1 && this.organizationOf[tenant] === organization ? forOrganization : forOthers;
      const actual = scan.actual[tenant];
      if (actual >= level) continue;
      const lowest = scan.lowestPossible[tenant];
      const possible = lowest >= level ? scan.refinePossible(tenant, lowest) : lowest;
      this.builder.add(workload.key, tenant, level, actual, possible, scan.unit[tenant], scan.other[tenant]);
    }
    return stats.visits - before + units.length + count;
  }
}

/**
 * Each indexed tenant's organization as a number (-1: none known), and a tenant key's: compared
 * for every tenant a workload meets, numbers are read where organization strings (equal, but
 * separate copies) were compared character by character.
 */
function organizationNumbers(topology: Topology, tenantNames: readonly string[]) {
  const numbers = new Map<string, number>();
  const organizationId = (tenant: string) => {
    const organization = topology.tenants.get(tenant)?.organization;
    return organization === undefined ? -1 : getOrInsert(numbers, organization, () => numbers.size);
  };
  return { organizationOf: Int32Array.from(tenantNames, organizationId), organizationId };
}

/** Tenants into code-unit order of their keys, in place: sorted as ranks, a typed array needs no comparator. */
function sortByRank(tenants: Int32Array, tenantRank: Int32Array, tenantByRank: Int32Array) {
  for (let i = 0; i < tenants.length; i++) tenants[i] = tenantRank[tenants[i]];
  tenants.sort();
  for (let i = 0; i < tenants.length; i++) tenants[i] = tenantByRank[tenants[i]];
}

export type { FleetReport, ReportStats };
