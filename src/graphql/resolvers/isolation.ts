import type { AccessScope } from "../../access/access-scope.ts";
import { weakestPairPerUnit } from "../../access/redacted-evidence.ts";
import { describeSharedThing, explainVerdict, kindOfSharedThing } from "../../domain/explain-verdict.ts";
import { rank } from "../../domain/scale.ts";
import type { SharedThing as Shared } from "../../domain/separation.ts";
import { unitsIndex } from "../../domain/units-index.ts";
import { isolationVerdict, type EvidencePair, type Verdict } from "../../domain/verdict.ts";
import { serviceMetrics } from "../../observability/service-metrics.ts";
import type { FleetReport, ReportOutcome } from "../../domain/fleet-report-rows.ts";
import { ReportRowVerdict } from "../../domain/report-row-verdict.ts";
import { checkPolicy, policyHistory, savePolicy, type PolicyChange } from "../../isolation/policy-store.ts";
import type { IsolationView } from "../../isolation/isolation-index.ts";
import type { Context } from "../context.ts";
import { badUserInput, notFound } from "../errors.ts";
import { connectionFromRows, pageRequest, type PageArgs } from "../pagination.ts";
import { loadUnit } from "./inventory-fields.ts";
import { requireVisibleWorkload } from "./visible-workload.ts";

/**
 * Verdicts, the fleet report, exposure and the policy. Thin: load the request's view of the
 * in-memory index, call the domain, shape the answer.
 */
interface VerdictResult extends Verdict {
  view: IsolationView;
}

function verdictFor(view: IsolationView, scope: AccessScope, workload: string, tenant: string): VerdictResult {
  requireVisibleWorkload(view, scope, workload);
  // A tenant exists when a source synced it, or when units name it.
  if (!view.topology.tenants.has(tenant) && !unitsIndex(view.topology).byTenant.has(tenant)) {
    throw notFound(`no tenant "${tenant}" has been synced`);
  }
  const verdict = isolationVerdict(view.topology, workload, tenant, view.policy, view.freshness);
  serviceMetrics.verdicts.inc({ outcome: verdict.outcome });
  return { ...verdict, view };
}

/** A kept report row as a verdict: what the scan computed, the rest derived when asked. */
function rowVerdict(view: IsolationView, report: FleetReport, row: number): ReportRowVerdict & { view: IsolationView } {
  return Object.assign(new ReportRowVerdict(report, row, view.freshness), { view });
}

/** How many evidence pairs a verdict shows by default and at most (schema.graphql says so; test/graphql/page-size.test.ts ties them). */
export const DEFAULT_EVIDENCE = 5;
export const MAX_EVIDENCE = 100;

const weakestFirst = (a: Verdict, b: Verdict) =>
  rank(a.actual) - rank(b.actual) || rank(a.possible) - rank(b.possible) || a.workload.localeCompare(b.workload) || a.tenant.localeCompare(b.tenant);


const SHARED_LOADER = {
  RACK: "racks",
  POWER_DOMAIN: "powerDomains",
  NETWORK_DOMAIN: "networkDomains",
  DATACENTER: "datacenters",
} as const;

/** A shared thing as the API shows it; for a tenant caller, only its kind unless it is the caller's own unit. */
function sharedThing(shared: Shared, view: IsolationView, scope: AccessScope) {
  if (scope.redactsOthers && !(shared.kind === "UNIT" && scope.ownsUnit(view.topology, shared.unit))) {
    const kind = shared.kind === "UNIT" ? (shared.contains ? "CONTAINING_UNIT" : "SHARED_UNIT") : shared.kind;
    return { kind, key: null, shared, redacted: true };
  }
  switch (shared.kind) {
    case "UNIT":
      return { kind: shared.contains ? "CONTAINING_UNIT" : "SHARED_UNIT", key: shared.unit.key, shared };
    case "POSSIBLE_HOST":
      return { kind: "POSSIBLE_HOST", key: null, shared };
    case "NOTHING":
      return { kind: "NOTHING", key: null, shared };
    default:
      return { kind: shared.kind, key: shared.key, shared };
  }
}

export const IsolationVerdict = {
  explanation: (v: VerdictResult, _: unknown, ctx: Context) => explainVerdict(v, new Date(), { redactOtherSide: ctx.scope.redactsOthers }),
  workloadKey: (v: VerdictResult) => v.workload,
  workload: (v: VerdictResult, _: unknown, ctx: Context) => ctx.loaders.byKey.workloads.load(v.workload),
  tenantKey: (v: VerdictResult) => v.tenant,
  tenant: (v: VerdictResult, _: unknown, ctx: Context) => ctx.loaders.byKey.tenants.load(v.tenant),
  // A tenant caller learns no census of the other side (redacted-evidence.ts).
  pairCount: (v: VerdictResult, _: unknown, ctx: Context) => (ctx.scope.redactsOthers ? null : v.pairCount),
  evidence: (v: VerdictResult, args: { limit?: number | null }, ctx: Context) => {
    const limit = args.limit ?? DEFAULT_EVIDENCE;
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_EVIDENCE) throw badUserInput(`limit must be a whole number from 0 to ${MAX_EVIDENCE}`, "limit");
    const pairs = ctx.scope.redactsOthers ? weakestPairPerUnit(v.evidence(v.pairCount), limit) : v.evidence(limit);
    return pairs.map((pair) => ({ ...pair, view: v.view }));
  },
};

type ShownPair = EvidencePair & { view: IsolationView };

export const IsolationEvidence = {
  unit: (p: ShownPair, _: unknown, ctx: Context) => loadUnit(ctx, p.unit),
  // The loaders hide another tenant's unit from a tenant caller: null.
  otherUnit: (p: ShownPair, _: unknown, ctx: Context) => loadUnit(ctx, p.other),
  shared: (p: ShownPair, _: unknown, ctx: Context) => sharedThing(p.shared, p.view, ctx.scope),
};

export const SharedThing = {
  node: ({ shared, redacted }: { shared: Shared; redacted?: boolean }, _: unknown, ctx: Context) => {
    if (redacted) return null;
    if (shared.kind === "UNIT") return loadUnit(ctx, shared.unit);
    if (shared.kind === "POSSIBLE_HOST") return shared.datacenter ? ctx.loaders.byKey.datacenters.load(shared.datacenter) : null;
    if (shared.kind in SHARED_LOADER) return ctx.loaders.byKey[SHARED_LOADER[shared.kind as keyof typeof SHARED_LOADER]].load((shared as { key: string }).key);
    return null;
  },
  description: ({ shared, redacted }: { shared: Shared; redacted?: boolean }) => (redacted ? kindOfSharedThing(shared) : describeSharedThing(shared)),
};

export const isolationQueries = {
  async isolation(_: unknown, args: { workload: string; tenant: string }, ctx: Context) {
    return verdictFor(await ctx.isolation(), ctx.scope, args.workload, args.tenant);
  },
  async isolationReport(_: unknown, args: PageArgs & { outcome?: string | null }, ctx: Context) {
    if (args.outcome === "ISOLATED") throw badUserInput("the report lists only NOT_ISOLATED and UNPROVEN pairs; every pair not listed is ISOLATED", "outcome");
    const page = pageRequest(args);
    const view = await ctx.isolation();
    const report = await view.report();
    // O(page): a binary search for the cursor, then the page's rows as they were kept.
    const list = report.list(args.outcome as ReportOutcome | null | undefined);
    const start = page.after === null ? 0 : report.positionAfter(list, ...(page.after.split("\u0000") as [string, string]));
    const rows: ReportRowVerdict[] = [];
    for (let i = start; i < Math.min(list.length, start + page.size + 1); i++) rows.push(rowVerdict(view, report, list.row(i)));
    return connectionFromRows(rows, page, (v) => `${v.workload}\u0000${v.tenant}`, list.length);
  },
  async isolationPolicy(_: unknown, __: unknown, ctx: Context) {
    return (await ctx.isolation()).policy;
  },
  isolationPolicyHistory: (_: unknown, __: unknown, ctx: Context) => policyHistory(ctx.db.sql),
};

export const isolationMutations = {
  async setIsolationPolicy(_: unknown, args: PolicyChange, ctx: Context) {
    const userErrors = checkPolicy(args);
    if (userErrors.length > 0) return { policy: null, userErrors };
    const policy = await savePolicy(ctx.db.sql, args);
    ctx.forgetIsolation();
    ctx.logger.info({ version: policy.version, sameTenant: policy.sameTenant, sameOrganization: policy.sameOrganization, otherOrganization: policy.otherOrganization }, "isolation policy changed");
    return { policy, userErrors: [] };
  },
};

export const workloadIsolationFields = {
  async isolation(row: { key: string }, args: { from: string }, ctx: Context) {
    return verdictFor(await ctx.isolation(), ctx.scope, row.key, args.from);
  },
  async exposure(row: { key: string; tenant: string }, _: unknown, ctx: Context) {
    const view = await ctx.isolation();
    const report = await view.report();
    return report
      .rowsOfWorkload(row.key)
      .filter((r) => report.tenant(r) !== row.tenant)
      .map((r) => rowVerdict(view, report, r))
      .sort(weakestFirst);
  },
};

export const tenantIsolationFields = {
  async exposure(row: { key: string }, _: unknown, ctx: Context) {
    const view = await ctx.isolation();
    const report = await view.report();
    return report
      .rowsOfTenant(row.key)
      .filter((r) => view.topology.workloads.get(report.workload(r))?.tenant !== row.key)
      .map((r) => rowVerdict(view, report, r))
      .sort(weakestFirst);
  },
};
