import { describe, expect, it } from "vitest";
import { findingChangesSteps, type FindingFacts, type FindingState, type FindingUpdate, type StoredFinding } from "../../src/domain/findings.ts";
import { changedFindingKeysSteps, FindingDigests } from "../../src/domain/report-findings.ts";
import { ISOLATION_LEVELS, rank, type IsolationLevel } from "../../src/domain/scale.ts";
import { rng } from "../support/random-inventory.ts";

/*
 * The findings update's comparisons run in steps (src/domain/report-findings.ts,
 * src/domain/findings.ts): on fleet M each held the event loop 190 to 490 ms in one block. Each
 * must yield in proportion to the work it is given (a step is `every` items at most) and give
 * what the one-block code it replaces gave, kept here as the reference.
 */

/** Runs a generator to its end: its steps and its result. */
function drain<T>(steps: Generator<void, T>): { yields: number; value: T } {
  let yields = 0;
  let step = steps.next();
  for (; !step.done; step = steps.next()) yields++;
  return { yields, value: step.value };
}

const EVERY = [1, 7, 256];

/** The one-block code, as it was: changedFindingKeys. */
const isolationKey = (workload: string, tenant: string) => `isolation\u0000${workload}\u0000${tenant}`;
function changedKeysOneBlock(before: FindingDigests, after: FindingDigests): { changed: string[]; gone: string[] } {
  const changed: string[] = [];
  const gone: string[] = [];
  for (const [workload, tenants] of after.pairs) {
    const was = before.pairs.get(workload);
    if (was !== tenants) for (const [tenant, digest] of tenants) if (was?.get(tenant) !== digest) changed.push(isolationKey(workload, tenant));
  }
  for (const [workload, tenants] of before.pairs) {
    const now = after.pairs.get(workload);
    if (now !== tenants) for (const tenant of tenants.keys()) if (!now?.has(tenant)) gone.push(isolationKey(workload, tenant));
  }
  for (const [key, digest] of after.violations) if (before.violations.get(key) !== digest) changed.push(key);
  for (const key of before.violations.keys()) if (!after.violations.has(key)) gone.push(key);
  return { changed, gone };
}

/** Two reports' digests: workloads carried over (the same map), changed, gone and new; violations alike. */
function digestsPair(seed: number, workloads: number) {
  const r = rng(seed);
  const [before, after] = [new FindingDigests(), new FindingDigests()];
  const tenantsOf = () => new Map(Array.from({ length: Math.floor(r() * 12) }, (_, t) => [`t${t}`, Math.floor(r() * 4)]));
  for (let w = 0; w < workloads; w++) {
    const was = tenantsOf();
    const fate = r();
    if (fate < 0.9) before.pairs.set(`w${w}`, was);
    if (fate < 0.4) after.pairs.set(`w${w}`, was);
    else if (fate < 0.8) after.pairs.set(`w${w}`, new Map([...was].filter(() => r() < 0.8).map(([t, d]) => [t, r() < 0.3 ? d + 1 : d] as const)).set(`t-new${w % 3}`, 0));
    else if (fate >= 0.9) after.pairs.set(`w${w}`, tenantsOf());
  }
  for (let v = 0; v < workloads / 4; v++) {
    if (r() < 0.8) before.violations.set(`anti-affinity-${v}`, `d${v}`);
    if (r() < 0.8) after.violations.set(`anti-affinity-${v}`, r() < 0.3 ? `d${v}'` : `d${v}`);
  }
  return { before, after };
}

/** The items the comparison visits: each workload of either side, each digest of a map not carried over, each violation. */
function itemsOf(before: FindingDigests, after: FindingDigests): number {
  let n = before.pairs.size + after.pairs.size + before.violations.size + after.violations.size;
  for (const [workload, tenants] of after.pairs) if (before.pairs.get(workload) !== tenants) n += tenants.size + (before.pairs.get(workload)?.size ?? 0);
  for (const [workload, tenants] of before.pairs) if (!after.pairs.has(workload)) n += tenants.size;
  return n;
}

describe("the keys whose digest moved", () => {
  it("come in steps of `every` workloads and digests, and are the one-block computation's, in its order", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { before, after } = digestsPair(seed, 50 + seed * 100);
      const expected = changedKeysOneBlock(before, after);
      const items = itemsOf(before, after);
      for (const every of EVERY) {
        const { yields, value } = drain(changedFindingKeysSteps(before, after, every));
        expect(value).toEqual(expected);
        expect(yields).toBeGreaterThanOrEqual(Math.floor(items / every) - 1);
        expect(yields).toBeLessThanOrEqual(Math.ceil(items / every));
      }
    }
  });

  it("cost a step per `every` workloads when every map was carried over (nothing changed)", () => {
    const { before } = digestsPair(7, 3000);
    const after = new FindingDigests();
    for (const [workload, tenants] of before.pairs) after.pairs.set(workload, tenants);
    for (const [key, digest] of before.violations) after.violations.set(key, digest);
    const { yields, value } = drain(changedFindingKeysSteps(before, after, 256));
    expect(value).toEqual({ changed: [], gone: [] });
    expect(yields).toBeGreaterThanOrEqual(Math.floor((2 * before.pairs.size) / 256) - 1);
  });
});

/** The one-block code, as it was: findingChanges with its helpers. */
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
function findingChangesOneBlock(stored: ReadonlyMap<string, StoredFinding>, current: ReadonlyMap<string, FindingFacts>): { updates: FindingUpdate[]; resolved: StoredFinding[] } {
  const updates: FindingUpdate[] = [];
  for (const facts of current.values()) {
    const before = stored.get(facts.id);
    if (!before) updates.push({ facts, change: "OPENED", state: "OPEN" });
    else if (before.state === "RESOLVED") updates.push({ facts, change: "REOPENED", state: "OPEN" });
    else if (before.severity === facts.severity && canonical(before.evidence) === canonical(facts.evidence)) updates.push({ facts, change: null, state: before.state });
    else {
      const order = compare(badness(facts.severity, facts.evidence), badness(before.severity, before.evidence));
      if (order > 0) updates.push({ facts, change: "WORSENED", state: "OPEN" });
      else updates.push({ facts, change: order < 0 ? "IMPROVED" : "CHANGED", state: before.state });
    }
  }
  const resolved = [...stored.values()].filter((f) => f.state !== "RESOLVED" && !current.has(f.id));
  return { updates, resolved };
}

/** Stored findings and current ones: new, back, the same (stored evidence's keys in another order), worse, better, otherwise changed, gone. */
function findingsPair(seed: number, count: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const level = () => pick(ISOLATION_LEVELS);
  const isolation = (): Pick<FindingFacts, "severity" | "evidence"> => {
    const outcome = pick(["NOT_ISOLATED", "UNPROVEN"]);
    return { severity: outcome, evidence: { outcome, required: level(), actual: level(), possible: level(), pairCount: Math.floor(r() * 3), weakestPair: { unit: "vm a", otherUnit: "vm b", shared: pick(["host h1", "host h2"]) } } };
  };
  const violation = (): Pick<FindingFacts, "severity" | "evidence"> => ({ severity: pick(["HARD", "SOFT"]), evidence: { mode: "HARD", excess: Math.floor(r() * 3), replicas: ["vm a", "vm b"] } });
  const stored = new Map<string, StoredFinding>();
  const current = new Map<string, FindingFacts>();
  for (let i = 0; i < count; i++) {
    const id = `finding-${i}`;
    const kind = r() < 0.7 ? "ISOLATION" : "ANTI_AFFINITY";
    const now = kind === "ISOLATION" ? isolation() : violation();
    if (r() < 0.85) current.set(id, { id, kind, workload: `w${i}`, workloadTenant: "t", tenant: null, subject: {}, ...now });
    if (r() < 0.15) continue;
    const state = pick<FindingState>(["OPEN", "OPEN", "ACCEPTED", "RESOLVED"]);
    // The same facts half the time, with the keys in jsonb's order; else another finding's.
    const was = r() < 0.5 ? { severity: now.severity, evidence: Object.fromEntries(Object.entries(now.evidence).reverse()) } : kind === "ISOLATION" ? isolation() : violation();
    stored.set(id, { id, state, ...was });
  }
  return { stored, current };
}

describe("how each finding changes", () => {
  it("is worked out in steps of `every` findings, and is the one-block computation's, in its order", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { stored, current } = findingsPair(seed, 100 + seed * 150);
      const expected = findingChangesOneBlock(stored, current);
      const items = stored.size + current.size;
      for (const every of EVERY) {
        const { yields, value } = drain(findingChangesSteps(stored, current, every));
        expect(value).toEqual({ changed: expected.updates.filter((u) => u.change !== null), resolved: expected.resolved });
        expect(yields).toBeGreaterThanOrEqual(Math.floor(items / every) - 1);
        expect(yields).toBeLessThanOrEqual(Math.ceil(items / every));
      }
      // Every kind of change is met, so the reference is held to each.
      if (seed === 20) for (const change of ["OPENED", "REOPENED", null, "WORSENED", "IMPROVED", "CHANGED"]) expect(expected.updates.map((u) => u.change)).toContain(change);
      if (seed === 20) expect(expected.resolved.length).toBeGreaterThan(0);
    }
  });
});
