import type { SqlClient } from "../db/sql-client.ts";
import type { Principal } from "./principal.ts";

/**
 * The audit log: who did what, when, with what outcome. Every mutation and every saved-query
 * run writes one event (the access guard does it, access-rules.ts), and so do the CLI's
 * token commands.
 */
export type AuditOutcome = "OK" | "REFUSED" | "DENIED" | "ERROR";

export interface AuditEvent {
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  detail?: Record<string, unknown> | null;
}

export async function recordAudit(sql: SqlClient, who: Pick<Principal, "actor" | "role">, event: AuditEvent): Promise<void> {
  await sql.query(`INSERT INTO audit_event (actor, role, action, target, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`, [
    who.actor,
    who.role,
    event.action,
    event.target,
    event.outcome,
    event.detail ? JSON.stringify(event.detail) : null,
  ]);
}

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  role: string;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  detail: unknown;
}

/** Newest first, keyset-paged on the id. */
export function auditEvents(sql: SqlClient, filter: { actor?: string | null; action?: string | null }, before: string | null, limit: number): Promise<AuditRow[]> {
  return sql.query<AuditRow>(
    `SELECT id::text AS id, at, actor, role, action, target, outcome, detail FROM audit_event
      WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2) AND ($3::bigint IS NULL OR id < $3::bigint)
      ORDER BY id DESC LIMIT $4`,
    [filter.actor ?? null, filter.action ?? null, before, limit],
  );
}

export async function countAuditEvents(sql: SqlClient, filter: { actor?: string | null; action?: string | null }): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_event WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2)`,
    [filter.actor ?? null, filter.action ?? null],
  );
  return row.n;
}
