import { isolationFindingId, violationFindingId } from "../../domain/findings.ts";
import type { Violation } from "../../domain/anti-affinity.ts";
import type { FindingChanged } from "../../findings/finding-feed.ts";
import { acceptFinding, countFindings, findingCursor, findingsPage, type FindingEventRow, type FindingFilter, type FindingRow } from "../../findings/finding-store.ts";
import { pastOf } from "../as-of.ts";
import type { Context } from "../context.ts";
import { badUserInput } from "../errors.ts";
import type { AntiAffinityViolationResolvers, FindingResolvers, IsolationVerdictResolvers, MutationResolvers, QueryResolvers, SubscriptionResolvers } from "../generated/resolvers-types.ts";
import { connectionFromRows, pageRequest } from "../pagination.ts";

/*
 * Findings over GraphQL (docs/history.md): the list and one by id, their history, the
 * acceptance, and the `since` / `acceptedUntil` of report rows and violations. Thin: the store
 * reads and writes (src/findings/finding-store.ts), the loaders batch.
 */
type FilterArgs = { states?: string[] | null; kind?: string | null; workload?: string | null; tenant?: string | null; since?: Date | null };

/** The finding of an answer in force now; null for an answer asOf a past moment or one the findings have not caught up with. */
async function liveFinding(ctx: Context, parent: unknown, id: string | null): Promise<FindingRow | null> {
  if (id === null || pastOf(parent)) return null;
  const finding = await ctx.loaders.findings.load(id);
  return finding && finding.state !== "RESOLVED" ? finding : null;
}

const acceptedUntil = (f: FindingRow | null) => (f?.state === "ACCEPTED" ? f.acceptedUntil : null);

const verdictFindingId = (v: { outcome: string; workload: string; tenant: string }) => (v.outcome === "ISOLATED" ? null : isolationFindingId(v.workload, v.tenant));

export const verdictFindingFields: IsolationVerdictResolvers = {
  since: async (v, _, ctx) => (await liveFinding(ctx, v, verdictFindingId(v)))?.openedAt ?? null,
  acceptedUntil: async (v, _, ctx) => acceptedUntil(await liveFinding(ctx, v, verdictFindingId(v))),
  finding: (v, _, ctx) => liveFinding(ctx, v, verdictFindingId(v)),
};

export const violationFindingFields: AntiAffinityViolationResolvers = {
  since: async (v: Violation, _, ctx) => (await liveFinding(ctx, v, violationFindingId(v)))?.openedAt ?? null,
  acceptedUntil: async (v: Violation, _, ctx) => acceptedUntil(await liveFinding(ctx, v, violationFindingId(v))),
  finding: (v: Violation, _, ctx) => liveFinding(ctx, v, violationFindingId(v)),
};

export const Finding: FindingResolvers = {
  workloadKey: (f) => f.workload,
  workload: (f, _, ctx) => ctx.loaders.byKey.workloads.load(f.workload),
  workloadTenantKey: (f) => f.workloadTenant,
  tenantKey: (f) => f.tenant,
  since: (f) => f.openedAt,
  evidence: (f, _, ctx) => visibleEvidence(f.evidence, ctx),
  openedEvidence: (f, _, ctx) => visibleEvidence(f.openedEvidence, ctx),
  // The store writes an acceptance's four columns together (finding-store.ts acceptFinding).
  acceptance: (f) =>
    f.acceptedBy === null || f.acceptedReason === null || f.acceptedAt === null || f.acceptedUntil === null ? null : { by: f.acceptedBy, reason: f.acceptedReason, at: f.acceptedAt, until: f.acceptedUntil, current: f.state === "ACCEPTED" },
  async history(f, args, ctx) {
    const page = pageRequest(args);
    const events = await ctx.loaders.findingHistory.load(f.id);
    const start = page.after === null ? 0 : events.findIndex((e) => e.id === page.after) + 1;
    if (page.after !== null && start === 0) throw badUserInput("after is not a cursor of this finding's history", "after");
    return connectionFromRows(events.slice(start, start + page.size + 1), page, (e: FindingEventRow) => e.id, events.length);
  },
};

export const findingQueries: QueryResolvers = {
  async findings(_, args, ctx) {
    const page = pageRequest(args);
    const filter: FindingFilter = { ...(args.filter ?? {}) };
    if (page.after !== null && !/^\d{4}-\d\d-\d\dT[\d:.]+Z\|/.test(page.after)) throw badUserInput("after is not a cursor of findings", "after");
    const rows = await findingsPage(ctx.db.sql, filter, page.after, page.size);
    return connectionFromRows(rows, page, findingCursor, () => countFindings(ctx.db.sql, filter));
  },
  finding: (_, args, ctx) => ctx.loaders.findings.load(args.id),
};

export const findingMutations: MutationResolvers = {
  async acceptFinding(_, args, ctx) {
    const result = await acceptFinding(ctx.db.sql, { id: args.id, reason: args.reason, until: args.until, actor: ctx.principal.actor });
    if (result.finding) ctx.logger.info({ finding: args.id, until: args.until }, "finding accepted");
    return result;
  },
};

/** Does a change pass the subscriber's filter and row scope? A tenant hears only of its own workloads' findings. */
function wanted(change: FindingChanged, filter: FilterArgs | null | undefined, ctx: Context): boolean {
  const f = change.finding;
  if (ctx.scope.tenant !== null && f.workloadTenant !== ctx.scope.tenant) return false;
  if (!filter) return true;
  if (filter.states?.length && !filter.states.includes(change.event.state)) return false;
  if (filter.kind && f.kind !== filter.kind) return false;
  if (filter.workload && f.workload !== filter.workload) return false;
  if (filter.tenant && f.tenant !== filter.tenant && f.workloadTenant !== filter.tenant) return false;
  if (filter.since && new Date(f.openedAt) < filter.since) return false;
  return true;
}

export const Subscription: SubscriptionResolvers = {
  findingChanged: {
    subscribe(_, args, ctx) {
      if (!ctx.findingFeed) throw badUserInput("subscriptions are served over WebSocket (graphql-ws) at /graphql", "findingChanged");
      const changes = ctx.findingFeed.changes((change) => wanted(change, args.filter, ctx));
      const iterator: AsyncIterableIterator<{ findingChanged: FindingChanged }> = {
        next: async () => {
          const step = await changes.next();
          return step.done ? { done: true, value: undefined } : { done: false, value: { findingChanged: step.value } };
        },
        return: async () => {
          await changes.return?.();
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]: () => iterator,
      };
      return iterator;
    },
  },
};

/** What a tenant may read of a finding's evidence: not the other side's units nor their count. */
export function visibleEvidence(evidence: NonNullable<unknown>, ctx: Context): NonNullable<unknown> {
  if (!ctx.scope.redactsOthers || typeof evidence !== "object") return evidence;
  const { weakestPair: _, pairCount: __, ...rest } = evidence as Record<string, unknown>;
  return rest;
}
