import { denyRead } from "../../access/access-rules.ts";
import { documentRefusal } from "../../access/document-refusal.ts";
import { diffResults } from "../../compliance/diff-results.ts";
import { resultLists } from "../../compliance/result-rows.ts";
import { runSavedQuery, type SavedQueryRun as Run } from "../../compliance/saved-query-runs.ts";
import { countSavedQueries, listSavedQueries, saveQuery, versionsOf } from "../../compliance/saved-queries.ts";
import type { Context } from "../context.ts";
import { badUserInput, notFound } from "../errors.ts";
import { fromGlobalId, toGlobalId } from "../global-id.ts";
import type { MutationResolvers, QueryResolvers, SavedQueryResolvers, SavedQueryRunResolvers } from "../generated/resolvers-types.ts";
import { connectionFromRows, pageRequest } from "../pagination.ts";

/** Saved queries, their versions and runs, and the diff between two runs. */
export const complianceQueries: QueryResolvers = {
  async savedQueries(_, args, ctx) {
    const page = pageRequest(args);
    const rows = await listSavedQueries(ctx.db.sql, page.after, page.size + 1);
    return connectionFromRows(
      rows,
      page,
      (row) => row.name,
      () => countSavedQueries(ctx.db.sql),
    );
  },
  savedQuery: (_, args, ctx) => ctx.loaders.savedQueries.load(args.name),
};

export const complianceMutations: MutationResolvers = {
  async saveQuery(_, args, ctx) {
    const saved = await saveQuery(ctx.db.sql, args, ctx.principal.actor);
    if ("errors" in saved) return { savedQuery: null, changed: false, userErrors: saved.errors };
    if (saved.changed) ctx.logger.info({ savedQuery: args.name, version: saved.query.version }, "saved query saved");
    return { savedQuery: saved.query, changed: saved.changed, userErrors: [] };
  },
  async runSavedQuery(_, args, ctx) {
    const ran = await runSavedQuery(
      {
        sql: ctx.db.sql,
        actor: ctx.principal.actor,
        // The document runs as the caller, through the same rules, as a trusted document, and
        // against this request's view of the index (the version recorded is the one it read).
        execute: (document, variables) => ctx.runOperation({ query: document, variables }, { principal: ctx.principal, trustedDocument: true, isolation: ctx.isolation }),
        inventory: async () => {
          const view = await ctx.isolation();
          // The oldest last sync of any source: how fresh the whole inventory was.
          const times = [...view.freshness.values()].map((at) => at.getTime());
          return { version: view.inventoryVersion, asOf: times.length > 0 ? new Date(Math.min(...times)) : null };
        },
      },
      args.name,
      args.variables,
    );
    if ("errors" in ran) return { run: null, userErrors: ran.errors };
    return { run: ran.run, userErrors: [] };
  },
};

export const SavedQuery: SavedQueryResolvers = {
  id: (q) => toGlobalId("SavedQuery", q.name),
  updatedAt: (q) => q.createdAt,
  updatedBy: (q) => q.createdBy,
  versions: (q, _, ctx) => versionsOf(ctx.db.sql, q.name),
  runs: (q, args, ctx) => ctx.loaders.savedQueryRuns(q.name, args),
};

/** A run's result, or FORBIDDEN when its document reads a field the caller may not read (document-refusal.ts). */
async function readableResult(r: Run, ctx: Context, field: string): Promise<Run["result"]> {
  const refused = documentRefusal(ctx.principal, r.document);
  return refused ? denyRead(ctx, `SavedQueryRun.${field}`, refused) : r.result;
}

export const SavedQueryRun: SavedQueryRunResolvers = {
  id: (r) => toGlobalId("SavedQueryRun", r.id),
  savedQuery: (r, _, ctx) => ctx.loaders.savedQueries.load(r.name),
  result: (r, _, ctx) => readableResult(r, ctx, "result"),
  rowCount: async (r, _, ctx) => resultLists((await readableResult(r, ctx, "rowCount")).data).reduce((n, list) => n + list.rows.length, 0),
  async diff(r, args, ctx) {
    const { type, key } = fromGlobalId(args.against);
    const against = type === "SavedQueryRun" ? await ctx.loaders.savedQueryRunsById.load(key) : null;
    if (!against) throw notFound(`no saved query run has the id "${args.against}"`);
    if (against.name !== r.name) throw badUserInput(`run ${args.against} is of saved query "${against.name}", not "${r.name}"`, "against");
    const [before, after] = [await readableResult(against, ctx, "diff"), await readableResult(r, ctx, "diff")];
    return { against, same: against.digest === r.digest, ...diffResults(before.data, after.data) };
  },
};
