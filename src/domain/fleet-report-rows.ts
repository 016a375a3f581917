import type { Policy } from "./policy.ts";
import { ISOLATION_LEVELS, type IsolationLevel } from "./scale.ts";
import type { SharedPlaces, UnitFacts } from "./shared-places.ts";
import type { Topology } from "./topology.ts";
import type { Outcome } from "./verdict.ts";
import { getOrInsert } from "./get-or-insert.ts";
import { int32Column, uint8Column, type ChunkedColumn } from "./chunked-column.ts";

/*
 * The kept fleet report: one row per (workload, tenant) pair that is not ISOLATED, in
 * workload then tenant order, held in typed columns (a million rows cost tens of megabytes,
 * not a gigabyte of objects). Each row keeps what the scan computed: the required, actual and
 * possible levels and the weakest pair, so a page reads its rows in O(page) and anything more
 * (an explanation, evidence) is derived from that pair when asked.
 */
export type ReportOutcome = Exclude<Outcome, "ISOLATED">;

const COLUMNS = ["workload", "tenant", "unit", "other"] as const;
const LEVELS = ["required", "actual", "possible"] as const;
// In chunks, never copied: doubling and trimming them allocated three times the report's size (chunked-column.ts says why that matters).
type IntColumns = Record<(typeof COLUMNS)[number], ChunkedColumn<Int32Array>>;
type LevelColumns = Record<(typeof LEVELS)[number], ChunkedColumn<Uint8Array>>;

export class ReportRowsBuilder {
  private count = 0;
  private readonly ints: IntColumns;
  private readonly levels: LevelColumns;
  private workloads: string[] = [];
  // Each outcome's rows and each workload's range, kept as rows are added: no pass over a
  // million rows (in one block) once the scan is done.
  private readonly byOutcome = { NOT_ISOLATED: int32Column(), UNPROVEN: int32Column() };
  private workloadRows = new Map<string, [number, number]>();
  private lastRange: [number, number] = [0, 0];

  constructor(
    private readonly topology: Topology,
    private readonly places: SharedPlaces,
    private readonly policy: Policy,
  ) {
    // fromEntries over every column name: the record is complete.
    this.ints = Object.fromEntries(COLUMNS.map((c) => [c, int32Column()])) as IntColumns;
    this.levels = Object.fromEntries(LEVELS.map((c) => [c, uint8Column()])) as LevelColumns;
  }

  /** A row; rows come in workload order, `tenant` is a tenant's number in the shared-places index. */
  add(workload: string, tenant: number, required: number, actual: number, possible: number, unit: number, other: number) {
    const i = this.count++;
    if (this.workloads[this.workloads.length - 1] !== workload) {
      this.workloads.push(workload);
      this.workloadRows.set(workload, (this.lastRange = [i, i]));
    }
    this.lastRange[1] = i + 1;
    this.ints.workload.push(this.workloads.length - 1);
    this.ints.tenant.push(tenant);
    this.ints.unit.push(unit);
    this.ints.other.push(other);
    this.levels.required.push(required);
    this.levels.actual.push(actual);
    this.levels.possible.push(possible);
    this.byOutcome[possible < required ? "NOT_ISOLATED" : "UNPROVEN"].push(i);
  }

  build(): FleetReport {
    return new FleetReport(this.topology, this.places, this.policy, this.ints, this.levels, this.workloads, this.places.tenantNames, this.byOutcome, this.workloadRows);
  }
}

/** A list of rows (all, or one outcome's): positions map to row numbers. */
export interface RowList {
  length: number;
  row(position: number): number;
}

export class FleetReport {
  readonly count: number;
  /** Rows read and search steps taken since it was built: what a page costs, counted (for tests and metrics). */
  work = 0;
  private tenantRows: Map<string, number[]> | null = null;

  constructor(
    readonly topology: Topology,
    readonly places: SharedPlaces,
    readonly policy: Policy,
    private readonly ints: IntColumns,
    private readonly levels: LevelColumns,
    private readonly workloads: string[],
    private readonly tenants: string[],
    /** Each outcome's rows, in report order. */
    private readonly byOutcome: Record<ReportOutcome, ChunkedColumn<Int32Array>>,
    /** Each workload's rows: [first, last + 1) (rows are in workload order). */
    private readonly workloadRows: ReadonlyMap<string, [number, number]>,
  ) {
    this.count = ints.workload.length;
  }

  workload(row: number): string {
    return this.workloads[this.ints.workload.get(row)];
  }
  tenant(row: number): string {
    return this.tenants[this.ints.tenant.get(row)];
  }
  required(row: number): IsolationLevel {
    return ISOLATION_LEVELS[this.levels.required.get(row)];
  }
  actual(row: number): IsolationLevel {
    return ISOLATION_LEVELS[this.levels.actual.get(row)];
  }
  possible(row: number): IsolationLevel {
    return ISOLATION_LEVELS[this.levels.possible.get(row)];
  }
  outcome(row: number): ReportOutcome {
    return this.levels.possible.get(row) < this.levels.required.get(row) ? "NOT_ISOLATED" : "UNPROVEN";
  }
  /** The row's columns as numbers: its workload's place in `workloadKeys`, its tenant's and units' numbers in `places`, its levels' ranks. */
  workloadNumber(row: number): number {
    return this.ints.workload.get(row);
  }
  tenantNumber(row: number): number {
    return this.ints.tenant.get(row);
  }
  unitNumber(row: number): number {
    return this.ints.unit.get(row);
  }
  otherNumber(row: number): number {
    return this.ints.other.get(row);
  }
  requiredRank(row: number): number {
    return this.levels.required.get(row);
  }
  actualRank(row: number): number {
    return this.levels.actual.get(row);
  }
  possibleRank(row: number): number {
    return this.levels.possible.get(row);
  }
  /** The workloads the rows name, by number. */
  get workloadKeys(): readonly string[] {
    return this.workloads;
  }
  /** Each workload's rows: [first, last + 1). */
  rangeOfWorkload(workload: string): readonly [number, number] | undefined {
    return this.workloadRows.get(workload);
  }

  /** The weakest pair the scan found: the workload's unit, and the other tenant's. */
  unit(row: number): UnitFacts {
    return this.places.units[this.ints.unit.get(row)];
  }
  other(row: number): UnitFacts {
    return this.places.units[this.ints.other.get(row)];
  }

  /** Every row, or one outcome's, in report order; its length is known at once. */
  list(outcome?: ReportOutcome | null): RowList {
    const rows = outcome ? this.byOutcome[outcome] : null;
    return {
      length: rows ? rows.length : this.count,
      row: (position) => {
        this.work++;
        return rows ? rows.get(position) : position;
      },
    };
  }

  /** The first position in `list` after the pair (workload, tenant): a binary search, O(log n). */
  positionAfter(list: RowList, workload: string, tenant: string): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const row = list.row(mid);
      const w = this.workload(row);
      const after = w < workload || (w === workload && this.tenant(row) <= tenant);
      if (after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The rows of one workload. */
  rowsOfWorkload(workload: string): number[] {
    const range = this.workloadRows.get(workload);
    if (!range) return [];
    return Array.from({ length: range[1] - range[0] }, (_, i) => range[0] + i);
  }

  /** The rows naming one tenant (grouped once, on first use). */
  rowsOfTenant(tenant: string): number[] {
    if (!this.tenantRows) {
      this.tenantRows = new Map();
      for (let i = 0; i < this.count; i++) {
        getOrInsert(this.tenantRows, this.tenant(i), () => []).push(i);
      }
    }
    return this.tenantRows.get(tenant) ?? [];
  }
}
