import { fromGlobalId } from "../graphql/global-id.ts";
import { INVENTORY_KINDS, type InventoryKind } from "../inventory/snapshot.ts";
import { MASS_REMOVAL_OVERRIDE, syncInventory, type KindChanges, type SyncOptions, type SyncStatus, type SyncResult } from "../inventory/sync-inventory.ts";
import type { SqlClient } from "../db/sql-client.ts";
import type { ServiceClient } from "./service-client.ts";
import { CliSyncInventoryDocument } from "../graphql/generated/operations.ts";
import { terminalText } from "./terminal-text.ts";

/*
 * Where a CLI sync goes: straight into the database this process opened, or through the
 * running service that holds the embedded one. Both give the same SyncResult, so the command
 * prints the same report either way.
 */
export type SyncTarget = (document: unknown, options: Pick<SyncOptions, "dryRun" | "allowMassRemoval" | "onProgress">) => Promise<SyncResult>;

/** The CLI's own words for the API's override, in refusals. */
export const MASS_REMOVAL_FLAG = "--allow-mass-removal";

export function databaseSyncTarget(sql: SqlClient): SyncTarget {
  return (document, options) =>
    syncInventory(sql, document, {
      ...options,
      massRemovalOverride: MASS_REMOVAL_FLAG,
      // The operator runs this on the database itself: the database's own words help them.
      onFailure: (error) => console.error(`database error: ${terminalText((error as Error).message ?? String(error))}`),
    });
}

export function serviceSyncTarget(client: ServiceClient): SyncTarget {
  return async (document, options) => {
    const { syncInventory: payload } = await client.request(CliSyncInventoryDocument, { snapshot: document, allowMassRemoval: options.allowMassRemoval === true, dryRun: options.dryRun === true });
    const changes = Object.fromEntries(INVENTORY_KINDS.map((k) => [k, { created: 0, updated: 0, removed: 0, unchanged: 0 }])) as Record<InventoryKind, KindChanges>;
    for (const { kind, ...counts } of payload.changes) changes[kind as InventoryKind] = counts;
    const source = (document as { source?: unknown } | null)?.source;
    return {
      // A sync answers its own outcome, never RUNNING or ABANDONED (statuses only a run's history shows).
      status: payload.status as SyncStatus,
      source: typeof source === "string" ? source.trim() || null : null,
      runId: payload.run ? Number(fromGlobalId(payload.run.id).key) : null,
      complete: (document as { complete?: unknown } | null)?.complete === true,
      totals: payload.totals,
      changes,
      warnings: payload.warnings,
      errors: payload.userErrors.map((e) => ({ ...e, message: e.message.replaceAll(MASS_REMOVAL_OVERRIDE, MASS_REMOVAL_FLAG) })),
    };
  };
}
