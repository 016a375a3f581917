import { sourceStatuses } from "../../connectors/source-status.ts";
import type { QueryResolvers, SourceResolvers, SourceStatusResolvers, SyncRunResolvers } from "../generated/resolvers-types.ts";
import { toGlobalId } from "../global-id.ts";

/** Sources and their sync runs. */
export const Source: SourceResolvers = {
  id: (row) => toGlobalId("Source", row.key),
  syncRuns: (row, args, ctx) => ctx.loaders.sourceRuns(row.key, args),
  status: (row, _, ctx) => ctx.loaders.sourceStatuses.load(row.key),
};

export const sourceStatusQueries: QueryResolvers = {
  sourceStatuses: (_, __, ctx) => sourceStatuses(ctx.db.sql, null),
};

export const SourceStatus: SourceStatusResolvers = {
  lastRun: (row, _, ctx) => (row.lastRunId === null ? null : ctx.loaders.syncRuns.load(row.lastRunId)),
};

export const SyncRun: SyncRunResolvers = {
  id: (row) => toGlobalId("SyncRun", row.id),
  sourceKey: (row) => row.source,
  counts: (row) => row,
};
