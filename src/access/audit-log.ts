import type { SqlClient } from "../db/sql-client.ts";
import type { Principal } from "./principal.ts";

/**
 * The audit log: who did what, when, with what outcome. Every mutation and every saved-query
 * run writes one event (the access guard does it, access-rules.ts), and so do the CLI's
 * token commands.
 */
export type AuditOutcome = "PENDING" | "OK" | "REFUSED" | "DENIED" | "ERROR";

export interface AuditEvent {
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  detail?: Record<string, unknown> | null;
}

/** Writes an event; returns its id. */
export async function recordAudit(sql: SqlClient, who: Pick<Principal, "actor" | "role">, event: AuditEvent): Promise<string> {
  const [row] = await sql.query<{ id: string }>(
    `INSERT INTO audit_event (actor, role, action, target, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING id::text AS id`,
    [who.actor, who.role, event.action, event.target, event.outcome, event.detail ? JSON.stringify(event.detail) : null],
  );
  return row.id;
}

/**
 * Settles an event written as PENDING before the work began: a mutation is logged before it
 * runs, so a crash half-way leaves a PENDING event rather than no trace.
 */
export async function settleAudit(sql: SqlClient, id: string, outcome: Exclude<AuditOutcome, "PENDING">, extra?: Record<string, unknown>): Promise<void> {
  await sql.query(`UPDATE audit_event SET outcome = $2, detail = COALESCE(detail, '{}'::jsonb) || $3::jsonb WHERE id = $1::bigint`, [id, outcome, JSON.stringify(extra ?? {})]);
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
