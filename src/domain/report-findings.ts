import type { Violation } from "./anti-affinity.ts";
import { describeSharedThing, describeUnit } from "./explain-verdict.ts";
import type { FleetReport } from "./fleet-report-rows.ts";
import { isolationFindingId, violationFindingId, type FindingFacts } from "./findings.ts";
import type { Relationship } from "./policy.ts";
import { ReportRowVerdict } from "./report-row-verdict.ts";
import { ReportRowDigests } from "./report-row-digests.ts";
import { forgetPatchOf, patchOf } from "./patch-report.ts";
import { unitsIndex } from "./units-index.ts";
import type { IsolationLevel } from "./scale.ts";

/*
 * The findings of one report and its violations, each summed up in a digest that changes
 * whenever its facts (severity, evidence) do. Comparing the digests with the previous report's
 * (`changedFindingKeysSteps`) finds what opened, changed or left without building every finding's
 * evidence or reading every stored finding: only those are built (`facts`) and decided on.
 *
 * An isolation finding's digest is a number: its three levels exactly (so a change of outcome
 * or of a level, what WORSENED and IMPROVED turn on, is never missed) and a 40-bit hash of
 * everything the other parts of its facts (the weakest pair and what it shares, the pair count,
 * the relationship) are computed from, read from the row's integer columns and hashes kept per
 * workload, tenant and unit (report-row-digests.ts): facts that differ have inputs that differ,
 * so two different such parts share a digest once in 2^40. A violation's digest is its facts
 * as text (violations are few), built from the same parts as the facts.
 */

/** Everything an isolation finding's facts are made of, flat. */
interface IsolationParts {
  workload: string;
  tenant: string;
  workloadTenant: string;
  outcome: string;
  required: IsolationLevel;
  actual: IsolationLevel;
  possible: IsolationLevel;
  relationship: Relationship;
  pairCount: number;
  unit: string;
  otherUnit: string;
  shared: string;
}

const NO_FRESHNESS = new Map<string, Date>();
const ISOLATION_PREFIX = "isolation\u0000";

/** The key of an isolation finding: its pair (an id is a digest, dearer to compute for every row). */
const isolationKey = (workload: string, tenant: string) => `${ISOLATION_PREFIX}${workload}\u0000${tenant}`;

/** The pair an isolation finding's key names; null for a violation's. */
function pairOfKey(key: string): [workload: string, tenant: string] | null {
  if (!key.startsWith(ISOLATION_PREFIX)) return null;
  const [workload, tenant] = key.slice(ISOLATION_PREFIX.length).split("\u0000");
  return [workload, tenant];
}

/** The finding id a key names. */
export function findingIdOfKey(key: string): string {
  const pair = pairOfKey(key);
  return pair ? isolationFindingId(pair[0], pair[1]) : key;
}

function isolationParts(report: FleetReport, row: number): IsolationParts {
  const verdict = new ReportRowVerdict(report, row, NO_FRESHNESS);
  const weakest = verdict.weakest;
  return {
    workload: verdict.workload,
    tenant: verdict.tenant,
    workloadTenant: verdict.workloadTenant,
    outcome: verdict.outcome,
    required: verdict.required,
    actual: verdict.actual,
    possible: verdict.possible,
    relationship: verdict.relationship,
    pairCount: verdict.pairCount,
    unit: describeUnit(weakest.unit),
    otherUnit: describeUnit(weakest.other),
    shared: describeSharedThing(weakest.shared),
  };
}

function isolationFacts(p: IsolationParts): FindingFacts {
  return {
    id: isolationFindingId(p.workload, p.tenant),
    kind: "ISOLATION",
    workload: p.workload,
    workloadTenant: p.workloadTenant,
    tenant: p.tenant,
    subject: {},
    severity: p.outcome,
    evidence: {
      outcome: p.outcome,
      required: p.required,
      actual: p.actual,
      possible: p.possible,
      relationship: p.relationship,
      pairCount: p.pairCount,
      weakestPair: { unit: p.unit, otherUnit: p.otherUnit, shared: p.shared },
    },
  };
}

function violationFacts(report: FleetReport, v: Violation): FindingFacts {
  return {
    id: violationFindingId(v),
    kind: "ANTI_AFFINITY",
    workload: v.workload,
    workloadTenant: report.topology.workloads.get(v.workload)?.tenant ?? null,
    tenant: null,
    subject: { rule: v.rule, level: v.level, violation: v.kind, domain: v.domain },
    severity: v.mode,
    evidence: { mode: v.mode, excess: v.excess, replicas: v.replicas.map(describeUnit).sort(), message: v.message },
  };
}

/** Each finding's digest: the report's pairs by workload, then tenant (no key string per row), and the violations by id. */
export class FindingDigests {
  readonly pairs = new Map<string, Map<string, number>>();
  readonly violations = new Map<string, string>();

  get size(): number {
    let n = this.violations.size;
    for (const tenants of this.pairs.values()) n += tenants.size;
    return n;
  }

  /** Every finding's key (`findingIdOfKey` names its finding). */
  *keys(): Generator<string> {
    for (const [workload, tenants] of this.pairs) for (const tenant of tenants.keys()) yield isolationKey(workload, tenant);
    yield* this.violations.keys();
  }
}

export class ReportFindings {
  readonly digests = new FindingDigests();
  private readonly violations = new Map<string, FindingFacts>();
  private readonly rows: ReportRowDigests;
  private pairs: Map<string, number> | null = null;

  constructor(private readonly report: FleetReport) {
    this.rows = new ReportRowDigests(report);
  }

  /** Takes a workload's digests as they are (a map no one writes to any more). */
  addWorkload(workload: string, digests: Map<string, number>) {
    this.digests.pairs.set(workload, digests);
    this.pairs = null;
  }

  /** Reads one more report row; rows come in workload order. */
  addRow(row: number) {
    const workload = this.report.workload(row);
    const tenant = this.report.tenant(row);
    if (this.pairs === null || this.report.workload(row - 1) !== workload) this.digests.pairs.set(workload, (this.pairs = new Map<string, number>()));
    if (this.pairs.has(tenant)) throw new Error(`the report holds the pair (${workload}, ${tenant}) twice`);
    this.pairs.set(tenant, this.rows.digest(row));
  }

  addViolation(v: Violation) {
    const facts = violationFacts(this.report, v);
    this.violations.set(facts.id, facts);
    this.digests.violations.set(facts.id, JSON.stringify([facts.severity, facts.workloadTenant, facts.subject, facts.evidence]));
  }

  /** The facts of the findings with these keys (of this report), by id. */
  *factsSteps(keys: Iterable<string>, every = 256): Generator<void, Map<string, FindingFacts>> {
    const found = new Map<string, FindingFacts>();
    let n = 0;
    for (const key of keys) {
      if (++n % every === 0) yield;
      const facts = this.factsOf(key);
      if (facts) found.set(facts.id, facts);
    }
    return found;
  }

  private factsOf(key: string): FindingFacts | undefined {
    const pair = pairOfKey(key);
    if (!pair) return this.violations.get(key);
    const row = this.rowOf(pair[0], pair[1]);
    return row === undefined ? undefined : isolationFacts(isolationParts(this.report, row));
  }

  /** The row of a pair: its workload's rows are a range, in tenant order, a few at most. */
  private rowOf(workload: string, tenant: string): number | undefined {
    const range = this.report.rangeOfWorkload(workload);
    if (!range) return undefined;
    for (let row = range[0]; row < range[1]; row++) if (this.report.tenant(row) === tenant) return row;
    return undefined;
  }
}

/** The digests of each report's rows, kept for the report patched from it. */
const kept = new WeakMap<FleetReport, FindingDigests>();

/**
 * Every finding of a report and its violations, digested, in steps (a report may hold a million
 * rows). A report patched from one whose digests are kept takes over a workload's digests
 * when its rows were carried over (the same units, levels and weakest pairs: patch-report.ts)
 * and none of its tenants gained or lost a unit (the pair count): every input of those digests
 * is as it was (report-row-digests.ts).
 */
export function* reportFindingsSteps(report: FleetReport, violations: readonly Violation[], every = 256): Generator<void, ReportFindings> {
  const found = new ReportFindings(report);
  const carried = carriedDigests(report);
  let sinceYield = 0;
  // Rows by number, not through `list()`: that counts the rows a page reads (report.work).
  for (let row = 0; row < report.count;) {
    const workload = report.workload(row);
    const end = report.rangeOfWorkload(workload)![1];
    const digests = carried?.(workload);
    if (digests) found.addWorkload(workload, digests);
    else for (let r = row; r < end; r++) found.addRow(r);
    sinceYield += digests ? 1 : end - row;
    row = end;
    if (sinceYield >= every) {
      sinceYield = 0;
      yield;
    }
  }
  for (let i = 0; i < violations.length; i++) {
    if (i % every === every - 1) yield;
    found.addViolation(violations[i]);
  }
  kept.set(report, found.digests);
  // Its digests are kept now: the next report takes them over, not the older ones.
  forgetPatchOf(report);
  return found;
}

/** For a patched report whose origin's digests are kept: a workload's digests when they are those it had there (see above), else undefined. */
function carriedDigests(report: FleetReport): ((workload: string) => Map<string, number> | undefined) | null {
  const patch = patchOf(report);
  const before = patch && kept.get(patch.from);
  if (!patch || !before) return null;
  const [was, now] = [unitsIndex(patch.from.topology).byTenant, unitsIndex(report.topology).byTenant];
  const recounted: string[] = [];
  for (const [tenant, units] of now) if (was.get(tenant)?.length !== units.length) recounted.push(tenant);
  for (const [tenant] of was) if (!now.has(tenant)) recounted.push(tenant);
  const recountedSet = new Set(recounted);
  const against = (digests: Map<string, number>) => {
    // The smaller side is walked: a sync that recounts many tenants must not cost them for every workload.
    if (recounted.length <= digests.size) return recounted.some((tenant) => digests.has(tenant));
    for (const tenant of digests.keys()) if (recountedSet.has(tenant)) return true;
    return false;
  };
  return (workload) => {
    const digests = patch.rescanned.has(workload) ? undefined : before.pairs.get(workload);
    return digests && !against(digests) ? digests : undefined;
  };
}

/**
 * Keys new or with another digest (`changed`), and keys no longer there (`gone`), in steps of
 * `every` workloads and digests: on fleet M, 25,000 workloads' maps and, after a large sync,
 * most of their 800,000 digests.
 */
export function* changedFindingKeysSteps(before: FindingDigests, after: FindingDigests, every = 256): Generator<void, { changed: string[]; gone: string[] }> {
  const changed: string[] = [];
  const gone: string[] = [];
  let visited = 0;
  // A workload's digests taken over whole (reportFindingsSteps) are the same map: nothing of it changed.
  for (const [workload, tenants] of after.pairs) {
    const was = before.pairs.get(workload);
    if (++visited % every === 0) yield;
    if (was === tenants) continue;
    for (const [tenant, digest] of tenants) {
      if (++visited % every === 0) yield;
      if (was?.get(tenant) !== digest) changed.push(isolationKey(workload, tenant));
    }
  }
  for (const [workload, tenants] of before.pairs) {
    const now = after.pairs.get(workload);
    if (++visited % every === 0) yield;
    if (now === tenants) continue;
    for (const tenant of tenants.keys()) {
      if (++visited % every === 0) yield;
      if (!now?.has(tenant)) gone.push(isolationKey(workload, tenant));
    }
  }
  for (const [key, digest] of after.violations) {
    if (++visited % every === 0) yield;
    if (before.violations.get(key) !== digest) changed.push(key);
  }
  for (const key of before.violations.keys()) {
    if (++visited % every === 0) yield;
    if (!after.violations.has(key)) gone.push(key);
  }
  return { changed, gone };
}
