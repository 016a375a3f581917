import type { SqlClient } from "../db/sql-client.ts";

/*
 * The inventory version: a counter that every change to what verdicts and audits read bumps
 * (an applied sync, a rule override), inside the change's own transaction. Replicas compare it
 * with the version their in-memory topology was loaded at; the NOTIFY on the same channel,
 * delivered at commit, lets them reload before the next request has to.
 */
export const INVENTORY_CHANNEL = "tenancy_inventory";

/** An SQL expression for the current version (0 before the first applied sync). */
export const CURRENT_INVENTORY_VERSION = `coalesce((SELECT version FROM inventory_state WHERE id = 1), 0)`;

export async function bumpInventoryVersion(tx: SqlClient): Promise<number> {
  const [row] = await tx.query<{ version: number }>(
    `INSERT INTO inventory_state (id, version) VALUES (1, 1)
     ON CONFLICT (id) DO UPDATE SET version = inventory_state.version + 1 RETURNING version`,
  );
  // History (src/history): which transaction made this version, and when. The version row's
  // lock orders the bumps as their commits, so versions and times rise together.
  await tx.query(`INSERT INTO inventory_change (version, xact, changed_at) VALUES ($1, txid_current(), clock_timestamp())`, [row.version]);
  await tx.query(`SELECT pg_notify($1, $2)`, [INVENTORY_CHANNEL, String(row.version)]);
  return row.version;
}
