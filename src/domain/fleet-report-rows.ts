import type { Policy } from "./policy.ts";
import { ISOLATION_LEVELS, type IsolationLevel } from "./scale.ts";
import type { SharedPlaces, UnitFacts } from "./shared-places.ts";
import type { Topology } from "./topology.ts";
import type { Outcome } from "./verdict.ts";
import { getOrInsert } from "./get-or-insert.ts";

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
type IntColumns = Record<(typeof COLUMNS)[number], Int32Array>;
type LevelColumns = Record<(typeof LEVELS)[number], Uint8Array>;

export class ReportRowsBuilder {
  private count = 0;
  private ints: IntColumns;
  private levels: LevelColumns;
  private workloads: string[] = [];
  // Each outcome's rows and each workload's range, kept as rows are added: no pass over a
  // million rows (in one block) once the scan is done.
  private byOutcome = { NOT_ISOLATED: new Int32Array(1024), UNPROVEN: new Int32Array(1024) };
  private outcomeCount = { NOT_ISOLATED: 0, UNPROVEN: 0 };
  private workloadRows = new Map<string, [number, number]>();
  private lastRange: [number, number] = [0, 0];

  constructor(
    private readonly topology: Topology,
    private readonly places: SharedPlaces,
    private readonly policy: Policy,
  ) {
    // fromEntries over every column name: the record is complete.
    this.ints = Object.fromEntries(COLUMNS.map((c) => [c, new Int32Array(1024)])) as IntColumns;
    this.levels = Object.fromEntries(LEVELS.map((c) => [c, new Uint8Array(1024)])) as LevelColumns;
  }

  /** A row; rows come in workload order, `tenant` is a tenant's number in the shared-places index. */
  add(workload: string, tenant: number, required: number, actual: number, possible: number, unit: number, other: number) {
    if (this.count === this.ints.workload.length) this.grow();
    const i = this.count++;
    if (this.workloads[this.workloads.length - 1] !== workload) {
      this.workloads.push(workload);
      this.workloadRows.set(workload, (this.lastRange = [i, i]));
    }
    this.lastRange[1] = i + 1;
    this.ints.workload[i] = this.workloads.length - 1;
    this.ints.tenant[i] = tenant;
    this.ints.unit[i] = unit;
    this.ints.other[i] = other;
    this.levels.required[i] = required;
    this.levels.actual[i] = actual;
    this.levels.possible[i] = possible;
    const outcome: ReportOutcome = possible < required ? "NOT_ISOLATED" : "UNPROVEN";
    if (this.outcomeCount[outcome] === this.byOutcome[outcome].length) this.byOutcome[outcome] = copyInto(new Int32Array(this.byOutcome[outcome].length * 2), this.byOutcome[outcome]);
    this.byOutcome[outcome][this.outcomeCount[outcome]++] = i;
  }

  private grow() {
    for (const c of COLUMNS) this.ints[c] = copyInto(new Int32Array(this.ints[c].length * 2), this.ints[c]);
    for (const c of LEVELS) this.levels[c] = copyInto(new Uint8Array(this.levels[c].length * 2), this.levels[c]);
  }

  build(): FleetReport {
    const n = this.count;
    const trim = <T extends Int32Array | Uint8Array>(a: T) => a.slice(0, n) as T;
    return new FleetReport(
      this.topology,
      this.places,
      this.policy,
      Object.fromEntries(COLUMNS.map((c) => [c, trim(this.ints[c])])) as IntColumns,
      Object.fromEntries(LEVELS.map((c) => [c, trim(this.levels[c])])) as LevelColumns,
      this.workloads,
      this.places.tenantNames,
      { NOT_ISOLATED: this.byOutcome.NOT_ISOLATED.slice(0, this.outcomeCount.NOT_ISOLATED), UNPROVEN: this.byOutcome.UNPROVEN.slice(0, this.outcomeCount.UNPROVEN) },
      this.workloadRows,
    );
  }
}

function copyInto<T extends Int32Array | Uint8Array>(target: T, source: T): T {
  target.set(source);
  return target;
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
    private readonly ints: Record<(typeof COLUMNS)[number], Int32Array>,
    private readonly levels: Record<(typeof LEVELS)[number], Uint8Array>,
    private readonly workloads: string[],
    private readonly tenants: string[],
    /** Each outcome's rows, in report order. */
    private readonly byOutcome: Record<ReportOutcome, Int32Array>,
    /** Each workload's rows: [first, last + 1) (rows are in workload order). */
    private readonly workloadRows: ReadonlyMap<string, [number, number]>,
  ) {
    this.count = ints.workload.length;
  }

  workload(row: number): string {
    return this.workloads[this.ints.workload[row]];
  }
  tenant(row: number): string {
    return this.tenants[this.ints.tenant[row]];
  }
  required(row: number): IsolationLevel {
    return ISOLATION_LEVELS[this.levels.required[row]];
  }
  actual(row: number): IsolationLevel {
    return ISOLATION_LEVELS[this.levels.actual[row]];
  }
  possible(row: number): IsolationLevel {
    return ISOLATION_LEVELS[this.levels.possible[row]];
  }
  outcome(row: number): ReportOutcome {
    return this.levels.possible[row] < this.levels.required[row] ? "NOT_ISOLATED" : "UNPROVEN";
  }
  /** The row's columns as numbers: its workload's place in `workloadKeys`, its tenant's and units' numbers in `places`, its levels' ranks. */
  workloadNumber(row: number): number {
    return this.ints.workload[row];
  }
  tenantNumber(row: number): number {
    return this.ints.tenant[row];
  }
  unitNumber(row: number): number {
    return this.ints.unit[row];
  }
  otherNumber(row: number): number {
    return this.ints.other[row];
  }
  requiredRank(row: number): number {
    return this.levels.required[row];
  }
  actualRank(row: number): number {
    return this.levels.actual[row];
  }
  possibleRank(row: number): number {
    return this.levels.possible[row];
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
    return this.places.units[this.ints.unit[row]];
  }
  other(row: number): UnitFacts {
    return this.places.units[this.ints.other[row]];
  }

  /** Every row, or one outcome's, in report order; its length is known at once. */
  list(outcome?: ReportOutcome | null): RowList {
    const rows = outcome ? this.byOutcome[outcome] : null;
    return {
      length: rows ? rows.length : this.count,
      row: (position) => {
        this.work++;
        return rows ? rows[position] : position;
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
