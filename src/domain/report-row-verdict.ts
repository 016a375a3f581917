import type { FleetReport } from "./fleet-report-rows.ts";
import { policyLevel, relationship, type Relationship } from "./policy.ts";
import type { IsolationLevel } from "./scale.ts";
import { cachedChainOf, separationOfChains } from "./separation.ts";
import type { Freshness, Topology } from "./topology.ts";
import { unitsIndex } from "./units-index.ts";
import { isolationVerdict, type EvidencePair, type Outcome, type Verdict } from "./verdict.ts";
import { getOrInsert } from "./get-or-insert.ts";

/*
 * A row of the kept fleet report seen as a verdict. What the scan computed (outcome, levels,
 * the weakest pair) is read from the row; the rest is worked out only when asked: the weakest
 * pair's shared thing from that pair alone, the freshness from the sources of both sides, and
 * evidence beyond the weakest pair by the full verdict of that one row.
 */
export class ReportRowVerdict implements Verdict {
  readonly workload: string;
  readonly tenant: string;
  readonly outcome: Outcome;
  readonly required: IsolationLevel;
  readonly actual: IsolationLevel;
  readonly possible: IsolationLevel;
  private weakestPair: EvidencePair | undefined;
  private counts: { unitCount: number; otherUnitCount: number; ownUnitsOfTenant: number } | undefined;

  constructor(
    private readonly report: FleetReport,
    private readonly row: number,
    private readonly freshness: Freshness,
  ) {
    this.workload = report.workload(row);
    this.tenant = report.tenant(row);
    this.outcome = report.outcome(row);
    this.required = report.required(row);
    this.actual = report.actual(row);
    this.possible = report.possible(row);
  }

  private get topology(): Topology {
    return this.report.topology;
  }
  get workloadTenant(): string {
    return this.topology.workloads.get(this.workload)!.tenant;
  }
  get relationship(): Relationship {
    return relationship(this.topology, this.workloadTenant, this.tenant);
  }
  get policyVersion(): number {
    return this.report.policy.version;
  }
  get policyRequired(): IsolationLevel {
    return policyLevel(this.report.policy, this.relationship);
  }
  get workloadMinimum(): IsolationLevel | null {
    return this.topology.workloads.get(this.workload)!.minimumIsolation;
  }
  get weakest(): EvidencePair {
    if (!this.weakestPair) {
      const unit = this.report.unit(this.row);
      const other = this.report.other(this.row);
      this.weakestPair = { unit: unit.ref, other: other.ref, ...separationOfChains(this.topology, unit.ref, unit.chain, other.ref, other.chain) };
    }
    return this.weakestPair;
  }
  private get unitCounts() {
    if (!this.counts) {
      const mine = this.report.places.byWorkload.get(this.workload) ?? [];
      const ownUnitsOfTenant = mine.filter((u) => u.tenant === this.tenant).length;
      const ofTenant = unitsIndex(this.topology).byTenant.get(this.tenant)?.length ?? 0;
      this.counts = { unitCount: mine.length, otherUnitCount: ofTenant - ownUnitsOfTenant, ownUnitsOfTenant };
    }
    return this.counts;
  }
  get unitCount(): number {
    return this.unitCounts.unitCount;
  }
  get otherUnitCount(): number {
    return this.unitCounts.otherUnitCount;
  }
  get ownUnitsOfTenant(): number {
    return this.unitCounts.ownUnitsOfTenant;
  }
  get pairCount(): number {
    return this.unitCount * this.otherUnitCount;
  }
  get inventoryAsOf(): Date | null {
    let oldest: Date | null = null;
    for (const source of [...sourcesOf(this.topology, "workload", this.workload), ...sourcesOf(this.topology, "tenant", this.tenant)]) {
      const at = this.freshness.get(source);
      if (at && (!oldest || at < oldest)) oldest = at;
    }
    return oldest;
  }
  /** The weakest pair alone costs nothing more; a longer list is the full verdict of this row. */
  evidence(limit: number): EvidencePair[] {
    if (limit <= 0) return [];
    if (limit === 1) return [this.weakest];
    return isolationVerdict(this.topology, this.workload, this.tenant, this.report.policy, this.freshness).evidence(limit);
  }
}

const sourcesCache = new WeakMap<Topology, Map<string, Set<string>>>();

/** The sources of a workload (or tenant) and of every object on its units' ways up: what its side of a verdict read. */
export function sourcesOf(topology: Topology, kind: "workload" | "tenant", key: string): Set<string> {
  return getOrInsert(
    getOrInsert(sourcesCache, topology, () => new Map()),
    `${kind}:${key}`,
    () => {
      const sources = new Set<string>();
      const node = kind === "workload" ? topology.workloads.get(key) : topology.tenants.get(key);
      if (node) sources.add(node.source);
      const index = unitsIndex(topology);
      for (const unit of (kind === "workload" ? index.byWorkload : index.byTenant).get(key) ?? []) {
        for (const source of cachedChainOf(topology, unit).sources) sources.add(source);
      }
      return sources;
    },
  );
}
