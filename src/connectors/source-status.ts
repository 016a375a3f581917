import type { SqlClient } from "../db/sql-client.ts";
import type { ConnectorWarning } from "./connector.ts";

/*
 * Each connector-fed source's last attempt. RUNNING while it runs; then OK (applied or
 * unchanged), REFUSED (the snapshot was refused: see its run) or FAILED (the provider could not
 * be read; nothing was synced). `lastSuccessAt` moves only on OK, so a failing source shows
 * how stale it is.
 */
export type SourceState = "RUNNING" | "OK" | "REFUSED" | "FAILED";

export async function recordSourceStatus(sql: SqlClient, entry: { source: string; connector: string; status: SourceState; error?: string | null; runId?: number | null; warnings?: ConnectorWarning[] }): Promise<void> {
  await sql.query(
    `INSERT INTO source_status (source, connector, status, last_attempt_at, last_success_at, last_error, last_run_id, warnings)
     VALUES ($1, $2, $3, now(), CASE WHEN $3 = 'OK' THEN now() END, $4, $5, $6::jsonb)
     ON CONFLICT (source) DO UPDATE SET
       connector = EXCLUDED.connector, status = EXCLUDED.status,
       last_attempt_at = CASE WHEN EXCLUDED.status = 'RUNNING' THEN now() ELSE source_status.last_attempt_at END,
       last_success_at = COALESCE(EXCLUDED.last_success_at, source_status.last_success_at),
       last_error = EXCLUDED.last_error,
       last_run_id = COALESCE(EXCLUDED.last_run_id, source_status.last_run_id),
       warnings = CASE WHEN EXCLUDED.status = 'RUNNING' THEN source_status.warnings ELSE EXCLUDED.warnings END`,
    [entry.source, entry.connector, entry.status, entry.error ?? null, entry.runId ?? null, JSON.stringify(entry.warnings ?? [])],
  );
}

export interface SourceStatusRow {
  source: string;
  connector: string;
  status: SourceState;
  lastAttemptAt: Date;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastRunId: number | null;
  warnings: ConnectorWarning[];
}

export function sourceStatuses(sql: SqlClient, sources: readonly string[] | null): Promise<SourceStatusRow[]> {
  return sql.query<SourceStatusRow>(
    `SELECT source, connector, status, last_attempt_at AS "lastAttemptAt", last_success_at AS "lastSuccessAt",
            last_error AS "lastError", last_run_id AS "lastRunId", warnings
       FROM source_status WHERE $1::text[] IS NULL OR source = ANY($1::text[]) ORDER BY source`,
    [sources ? [...sources] : null],
  );
}
