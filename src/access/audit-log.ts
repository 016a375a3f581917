import type { SqlClient } from "../db/sql-client.ts";
import type { Principal } from "./principal.ts";

/*
 * The audit log: who did what, when, with what outcome. Every mutation and every saved-query
 * run writes one event (the access guard does it, access-rules.ts), and so do the CLI's
 * token commands. Denials (refused tokens and chat signatures, denied reads and mutations)
 * are aggregated per minute by denial-log.ts, so a flood cannot fill the disk.
 */
export type AuditOutcome = "PENDING" | "OK" | "REFUSED" | "DENIED" | "ERROR";

export interface AuditEvent {
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  detail?: Record<string, unknown> | null;
}

/** The most characters an event keeps of its target and of its detail (as JSON). */
export const MAX_TARGET_CHARS = 256;
export const MAX_DETAIL_CHARS = 4096;

/** A target cut to MAX_TARGET_CHARS (a sync's target is whatever `source` the caller sent). */
export function capTarget(target: string | null): string | null {
  return target !== null && target.length > MAX_TARGET_CHARS ? `${target.slice(0, MAX_TARGET_CHARS)}…` : target;
}

/**
 * The detail as JSON text of at most about MAX_DETAIL_CHARS: a larger one is kept as its
 * beginning, marked truncated with its full length (a denied request once stored 10 MB).
 */
export function capDetail(detail: Record<string, unknown> | null | undefined): string | null {
  if (!detail) return null;
  const text = JSON.stringify(detail);
  if (text.length <= MAX_DETAIL_CHARS) return text;
  return JSON.stringify({ truncated: true, chars: text.length, preview: text.slice(0, MAX_DETAIL_CHARS - 100) });
}

/** Writes an event; returns its id. */
export async function recordAudit(sql: SqlClient, who: Pick<Principal, "actor" | "role">, event: AuditEvent): Promise<string> {
  const [row] = await sql.query<{ id: string }>(`INSERT INTO audit_event (actor, role, action, target, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING id::text AS id`, [
    who.actor,
    who.role,
    event.action,
    capTarget(event.target),
    event.outcome,
    capDetail(event.detail),
  ]);
  return row.id;
}

/**
 * Settles an event written as PENDING before the work began: a mutation is logged before it
 * runs, so a crash half-way leaves a PENDING event rather than no trace.
 */
export async function settleAudit(sql: SqlClient, id: string, outcome: Exclude<AuditOutcome, "PENDING">, extra?: Record<string, unknown>): Promise<void> {
  await sql.query(`UPDATE audit_event SET outcome = $2, detail = COALESCE(detail, '{}'::jsonb) || $3::jsonb WHERE id = $1::bigint`, [id, outcome, capDetail(extra ?? {})]);
}

export interface AuditRow {
  id: string;
  at: Date;
  lastAt: Date;
  count: number;
  actor: string;
  role: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  detail: unknown;
}

/**
 * Newest first, keyset-paged on the numeric id. (The id is selected as text for the client, so
 * the ORDER BY names the table's column: the output column would sort "9" before "21".)
 */
export function auditEvents(sql: SqlClient, filter: { actor?: string | null; action?: string | null }, before: string | null, limit: number): Promise<AuditRow[]> {
  return sql.query<AuditRow>(
    `SELECT e.id::text AS id, e.at, e.last_at AS "lastAt", e.count, e.actor, e.role, e.action, e.target, e.outcome, e.detail FROM audit_event e
      WHERE ($1::text IS NULL OR e.actor = $1) AND ($2::text IS NULL OR e.action = $2) AND ($3::bigint IS NULL OR e.id < $3::bigint)
      ORDER BY e.id DESC LIMIT $4`,
    [filter.actor ?? null, filter.action ?? null, before, limit],
  );
}

export async function countAuditEvents(sql: SqlClient, filter: { actor?: string | null; action?: string | null }): Promise<number> {
  const [row] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_event WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2)`, [filter.actor ?? null, filter.action ?? null]);
  return row.n;
}
