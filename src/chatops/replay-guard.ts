import type { SqlClient } from "../db/sql-client.ts";
import { MAX_AGE_SECONDS } from "./slack-signature.ts";

/*
 * True the first time a signature is seen; false for a replay. Kept in the database so every
 * replica refuses a request another replica already answered. Signatures older than the
 * signature's own window cannot be replayed anyway, so they are forgotten.
 */
export async function firstSighting(sql: SqlClient, signature: string): Promise<boolean> {
  await sql.query(`DELETE FROM chatops_request WHERE seen_at < now() - make_interval(secs => $1)`, [2 * MAX_AGE_SECONDS]);
  const rows = await sql.query(`INSERT INTO chatops_request (signature) VALUES ($1) ON CONFLICT (signature) DO NOTHING RETURNING signature`, [signature]);
  return rows.length === 1;
}
