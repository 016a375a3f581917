import { auditWorkload, NOUN, replicaSpread, replicasOf, type Violation } from "../../domain/anti-affinity.ts";
import { domainExists, failureImpact, survives } from "../../domain/failure-impact.ts";
import type { AntiAffinityLevel } from "../../domain/scale.ts";
import type { AntiAffinityRule } from "../../domain/topology.ts";
import { bumpInventoryVersion } from "../../inventory/inventory-version.ts";
import { checkRules } from "../../inventory/validate-snapshot.ts";
import { loadersFor, markPast, pastOf, pastOfView, viewFor } from "../as-of.ts";
import type { IsolationView } from "../../isolation/isolation-index.ts";
import type { Context } from "../context.ts";
import { notFound } from "../errors.ts";
import type {
  AntiAffinityRuleAuditResolvers,
  AntiAffinityViolationResolvers,
  FailureImpactResolvers,
  MutationResolvers,
  QueryResolvers,
  UnverifiableReplicaResolvers,
  WorkloadFailureImpactResolvers,
  WorkloadResolvers,
  WorkloadSurvivalResolvers,
} from "../generated/resolvers-types.ts";
import { connectionFromRows, pageRequest } from "../pagination.ts";
import { loadUnit, loadUnits, nonNull } from "./inventory-fields.ts";
import { requireVisibleWorkload } from "./visible-workload.ts";
import { compareCodeUnits } from "../../domain/compare-code-units.ts";

/*
 * Anti-affinity audits and failure what-ifs. Thin: the request's view of the in-memory index,
 * the domain's rules, and loaders for the objects named.
 */
const KIND_ORDER = { MAX_PER_DOMAIN: 0, MIN_DOMAINS: 1, MAX_SKEW: 2 } as const;

/** A sortable position for a violation: workload, rule, kind, domain. */
function position(v: Violation): string {
  const node = v.rule;
  return `${v.workload}\u0000${node.level}${JSON.stringify(node)}\u0000${KIND_ORDER[v.kind]}\u0000${v.domain ?? ""}`;
}

/** Replicas, audits and what-ifs read the replicas the index builds after it is published. */
async function warmView(ctx: Context, asOf?: Date | null, parent?: unknown) {
  const view = await viewFor(ctx, asOf, parent);
  await view.warmed();
  return view;
}

async function requireWorkload(ctx: Context, key: string, asOf?: Date | null) {
  const view = await warmView(ctx, asOf);
  requireVisibleWorkload(view, ctx.scope, key);
  return view;
}

export const AntiAffinityViolation: AntiAffinityViolationResolvers = {
  workload: (v, _, ctx) => nonNull(loadersFor(ctx, v).byKey.workloads.load(v.workload)),
  replicas: (v, _, ctx) => loadUnits(ctx, v.replicas, v),
};

export const UnverifiableReplica: UnverifiableReplicaResolvers = {
  workload: (u, _, ctx) => nonNull(loadersFor(ctx, u).byKey.workloads.load(u.workload)),
  replica: (u, _, ctx) => nonNull(loadUnit(ctx, u.replica, u)),
};

export const AntiAffinityRuleAudit: AntiAffinityRuleAuditResolvers = {
  replicaCount: (a) => a.replicas.length,
  domainCount: (a) => a.domains.size,
  unverifiable: (a) => a.unverifiable.map((u) => markPast({ ...u, workload: a.workload, rule: a.rule }, pastOf(a))),
};

export const WorkloadFailureImpact: WorkloadFailureImpactResolvers = {
  workload: (w, _, ctx) => nonNull(loadersFor(ctx, w).byKey.workloads.load(w.workload)),
  lost: (w, _, ctx) => loadUnits(ctx, w.lost, w),
  degraded: (w, _, ctx) => loadUnits(ctx, w.degraded, w),
  atRisk: (w, _, ctx) => loadUnits(ctx, w.atRisk, w),
};

export const FailureImpact: FailureImpactResolvers = {
  tenantKeys: (f) => f.tenants,
};

export const WorkloadSurvival: WorkloadSurvivalResolvers = {
  unverifiable: (s, _, ctx) => loadUnits(ctx, s.unverifiable, s),
};

export const antiAffinityQueries: QueryResolvers = {
  async antiAffinityViolations(_, args, ctx) {
    const page = pageRequest(args);
    const view = args.workload ? await requireWorkload(ctx, args.workload, args.asOf) : await warmView(ctx, args.asOf);
    const past = pastOfView(view);
    const all = await view.violations();
    // Ordered by the cursor's own position, so paging is a keyset walk.
    const violations = all
      .filter((v) => (args.workload ? v.workload === args.workload : ctx.scope.ownsWorkload(view.topology, v.workload)))
      .map((v) => [position(v), v] as const)
      .sort(([a], [b]) => compareCodeUnits(a, b))
      .map(([, v]) => v);
    let start = 0;
    if (page.after !== null) {
      const after = page.after;
      start = violations.findIndex((v) => position(v) > after);
      if (start === -1) start = violations.length;
    }
    // A past page's violations are copies that carry the moment (the kept ones are shared).
    const rows = violations.slice(start, start + page.size + 1).map((v) => (past ? markPast({ ...v }, past) : v));
    return connectionFromRows(rows, page, position, violations.length);
  },
  async antiAffinityUnverifiable(_, args, ctx) {
    const view = args.workload ? await requireWorkload(ctx, args.workload) : await warmView(ctx);
    const keys = args.workload ? [args.workload] : [...view.topology.workloads.keys()].filter((key) => ctx.scope.ownsWorkload(view.topology, key)).sort();
    return keys.flatMap((key) => auditWorkload(view.topology, key).flatMap((audit) => audit.unverifiable.map((u) => ({ ...u, workload: key, rule: audit.rule }))));
  },
  async failureImpact(_, args, ctx) {
    const view = await warmView(ctx, args.asOf);
    const impact = impactFor(view, args, ctx);
    const past = pastOfView(view);
    return past ? { ...impact, workloads: impact.workloads.map((w) => markPast({ ...w }, past)) } : impact;
  },
};

/** The domain's failure as the caller may see it (a tenant: only its own workloads). */
function impactFor(view: IsolationView, args: { level: AntiAffinityLevel; domain: string }, ctx: Context) {
  if (ctx.scope.redactsOthers) {
    // A tenant learns only what happens to its own workloads; an unknown domain reads like one
    // that holds none of them, so probing domain names tells it nothing.
    const impact = failureImpact(view.topology, args.level, args.domain);
    return {
      ...impact,
      workloads: impact.workloads.filter((w) => ctx.scope.ownsWorkload(view.topology, w.workload)),
      tenants: impact.tenants.filter((t) => ctx.scope.seesTenant(t)),
    };
  }
  if (!domainExists(view.topology, args.level, args.domain)) {
    throw notFound(`no ${NOUN[args.level]} "${args.domain}" is known to the inventory`);
  }
  return failureImpact(view.topology, args.level, args.domain);
}

export const antiAffinityMutations: MutationResolvers = {
  async setAntiAffinityRules(_, args, ctx) {
    const view = await warmView(ctx);
    if (!view.topology.workloads.has(args.workload)) {
      return { workload: null, userErrors: [{ path: ["workload"], message: `no workload "${args.workload}" has been synced` }] };
    }
    let rules: unknown = null;
    if (args.rules) {
      // The same checks as a snapshot's rules; GraphQL nulls are absent fields there.
      const plain = args.rules.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null && v !== undefined)));
      const problems: { path: string[]; message: string }[] = [];
      const checked = checkRules(plain, ["rules"], (path, message) => problems.push({ path: path.map(String), message }));
      if (!checked) return { workload: null, userErrors: problems };
      rules = checked;
    }
    await ctx.db.sql.transaction(async (tx) => {
      if (rules === null) await tx.query(`DELETE FROM anti_affinity_override WHERE workload = $1`, [args.workload]);
      else {
        await tx.query(
          `INSERT INTO anti_affinity_override (workload, rules, comment) VALUES ($1, $2::jsonb, $3)
           ON CONFLICT (workload) DO UPDATE SET rules = EXCLUDED.rules, comment = EXCLUDED.comment, set_at = now()`,
          [args.workload, JSON.stringify(rules), args.comment ?? null],
        );
      }
      // The rules in force changed: every replica's index reloads.
      await bumpInventoryVersion(tx);
    });
    ctx.forgetIsolation();
    ctx.logger.info({ workload: args.workload, rules }, rules === null ? "anti-affinity override removed" : "anti-affinity rules set");
    return { workload: await ctx.loaders.byKey.workloads.load(args.workload), userErrors: [] };
  },
};

export const workloadAntiAffinityFields: WorkloadResolvers = {
  async antiAffinity(row, _, ctx) {
    // The rules in force: an operator's override, else the snapshot's (as the index holds them).
    const view = await warmView(ctx, null, row);
    const inForce = view.topology.workloads.get(row.key)?.antiAffinity;
    // The stored rules were validated by the sync (validate-snapshot.ts): JSON to Prisma's types.
    return inForce ? [...inForce] : Array.isArray(row.antiAffinity) ? (row.antiAffinity as unknown as AntiAffinityRule[]) : [];
  },
  async replicas(row, _, ctx) {
    return loadUnits(ctx, replicasOf((await warmView(ctx, null, row)).topology, row.key), row);
  },
  async antiAffinityAudit(row, _, ctx) {
    const audits = auditWorkload((await warmView(ctx, null, row)).topology, row.key);
    // A past workload's audits carry its moment down to the units they name.
    const past = pastOf(row);
    return past ? audits.map((a) => markPast({ ...a, violations: a.violations.map((v) => markPast({ ...v }, past)) }, past)) : audits;
  },
  async survives(row, args, ctx) {
    return markPast({ ...survives((await warmView(ctx, null, row)).topology, row.key, args.level) }, pastOf(row));
  },
  async spread(row, args, ctx) {
    const { domains, unverifiable } = replicaSpread((await warmView(ctx, null, row)).topology, row.key, args.level);
    const sorted = [...domains].sort(([a, x], [b, y]) => y.length - x.length || compareCodeUnits(a, b));
    return {
      level: args.level,
      domains: sorted.map(([domain, replicas]) => ({ domain, replicaCount: replicas.length, replicas: loadUnits(ctx, replicas) })),
      unverifiable: loadUnits(
        ctx,
        unverifiable.map((u) => u.replica),
      ),
    };
  },
};
