import type { AccessScope } from "../../access/access-scope.ts";
import { weakestPairPerUnit } from "../../access/redacted-evidence.ts";
import { describeSharedThing, explainVerdict, kindOfSharedThing } from "../../domain/explain-verdict.ts";
import { rank } from "../../domain/scale.ts";
import type { SharedThing as Shared } from "../../domain/separation.ts";
import { unitsIndex } from "../../domain/units-index.ts";
import { isolationVerdict, type EvidencePair, type Verdict } from "../../domain/verdict.ts";
import { serviceMetrics } from "../../observability/service-metrics.ts";
import { inSpan } from "../../observability/in-span.ts";
import type { FleetReport } from "../../domain/fleet-report-rows.ts";
import { ReportRowVerdict } from "../../domain/report-row-verdict.ts";
import { checkPolicy, policyHistory, savePolicy } from "../../isolation/policy-store.ts";
import type { IsolationView } from "../../isolation/isolation-index.ts";
import { loadersFor, viewFor } from "../as-of.ts";
import type { Context } from "../context.ts";
import type { IsolationEvidenceResolvers, IsolationVerdictResolvers, MutationResolvers, QueryResolvers, SharedThingResolvers, TenantResolvers, WorkloadResolvers } from "../generated/resolvers-types.ts";
import { badUserInput, notFound } from "../errors.ts";
import { connectionFromRows, pageRequest } from "../pagination.ts";
import { verdictDiagram } from "../verdict-diagram.ts";
import { loadUnit } from "./inventory-fields.ts";
import { requireVisibleWorkload } from "./visible-workload.ts";
import { compareCodeUnits } from "../../domain/compare-code-units.ts";

/*
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
    const started = performance.now(); // not startTimer: no closure, hrtime pair or label merge per verdict
    const verdict = verdictFor(await viewFor(ctx, asOf, row), ctx.scope, workload, tenant);
    serviceMetrics.verdictSeconds.observe((performance.now() - started) / 1000);
    span.setAttributes({ "tenancy.verdict.outcome": verdict.outcome, "tenancy.inventory_version": verdict.view.inventoryVersion });
    return verdict;
  });
}

/** A kept report row as a verdict: what the scan computed, the rest derived when asked. */
function rowVerdict(view: IsolationView, report: FleetReport, row: number): ReportRowVerdict & { view: IsolationView } {
  return Object.assign(new ReportRowVerdict(report, row, view.freshness), { view });
}

/** How many evidence pairs a verdict shows by default and at most (schema.graphql says so; test/graphql/page-size.test.ts ties them). */
export const DEFAULT_EVIDENCE = 5;
export const MAX_EVIDENCE = 100;

const weakestFirst = (a: Verdict, b: Verdict) => rank(a.actual) - rank(b.actual) || rank(a.possible) - rank(b.possible) || compareCodeUnits(a.workload, b.workload) || compareCodeUnits(a.tenant, b.tenant);

const SHARED_LOADER = {
  RACK: "racks",
  POWER_DOMAIN: "powerDomains",
  NETWORK_DOMAIN: "networkDomains",
  DATACENTER: "datacenters",
  POSSIBLE_HAZARD_ZONE: "datacenters",
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

export const IsolationVerdict: IsolationVerdictResolvers = {
  // A past answer is worded as it was then (a date is left out when it is the day of the answer).
  explanation: (v, _, ctx) => explainVerdict(v, v.view.asOf ?? new Date(), { redactOtherSide: ctx.scope.redactsOthers, topology: v.view.topology }),
  workloadKey: (v) => v.workload,
  workload: (v, _, ctx) => loadersFor(ctx, v).byKey.workloads.load(v.workload),
  tenantKey: (v) => v.tenant,
  tenant: (v, _, ctx) => loadersFor(ctx, v).byKey.tenants.load(v.tenant),
  // A tenant caller learns no census of the other side (redacted-evidence.ts).
  pairCount: (v, _, ctx) => (ctx.scope.redactsOthers ? null : v.pairCount),
  evidence: (v, args, ctx) => shownPairs(v, args.limit, ctx).map((pair) => ({ ...pair, view: v.view })),
  diagram: (v, args, ctx) => verdictDiagram(v.view.topology, v, shownPairs(v, args.limit, ctx), args.format, ctx.scope.redactsOthers ? (unit) => ctx.scope.ownsUnit(v.view.topology, unit) : null),
};

/** The pairs a caller is shown (evidence and diagram alike); for a tenant, its units' weakest only. */
function shownPairs(v: VerdictResult, requested: number | null | undefined, ctx: Context): EvidencePair[] {
  const limit = requested ?? DEFAULT_EVIDENCE;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_EVIDENCE) throw badUserInput(`limit must be a whole number from 0 to ${MAX_EVIDENCE}`, "limit");
  return ctx.scope.redactsOthers ? weakestPairPerUnit(v.evidence(v.pairCount), limit) : v.evidence(limit);
}

export const IsolationEvidence: IsolationEvidenceResolvers = {
  unit: (p, _, ctx) => loadUnit(ctx, p.unit, p),
  // The loaders hide another tenant's unit from a tenant caller: null.
  otherUnit: (p, _, ctx) => loadUnit(ctx, p.other, p),
  shared: (p, _, ctx) => sharedThing(p.shared, p.view, ctx.scope),
};

export const SharedThing: SharedThingResolvers = {
  node: (thing, _, ctx) => {
    const { shared, redacted } = thing;
    if (redacted) return null;
    if (shared.kind === "UNIT") return loadUnit(ctx, shared.unit, thing);
    const loaders = loadersFor(ctx, thing);
    if (shared.kind === "POSSIBLE_HOST") return shared.datacenter ? loaders.byKey.datacenters.load(shared.datacenter) : null;
    if (shared.kind in SHARED_LOADER) return loaders.byKey[SHARED_LOADER[shared.kind as keyof typeof SHARED_LOADER]].load((shared as { key: string }).key);
    return null;
  },
  description: ({ shared, redacted }) => (redacted ? kindOfSharedThing(shared) : describeSharedThing(shared)),
};

export const isolationQueries: QueryResolvers = {
  isolation: (_, args, ctx) => tracedVerdict(ctx, args.workload, args.tenant, args.asOf),
  async isolationReport(_, args, ctx) {
    if (args.outcome === "ISOLATED") throw badUserInput("the report lists only NOT_ISOLATED and UNPROVEN pairs; every pair not listed is ISOLATED", "outcome");
    const page = pageRequest(args);
    const view = await viewFor(ctx, args.asOf);
    const report = await view.report();
    // O(page): a binary search for the cursor, then the page's rows as they were kept.
    const list = report.list(args.outcome);
    const start = page.after === null ? 0 : report.positionAfter(list, ...(page.after.split("\u0000") as [string, string]));
    const rows: ReportRowVerdict[] = [];
    for (let i = start; i < Math.min(list.length, start + page.size + 1); i++) rows.push(rowVerdict(view, report, list.row(i)));
    return connectionFromRows(rows, page, (v) => `${v.workload}\u0000${v.tenant}`, list.length);
  },
  async isolationPolicy(_, __, ctx) {
    return (await ctx.isolation()).policy;
  },
  isolationPolicyHistory: (_, __, ctx) => policyHistory(ctx.db.sql),
};

export const isolationMutations: MutationResolvers = {
  async setIsolationPolicy(_, args, ctx) {
    const userErrors = checkPolicy(args);
    if (userErrors.length > 0) return { policy: null, userErrors };
    const policy = await savePolicy(ctx.db.sql, args);
    ctx.forgetIsolation();
    ctx.logger.info({ version: policy.version, sameTenant: policy.sameTenant, sameOrganization: policy.sameOrganization, otherOrganization: policy.otherOrganization }, "isolation policy changed");
    return { policy, userErrors: [] };
  },
};

export const workloadIsolationFields: WorkloadResolvers = {
  isolation: (row, args, ctx) => tracedVerdict(ctx, row.key, args.from, args.asOf, row),
  async exposure(row, args, ctx) {
    const view = await viewFor(ctx, args.asOf, row);
    const report = await view.report();
    return report
      .rowsOfWorkload(row.key)
      .filter((r) => report.tenant(r) !== row.tenant)
      .map((r) => rowVerdict(view, report, r))
      .sort(weakestFirst);
  },
};

export const tenantIsolationFields: TenantResolvers = {
  async exposure(row, args, ctx) {
    const view = await viewFor(ctx, args.asOf, row);
    const report = await view.report();
    return report
      .rowsOfTenant(row.key)
      .filter((r) => view.topology.workloads.get(report.workload(r))?.tenant !== row.key)
      .map((r) => rowVerdict(view, report, r))
      .sort(weakestFirst);
  },
};
