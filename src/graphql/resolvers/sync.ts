import { toGlobalId } from "../global-id.ts";
import type { Context } from "../context.ts";
import type { PageArgs } from "../pagination.ts";

/** Sources and their sync runs. */
export const Source = {
  id: (row: { key: string }) => toGlobalId("Source", row.key),
  syncRuns: (row: { key: string }, args: PageArgs, ctx: Context) => ctx.loaders.sourceRuns(row.key, args),
};

export const SyncRun = {
  id: (row: { id: number }) => toGlobalId("SyncRun", row.id),
  sourceKey: (row: { source: string }) => row.source,
  counts: (row: { created: number; updated: number; removed: number; unchanged: number }) => row,
};
