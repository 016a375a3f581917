import { sourceStatuses, type SourceStatusRow } from "../../connectors/source-status.ts";
import { toGlobalId } from "../global-id.ts";
import type { Context } from "../context.ts";
import type { PageArgs } from "../pagination.ts";

/** Sources and their sync runs. */
export const Source = {
  id: (row: { key: string }) => toGlobalId("Source", row.key),
  syncRuns: (row: { key: string }, args: PageArgs, ctx: Context) => ctx.loaders.sourceRuns(row.key, args),
  status: (row: { key: string }, _: unknown, ctx: Context) => ctx.loaders.sourceStatuses.load(row.key),
};

export const sourceStatusQueries = {
  sourceStatuses: (_: unknown, __: unknown, ctx: Context) => sourceStatuses(ctx.db.sql, null),
};

export const SourceStatus = {
  lastRun: (row: SourceStatusRow, _: unknown, ctx: Context) => (row.lastRunId === null ? null : ctx.loaders.syncRuns.load(row.lastRunId)),
};

export const SyncRun = {
  id: (row: { id: number }) => toGlobalId("SyncRun", row.id),
  sourceKey: (row: { source: string }) => row.source,
  counts: (row: { created: number; updated: number; removed: number; unchanged: number }) => row,
};
