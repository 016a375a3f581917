import type { AccessScope } from "../../access/access-scope.ts";
import { weakestPairPerUnit } from "../../access/redacted-evidence.ts";
import { describeSharedThing, explainVerdict, kindOfSharedThing } from "../../domain/explain-verdict.ts";
import { rank } from "../../domain/scale.ts";
import type { SharedThing as Shared } from "../../domain/separation.ts";
import { unitsIndex } from "../../domain/units-index.ts";
import { isolationVerdict, type EvidencePair, type Verdict } from "../../domain/verdict.ts";
import { serviceMetrics } from "../../observability/service-metrics.ts";
import { inSpan } from "../../observability/in-span.ts";
import type { FleetReport, ReportOutcome } from "../../domain/fleet-report-rows.ts";
import { ReportRowVerdict } from "../../domain/report-row-verdict.ts";
import { checkPolicy, policyHistory, savePolicy, type PolicyChange } from "../../isolation/policy-store.ts";
import type { IsolationView } from "../../isolation/isolation-index.ts";
import { loadersFor, viewFor } from "../as-of.ts";
import type { Context } from "../context.ts";
import { badUserInput, notFound } from "../errors.ts";
import { connectionFromRows, pageRequest, type PageArgs } from "../pagination.ts";
import { verdictDiagram, type DiagramFormat } from "../verdict-diagram.ts";
import { loadUnit } from "./inventory-fields.ts";
import { requireVisibleWorkload } from "./visible-workload.ts";
import { compareCodeUnits } from "../../domain/compare-code-units.ts";

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

/** A verdict as a span (tenancy.verdict) holding the request's view of the index: its SQL, a reload if one is due. */
function tracedVerdict(ctx: Context, workload: string, tenant: string, asOf?: Date | null, row?: Parameters<typeof viewFor>[2]): Promise<VerdictResult> {
  return inSpan("tenancy.verdict", { "tenancy.workload": workload, "tenancy.tenant": tenant }, async (span) => {
    const stop = serviceMetrics.verdictSeconds.startTimer();
    const verdict = verdictFor(await viewFor(ctx, asOf, row), ctx.scope, workload, tenant);
    stop();
    span.setAttributes({ "tenancy.verdict.outcome": verdict.outcome, "tenancy.inventory_version": verdict.view.inventoryVersion });
    return verdict;
  });
}

/** A kept report row as a verdict: what the scan computed, the rest derived when asked. */
function rowVerdict(view: IsolationView, report: FleetReport, row: number): ReportRowVerdict & { view: IsolationView } {
  return Object.assign(new ReportRowVerdict(report, row, view.freshness), { view });
}

const weakestFirst = (a: Verdict, b: Verdict) =>
  rank(a.actual) - rank(b.actual) || rank(a.possible) - rank(b.possible) || compareCodeUnits(a.workload, b.workload) || compareCodeUnits(a.tenant, b.tenant);


const SHARED_LOADER = {
  RACK: "racks",
  POWER_DOMAIN: "powerDomains",
  NETWORK_DOMAIN: "networkDomains",
  DATACENTER: "datacenters",
} as const;

/** A shared thing as the API shows it; for a tenant caller, only its kind unless it is the caller's own unit. */
function sharedThing(shared: Shared, view: IsolationView, scope: AccessScope) {
  return { ...shownThing(shared, view, scope), view };
}

function shownThing(shared: Shared, view: IsolationView, scope: AccessScope) {
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
  // A past answer is worded as it was then (a date is left out when it is the day of the answer).
  explanation: (v: VerdictResult, _: unknown, ctx: Context) => explainVerdict(v, v.view.asOf ?? new Date(), { redactOtherSide: ctx.scope.redactsOthers }),
  workloadKey: (v: VerdictResult) => v.workload,
  workload: (v: VerdictResult, _: unknown, ctx: Context) => loadersFor(ctx, v).byKey.workloads.load(v.workload),
  tenantKey: (v: VerdictResult) => v.tenant,
  tenant: (v: VerdictResult, _: unknown, ctx: Context) => loadersFor(ctx, v).byKey.tenants.load(v.tenant),
  // A tenant caller learns no census of the other side (redacted-evidence.ts).
  pairCount: (v: VerdictResult, _: unknown, ctx: Context) => (ctx.scope.redactsOthers ? null : v.pairCount),
  evidence: (v: VerdictResult, args: { limit?: number | null }, ctx: Context) => shownPairs(v, args.limit, ctx).map((pair) => ({ ...pair, view: v.view })),
  diagram: (v: VerdictResult, args: { format: DiagramFormat; limit?: number | null }, ctx: Context) =>
    verdictDiagram(v.view.topology, v, shownPairs(v, args.limit, ctx), args.format, ctx.scope.redactsOthers ? (unit) => ctx.scope.ownsUnit(v.view.topology, unit) : null),
};

/** The pairs a caller is shown (evidence and diagram alike); for a tenant, its units' weakest only. */
function shownPairs(v: VerdictResult, requested: number | null | undefined, ctx: Context): EvidencePair[] {
  const limit = requested ?? 5;
  if (!Number.isInteger(limit) || limit < 0 || limit > 100) throw badUserInput("limit must be a whole number from 0 to 100", "limit");
  return ctx.scope.redactsOthers ? weakestPairPerUnit(v.evidence(v.pairCount), limit) : v.evidence(limit);
}

type ShownPair = EvidencePair & { view: IsolationView };

export const IsolationEvidence = {
  unit: (p: ShownPair, _: unknown, ctx: Context) => loadUnit(ctx, p.unit, p),
  // The loaders hide another tenant's unit from a tenant caller: null.
  otherUnit: (p: ShownPair, _: unknown, ctx: Context) => loadUnit(ctx, p.other, p),
  shared: (p: ShownPair, _: unknown, ctx: Context) => sharedThing(p.shared, p.view, ctx.scope),
};

export const SharedThing = {
  node: (thing: { shared: Shared; redacted?: boolean; view: IsolationView }, _: unknown, ctx: Context) => {
    const { shared, redacted } = thing;
    if (redacted) return null;
    if (shared.kind === "UNIT") return loadUnit(ctx, shared.unit, thing);
    const loaders = loadersFor(ctx, thing);
    if (shared.kind === "POSSIBLE_HOST") return shared.datacenter ? loaders.byKey.datacenters.load(shared.datacenter) : null;
    if (shared.kind in SHARED_LOADER) return loaders.byKey[SHARED_LOADER[shared.kind as keyof typeof SHARED_LOADER]].load((shared as { key: string }).key);
    return null;
  },
  description: ({ shared, redacted }: { shared: Shared; redacted?: boolean }) => (redacted ? kindOfSharedThing(shared) : describeSharedThing(shared)),
};

export const isolationQueries = {
  isolation: (_: unknown, args: { workload: string; tenant: string; asOf?: Date | null }, ctx: Context) => tracedVerdict(ctx, args.workload, args.tenant, args.asOf),
  async isolationReport(_: unknown, args: PageArgs & { outcome?: string | null; asOf?: Date | null }, ctx: Context) {
    if (args.outcome === "ISOLATED") throw badUserInput("the report lists only NOT_ISOLATED and UNPROVEN pairs; every pair not listed is ISOLATED", "outcome");
    const page = pageRequest(args);
    const view = await viewFor(ctx, args.asOf);
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
  isolation: (row: { key: string }, args: { from: string; asOf?: Date | null }, ctx: Context) => tracedVerdict(ctx, row.key, args.from, args.asOf, row),
  async exposure(row: { key: string; tenant: string }, args: { asOf?: Date | null }, ctx: Context) {
    const view = await viewFor(ctx, args.asOf, row);
    const report = await view.report();
    return report
      .rowsOfWorkload(row.key)
      .filter((r) => report.tenant(r) !== row.tenant)
      .map((r) => rowVerdict(view, report, r))
      .sort(weakestFirst);
  },
};

export const tenantIsolationFields = {
  async exposure(row: { key: string }, args: { asOf?: Date | null }, ctx: Context) {
    const view = await viewFor(ctx, args.asOf, row);
    const report = await view.report();
    return report
      .rowsOfTenant(row.key)
      .filter((r) => view.topology.workloads.get(report.workload(r))?.tenant !== row.key)
      .map((r) => rowVerdict(view, report, r))
      .sort(weakestFirst);
  },
};
