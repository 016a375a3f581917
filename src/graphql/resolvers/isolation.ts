import type { AccessScope } from "../../access/access-scope.ts";
import { weakestPairPerUnit } from "../../access/redacted-evidence.ts";
import { describeSharedThing, explainVerdict, kindOfSharedThing } from "../../domain/explain-verdict.ts";
import { rank } from "../../domain/scale.ts";
import type { SharedThing as Shared } from "../../domain/separation.ts";
import { unitsIndex } from "../../domain/units-index.ts";
import { isolationVerdict, type Verdict } from "../../domain/verdict.ts";
import { serviceMetrics } from "../../observability/service-metrics.ts";
import type { FleetReport } from "../../domain/fleet-report-rows.ts";
import { ReportRowVerdict } from "../../domain/report-row-verdict.ts";
import { checkPolicy, policyHistory, savePolicy } from "../../isolation/policy-store.ts";
import type { IsolationView } from "../../isolation/isolation-index.ts";
import type {
  IsolationEvidenceResolvers,
  IsolationVerdictResolvers,
  MutationResolvers,
  QueryResolvers,
  SharedThingResolvers,
  TenantResolvers,
  WorkloadResolvers,
} from "../generated/resolvers-types.ts";
import { badUserInput, notFound } from "../errors.ts";
import { connectionFromRows, pageRequest } from "../pagination.ts";
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

export const IsolationVerdict: IsolationVerdictResolvers = {
  explanation: (v, _, ctx) => explainVerdict(v, new Date(), { redactOtherSide: ctx.scope.redactsOthers }),
  workloadKey: (v) => v.workload,
  workload: (v, _, ctx) => ctx.loaders.byKey.workloads.load(v.workload),
  tenantKey: (v) => v.tenant,
  tenant: (v, _, ctx) => ctx.loaders.byKey.tenants.load(v.tenant),
  // A tenant caller learns no census of the other side (redacted-evidence.ts).
  pairCount: (v, _, ctx) => (ctx.scope.redactsOthers ? null : v.pairCount),
  evidence: (v, args, ctx) => {
    const limit = args.limit ?? DEFAULT_EVIDENCE;
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_EVIDENCE) throw badUserInput(`limit must be a whole number from 0 to ${MAX_EVIDENCE}`, "limit");
    const pairs = ctx.scope.redactsOthers ? weakestPairPerUnit(v.evidence(v.pairCount), limit) : v.evidence(limit);
    return pairs.map((pair) => ({ ...pair, view: v.view }));
  },
};

export const IsolationEvidence: IsolationEvidenceResolvers = {
  unit: (p, _, ctx) => loadUnit(ctx, p.unit),
  // The loaders hide another tenant's unit from a tenant caller: null.
  otherUnit: (p, _, ctx) => loadUnit(ctx, p.other),
  shared: (p, _, ctx) => sharedThing(p.shared, p.view, ctx.scope),
};

export const SharedThing: SharedThingResolvers = {
  node: ({ shared, redacted }, _, ctx) => {
    if (redacted) return null;
    if (shared.kind === "UNIT") return loadUnit(ctx, shared.unit);
    if (shared.kind === "POSSIBLE_HOST") return shared.datacenter ? ctx.loaders.byKey.datacenters.load(shared.datacenter) : null;
    if (shared.kind in SHARED_LOADER) return ctx.loaders.byKey[SHARED_LOADER[shared.kind as keyof typeof SHARED_LOADER]].load((shared as { key: string }).key);
    return null;
  },
  description: ({ shared, redacted }) => (redacted ? kindOfSharedThing(shared) : describeSharedThing(shared)),
};

export const isolationQueries: QueryResolvers = {
  async isolation(_, args, ctx) {
    return verdictFor(await ctx.isolation(), ctx.scope, args.workload, args.tenant);
  },
  async isolationReport(_, args, ctx) {
    if (args.outcome === "ISOLATED") throw badUserInput("the report lists only NOT_ISOLATED and UNPROVEN pairs; every pair not listed is ISOLATED", "outcome");
    const page = pageRequest(args);
    const view = await ctx.isolation();
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
  async isolation(row, args, ctx) {
    return verdictFor(await ctx.isolation(), ctx.scope, row.key, args.from);
  },
  async exposure(row, _, ctx) {
    const view = await ctx.isolation();
    const report = await view.report();
    return report
      .rowsOfWorkload(row.key)
      .filter((r) => report.tenant(r) !== row.tenant)
      .map((r) => rowVerdict(view, report, r))
      .sort(weakestFirst);
  },
};

export const tenantIsolationFields: TenantResolvers = {
  async exposure(row, _, ctx) {
    const view = await ctx.isolation();
    const report = await view.report();
    return report
      .rowsOfTenant(row.key)
      .filter((r) => view.topology.workloads.get(report.workload(r))?.tenant !== row.key)
      .map((r) => rowVerdict(view, report, r))
      .sort(weakestFirst);
  },
};
