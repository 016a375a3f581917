import type { Logger } from "pino";
import type { SqlClient } from "../db/sql-client.ts";

/*
 * Retention (TENANCY_HISTORY_RETENTION_DAYS, default a year): history older than the horizon
 * is removed in the background, and the horizon (the earliest moment `asOf` answers for) moves
 * up to it. What is kept still answers every moment after the horizon exactly: the newest
 * change at or before the horizon stays (it says which version was in force then), and so does
 * each source's newest sync time at or before it. Policy versions are few and all kept.
 */

/**
 * The longest retention a replica takes (TENANCY_HISTORY_RETENTION_DAYS, src/config.ts): 100
 * years, more history than any inventory has (0 keeps it all). Far longer, the horizon is no
 * date: 1e9 days back is past the earliest a Date holds, and every prune failed on it.
 */
export const MAX_RETENTION_DAYS = 36_500;

/** How often a replica prunes; any replica may, one at a time (an advisory lock). */
export const PRUNE_EVERY_MS = 60 * 60 * 1000;

export interface PruneResult {
  /** False when another replica was pruning. */
  ran: boolean;
  rowVersions: number;
  changes: number;
  syncTimes: number;
}

export async function pruneHistory(sql: SqlClient, horizon: Date): Promise<PruneResult> {
  return sql.transaction(async (tx) => {
    const [lock] = await tx.query<{ got: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtextextended('tenancy-history-prune', 0)) AS got`);
    if (!lock.got) return { ran: false, rowVersions: 0, changes: 0, syncTimes: 0 };
    // The version in force at the horizon: every moment still answered is at or after it.
    const [kept] = await tx.query<{ version: number | null }>(`SELECT max(version) AS version FROM inventory_change WHERE changed_at <= $1`, [horizon.toISOString()]);
    if (kept.version === null) return { ran: true, rowVersions: 0, changes: 0, syncTimes: 0 };
    // Rows replaced at or before that version were in no inventory after it.
    const rowVersions = await tx.query(`DELETE FROM inventory_row_version h WHERE h.replaced_xact IN (SELECT xact FROM inventory_change WHERE version <= $1 AND xact IS NOT NULL) RETURNING 1`, [kept.version]);
    const changes = await tx.query(`DELETE FROM inventory_change WHERE version < $1 RETURNING 1`, [kept.version]);
    const syncTimes = await tx.query(
      `DELETE FROM source_sync_log l WHERE l.logged_at <= $1
          AND EXISTS (SELECT 1 FROM source_sync_log n WHERE n.source = l.source AND n.logged_at <= $1 AND (n.logged_at, n.id) > (l.logged_at, l.id))
       RETURNING 1`,
      [horizon.toISOString()],
    );
    await tx.query(`UPDATE history_horizon SET since = greatest(since, $1) WHERE id = 1`, [horizon.toISOString()]);
    return { ran: true, rowVersions: rowVersions.length, changes: changes.length, syncTimes: syncTimes.length };
  });
}

/** The earliest moment kept `retentionDays` days back from `now`. */
export function retentionHorizon(retentionDays: number, now = Date.now()): Date {
  return new Date(now - retentionDays * 24 * 60 * 60 * 1000);
}

/** Prunes soon after start, then every hour; `stop()` waits for a prune under way. */
export function startHistoryPruner(sql: SqlClient, retentionDays: number, logger: Logger): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const prune = () => {
    const horizon = retentionHorizon(retentionDays);
    running = pruneHistory(sql, horizon).then(
      (result) => {
        if (result.rowVersions + result.changes + result.syncTimes > 0) logger.info({ ...result, horizon }, "history pruned");
      },
      (error) => logger.error({ err: error }, "history pruning failed; it is tried again within the hour"),
    );
  };
  const first = setTimeout(prune, 10_000);
  const every = setInterval(prune, PRUNE_EVERY_MS);
  first.unref();
  every.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
