import { denyRead } from "../../access/access-rules.ts";
import { documentRefusal } from "../../access/document-refusal.ts";
import { diffResults } from "../../compliance/diff-results.ts";
import { resultLists } from "../../compliance/result-rows.ts";
import { runSavedQuery, type SavedQueryRun as Run } from "../../compliance/saved-query-runs.ts";
import { countSavedQueries, listSavedQueries, saveQuery, versionsOf, type SaveInput, type SavedQueryVersion } from "../../compliance/saved-queries.ts";
import type { Context } from "../context.ts";
import { badUserInput, notFound } from "../errors.ts";
import { fromGlobalId, toGlobalId } from "../global-id.ts";
import { connectionFromRows, pageRequest, type PageArgs } from "../pagination.ts";

/** Saved queries, their versions and runs, and the diff between two runs. */
export const complianceQueries = {
  async savedQueries(_: unknown, args: PageArgs, ctx: Context) {
    const page = pageRequest(args);
    const rows = await listSavedQueries(ctx.db.sql, page.after, page.size + 1);
    return connectionFromRows(rows, page, (row) => row.name, () => countSavedQueries(ctx.db.sql));
  },
  savedQuery: (_: unknown, args: { name: string }, ctx: Context) => ctx.loaders.savedQueries.load(args.name),
};

export const complianceMutations = {
  async saveQuery(_: unknown, args: SaveInput, ctx: Context) {
    const saved = await saveQuery(ctx.db.sql, args, ctx.principal.actor);
    if ("errors" in saved) return { savedQuery: null, changed: false, userErrors: saved.errors };
    if (saved.changed) ctx.logger.info({ savedQuery: args.name, version: saved.query.version }, "saved query saved");
    return { savedQuery: saved.query, changed: saved.changed, userErrors: [] };
  },
  async runSavedQuery(_: unknown, args: { name: string; variables?: unknown }, ctx: Context) {
    const ran = await runSavedQuery(
      {
        sql: ctx.db.sql,
        actor: ctx.principal.actor,
        // The document runs as the caller, through the same rules, as a trusted document, and
        // against this request's view of the index (the version recorded is the one it read).
        execute: (document, variables) =>
          ctx.runOperation({ query: document, variables }, { principal: ctx.principal, trustedDocument: true, isolation: ctx.isolation }),
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

export const SavedQuery = {
  id: (q: SavedQueryVersion) => toGlobalId("SavedQuery", q.name),
  updatedAt: (q: SavedQueryVersion) => q.createdAt,
  updatedBy: (q: SavedQueryVersion) => q.createdBy,
  versions: (q: SavedQueryVersion, _: unknown, ctx: Context) => versionsOf(ctx.db.sql, q.name),
  runs: (q: SavedQueryVersion, args: PageArgs, ctx: Context) => ctx.loaders.savedQueryRuns(q.name, args),
};

/** A run's result, or FORBIDDEN when its document reads a field the caller may not read (document-refusal.ts). */
async function readableResult(r: Run, ctx: Context, field: string): Promise<Run["result"]> {
  const refused = documentRefusal(ctx.principal, r.document);
  return refused ? denyRead(ctx, `SavedQueryRun.${field}`, refused) : r.result;
}

export const SavedQueryRun = {
  id: (r: Run) => toGlobalId("SavedQueryRun", r.id),
  savedQuery: (r: Run, _: unknown, ctx: Context) => ctx.loaders.savedQueries.load(r.name),
  result: (r: Run, _: unknown, ctx: Context) => readableResult(r, ctx, "result"),
  rowCount: async (r: Run, _: unknown, ctx: Context) => resultLists((await readableResult(r, ctx, "rowCount")).data).reduce((n, list) => n + list.rows.length, 0),
  async diff(r: Run, args: { against: string }, ctx: Context) {
    const { type, key } = fromGlobalId(args.against);
    const against = type === "SavedQueryRun" ? await ctx.loaders.savedQueryRunsById.load(key) : null;
    if (!against) throw notFound(`no saved query run has the id "${args.against}"`);
    if (against.name !== r.name) throw badUserInput(`run ${args.against} is of saved query "${against.name}", not "${r.name}"`, "against");
    const [before, after] = [await readableResult(against, ctx, "diff"), await readableResult(r, ctx, "diff")];
    return { against, same: against.digest === r.digest, ...diffResults(before.data, after.data) };
  },
};
