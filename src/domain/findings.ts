import { createHash } from "node:crypto";
import type { Violation } from "./anti-affinity.ts";
import { rank, type IsolationLevel } from "./scale.ts";

/*
 * Findings (docs/history.md): each pair of the isolation report and each anti-affinity
 * violation, named by a stable id (a digest of what it is about, so the same pair or the same
 * rule's violation in the same domain is the same finding from one report to the next), with
 * its severity and evidence (built from a report in report-findings.ts). How the stored findings
 * change when the report changes (`findingChangesSteps`) is decided here; storing it is src/findings/.
 */
export type FindingKind = "ISOLATION" | "ANTI_AFFINITY";
export type FindingState = "OPEN" | "ACCEPTED" | "RESOLVED";
export type FindingChange = "OPENED" | "REOPENED" | "WORSENED" | "IMPROVED" | "CHANGED" | "RESOLVED" | "ACCEPTED" | "ACCEPTANCE_EXPIRED";

export interface FindingFacts {
  id: string;
  kind: FindingKind;
  workload: string;
  workloadTenant: string | null;
  /** The other tenant of an isolation finding. */
  tenant: string | null;
  subject: Record<string, unknown>;
  /** NOT_ISOLATED or UNPROVEN; HARD or SOFT for a violation. */
  severity: string;
  evidence: Record<string, unknown>;
}

/** A stored finding, as far as deciding its change needs. */
export interface StoredFinding {
  id: string;
  state: FindingState;
  severity: string;
  evidence: Record<string, unknown>;
}

const digest = (parts: unknown[]) => createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 16);

export function isolationFindingId(workload: string, tenant: string): string {
  return `isolation-${digest(["ISOLATION", workload, tenant])}`;
}

export function violationFindingId(v: Pick<Violation, "workload" | "rule" | "kind" | "domain">): string {
  return `anti-affinity-${digest(["ANTI_AFFINITY", v.workload, v.rule, v.kind, v.domain])}`;
}

/** Greater is worse: [severity, how weak the separation or how large the excess]. */
function badness(severity: string, evidence: Record<string, unknown>): number[] {
  if (severity === "NOT_ISOLATED" || severity === "UNPROVEN") {
    return [severity === "NOT_ISOLATED" ? 1 : 0, -rank(evidence.actual as IsolationLevel), -rank(evidence.possible as IsolationLevel)];
  }
  return [severity === "HARD" ? 1 : 0, Number(evidence.excess ?? 0)];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** JSON with every object's keys sorted: stored evidence (jsonb) keeps its keys in another order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

const sameEvidence = (a: Record<string, unknown>, b: Record<string, unknown>) => canonical(a) === canonical(b);

export interface FindingUpdate {
  facts: FindingFacts;
  change: FindingChange | null;
  state: FindingState;
}

/**
 * How each finding changes from what is stored to what is wrong now: new or back (OPENED,
 * REOPENED), worse (WORSENED: an accepted finding reopens), better or otherwise different
 * (IMPROVED, CHANGED), the same (no change), or gone (RESOLVED). `current` is every finding
 * of the report, or only those that may have changed; `stored` holds at least every stored
 * finding of `current` and every one not RESOLVED that is not in the report any more.
 * In steps of `every` findings: each compares two evidences, and a sync on fleet M may change
 * 24,000 findings (a first update compares 800,000). `changed` holds the updates that change
 * something (a change other than none), in the order of `current`.
 */
export function* findingChangesSteps(stored: ReadonlyMap<string, StoredFinding>, current: ReadonlyMap<string, FindingFacts>, every = 256): Generator<void, { changed: FindingUpdate[]; resolved: StoredFinding[] }> {
  const changed: FindingUpdate[] = [];
  let visited = 0;
  for (const facts of current.values()) {
    if (++visited % every === 0) yield;
    const update = findingUpdate(stored.get(facts.id), facts);
    if (update.change !== null) changed.push(update);
  }
  const resolved: StoredFinding[] = [];
  for (const before of stored.values()) {
    if (++visited % every === 0) yield;
    if (before.state !== "RESOLVED" && !current.has(before.id)) resolved.push(before);
  }
  return { changed, resolved };
}

function findingUpdate(before: StoredFinding | undefined, facts: FindingFacts): FindingUpdate {
  if (!before) return { facts, change: "OPENED", state: "OPEN" };
  if (before.state === "RESOLVED") return { facts, change: "REOPENED", state: "OPEN" };
  if (before.severity === facts.severity && sameEvidence(before.evidence, facts.evidence)) return { facts, change: null, state: before.state };
  const order = compare(badness(facts.severity, facts.evidence), badness(before.severity, before.evidence));
  if (order > 0) return { facts, change: "WORSENED", state: "OPEN" };
  return { facts, change: order < 0 ? "IMPROVED" : "CHANGED", state: before.state };
}
