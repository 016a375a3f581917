import { INVENTORY_KINDS } from "../../inventory/snapshot.ts";
import { syncInventory } from "../../inventory/sync-inventory.ts";
import type { MutationResolvers } from "../generated/resolvers-types.ts";

export const Mutation: MutationResolvers = {
  async syncInventory(_, args, ctx) {
    const { role, kinds, tenants } = ctx.principal;
    const result = await syncInventory(ctx.db.sql, args.snapshot, {
      allowMassRemoval: args.allowMassRemoval === true,
      dryRun: args.dryRun === true,
      // A sync token writes only within its grant; an admin's sync has none.
      grant: role === "sync" ? { kinds, tenants } : undefined,
      onFailure: (error) => ctx.logger.error({ err: error }, "sync failed"),
    });
    ctx.forgetIsolation();
    ctx.logger.info({ source: result.source, status: result.status, run: result.runId, ...result.totals, warnings: result.warnings.length }, "sync finished");
    return {
      status: result.status,
      run: result.runId === null ? null : ctx.loaders.syncRuns.load(result.runId),
      totals: result.totals,
      changes: INVENTORY_KINDS.map((kind) => ({ kind, ...result.changes[kind] })),
      warnings: result.warnings,
      userErrors: result.errors,
    };
  },
};
