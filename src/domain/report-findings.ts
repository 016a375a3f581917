import type { Violation } from "./anti-affinity.ts";
import { describeSharedThing, describeUnit } from "./explain-verdict.ts";
import type { FleetReport } from "./fleet-report-rows.ts";
import { isolationFindingId, violationFindingId, type FindingFacts } from "./findings.ts";
import type { Relationship } from "./policy.ts";
import { ReportRowVerdict } from "./report-row-verdict.ts";
import { rank, type IsolationLevel } from "./scale.ts";

/*
 * The findings of one report and its violations, each summed up in a digest that changes
 * whenever its facts (severity, evidence) do. Comparing the digests with the previous report's
 * (`changedFindingKeys`) finds what opened, changed or left without building every finding's
 * evidence or reading every stored finding: only those are built (`facts`) and decided on.
 *
 * An isolation finding's digest is a number: its three levels exactly (so a change of outcome
 * or of a level, what WORSENED and IMPROVED turn on, is never missed) and a 40-bit hash of
 * every other part of its facts (the weakest pair, the pair count, the relationship): two
 * different such parts share a hash once in 2^40. A violation's digest is its facts as text
 * (violations are few). Both are built from the same parts as the facts, so no part of the
 * facts can be left out of the digest.
 */
export type FindingDigest = number | string;

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

/** The finding id a key names. */
export function findingIdOfKey(key: string): string {
  if (!key.startsWith(ISOLATION_PREFIX)) return key;
  const [workload, tenant] = key.slice(ISOLATION_PREFIX.length).split("\u0000");
  return isolationFindingId(workload, tenant);
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

/** The levels exactly (4 bits each: the scale has 9), then 40 bits of a hash of all the parts. */
function isolationDigest(p: IsolationParts): number {
  const levels = (rank(p.required) << 8) | (rank(p.actual) << 4) | rank(p.possible);
  return levels * 2 ** 40 + hash40(Object.values(p));
}

/** cyrb53 (a public-domain string hash) over each value and a NUL after it, cut to 40 bits. */
function hash40(values: readonly (string | number)[]): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let v = 0; v < values.length; v++) {
    const value = values[v];
    const text = typeof value === "string" ? value : String(value);
    // The NUL after each value (no key holds one: the API refuses them) keeps "ab","c" apart from "a","bc".
    for (let i = 0; i <= text.length; i++) {
      const c = i < text.length ? text.charCodeAt(i) : 0;
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 & 0xff) * 2 ** 32 + (h1 >>> 0);
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

export class ReportFindings {
  /** Each finding's key (its pair, or a violation's id) and digest. */
  readonly digests = new Map<string, FindingDigest>();
  private readonly violations = new Map<string, FindingFacts>();

  constructor(private readonly report: FleetReport) {}

  /** Reads one more report row. */
  addRow(row: number) {
    const parts = isolationParts(this.report, row);
    this.digests.set(isolationKey(parts.workload, parts.tenant), isolationDigest(parts));
  }

  addViolation(v: Violation) {
    const facts = violationFacts(this.report, v);
    this.violations.set(facts.id, facts);
    this.digests.set(facts.id, JSON.stringify([facts.severity, facts.workloadTenant, facts.subject, facts.evidence]));
  }

  /**
   * The facts of the findings with these keys, by id. The digests hold the report's rows first,
   * in row order (one per pair: reportFindingsSteps checks), so a key's place is its row.
   */
  *factsSteps(keys: Iterable<string>, every = 256): Generator<void, Map<string, FindingFacts>> {
    const wanted = new Set(keys);
    const found = new Map<string, FindingFacts>();
    let place = 0;
    for (const key of this.digests.keys()) {
      if (place % every === every - 1) yield;
      if (wanted.has(key)) {
        const facts = place < this.report.count ? isolationFacts(isolationParts(this.report, place)) : this.violations.get(key);
        if (facts) found.set(facts.id, facts);
      }
      place++;
    }
    return found;
  }
}

/** Every finding of a report and its violations, digested, in steps (a report may hold a million rows). */
export function* reportFindingsSteps(report: FleetReport, violations: readonly Violation[], every = 256): Generator<void, ReportFindings> {
  const found = new ReportFindings(report);
  // Rows by number, not through `list()`: that counts the rows a page reads (report.work).
  for (let row = 0; row < report.count; row++) {
    if (row % every === every - 1) yield;
    found.addRow(row);
  }
  if (found.digests.size !== report.count) throw new Error(`the report holds ${report.count} rows but ${found.digests.size} pairs: a pair twice`);
  for (const v of violations) found.addViolation(v);
  return found;
}

/** Keys new or with another digest (`changed`), and keys no longer there (`gone`). */
export function changedFindingKeys(before: ReadonlyMap<string, FindingDigest>, after: ReadonlyMap<string, FindingDigest>): { changed: string[]; gone: string[] } {
  const changed: string[] = [];
  for (const [key, digest] of after) if (before.get(key) !== digest) changed.push(key);
  const gone: string[] = [];
  for (const key of before.keys()) if (!after.has(key)) gone.push(key);
  return { changed, gone };
}
