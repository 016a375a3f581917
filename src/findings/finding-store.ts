import type { SqlClient, SqlParam } from "../db/sql-client.ts";

/*
 * Reading findings and their events, and accepting one (docs/history.md). Lists cost one
 * statement per page (and one more for a count, when asked).
 */
export interface FindingRow {
  id: string;
  kind: string;
  state: string;
  severity: string;
  workload: string;
  workloadTenant: string | null;
  tenant: string | null;
  subject: unknown;
  /** JSON from NOT NULL columns: always an object. */
  evidence: NonNullable<unknown>;
  openedEvidence: NonNullable<unknown>;
  firstSeenAt: Date;
  openedAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
  acceptedBy: string | null;
  acceptedReason: string | null;
  acceptedAt: Date | null;
  acceptedUntil: Date | null;
}

/**
 * When an update last found it in the report: for a finding not resolved, the last update
 * (update-findings.ts writes last_seen_at only on the findings it changes); for a resolved one,
 * the last update before it left.
 */
const LAST_SEEN_AT = `CASE WHEN f.state = 'RESOLVED' THEN f.last_seen_at ELSE GREATEST(f.last_seen_at, (SELECT s.updated_at FROM findings_state s WHERE s.id = 1)) END`;

export const FINDING_COLUMNS = `f.id, f.kind, f.state, f.severity, f.workload, f.workload_tenant AS "workloadTenant", f.tenant, f.subject, f.evidence,
  f.opened_evidence AS "openedEvidence", f.first_seen_at AS "firstSeenAt", f.opened_at AS "openedAt", ${LAST_SEEN_AT} AS "lastSeenAt",
  f.resolved_at AS "resolvedAt", f.accepted_by AS "acceptedBy", f.accepted_reason AS "acceptedReason", f.accepted_at AS "acceptedAt",
  f.accepted_until AS "acceptedUntil"`;

export interface FindingFilter {
  states?: string[] | null;
  kind?: string | null;
  workload?: string | null;
  /** Either side: the other tenant of an isolation finding, or the tenant owning the workload. */
  tenant?: string | null;
  /** Only findings whose current episode began at or after this moment. */
  since?: Date | null;
}

/** The filter as SQL over alias `f`, with its parameters appended to `params`. */
export function findingCondition(filter: FindingFilter, params: SqlParam[]): string {
  const bind = (value: SqlParam) => `$${params.push(value)}`;
  const parts = ["TRUE"];
  if (filter.states?.length) parts.push(`f.state = ANY(${bind(filter.states)}::text[])`);
  if (filter.kind) parts.push(`f.kind = ${bind(filter.kind)}`);
  if (filter.workload) parts.push(`f.workload = ${bind(filter.workload)}`);
  if (filter.tenant) {
    const p = bind(filter.tenant);
    parts.push(`(f.tenant = ${p} OR f.workload_tenant = ${p})`);
  }
  if (filter.since) parts.push(`f.opened_at >= ${bind(filter.since.toISOString())}`);
  return parts.join(" AND ");
}

/** Newest episode first: the cursor is the position (opened_at, id) of the page's last row. */
export async function findingsPage(sql: SqlClient, filter: FindingFilter, after: string | null, size: number): Promise<FindingRow[]> {
  const params: SqlParam[] = [];
  const where = findingCondition(filter, params);
  let keyset = "";
  if (after !== null) {
    const bar = after.indexOf("|");
    keyset = ` AND (f.opened_at < ${`$${params.push(after.slice(0, bar))}`}::timestamptz OR (f.opened_at = $${params.length}::timestamptz AND f.id > $${params.push(after.slice(bar + 1))}))`;
  }
  return sql.query<FindingRow>(`SELECT ${FINDING_COLUMNS} FROM finding f WHERE ${where}${keyset} ORDER BY f.opened_at DESC, f.id LIMIT ${size + 1}`, params);
}

export const findingCursor = (row: FindingRow) => `${new Date(row.openedAt).toISOString()}|${row.id}`;

export async function countFindings(sql: SqlClient, filter: FindingFilter): Promise<number> {
  const params: SqlParam[] = [];
  const [row] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM finding f WHERE ${findingCondition(filter, params)}`, params);
  return row.n;
}

export async function findingsByIds(sql: SqlClient, ids: readonly string[]): Promise<FindingRow[]> {
  return sql.query<FindingRow>(`SELECT ${FINDING_COLUMNS} FROM finding f WHERE f.id = ANY($1::text[])`, [[...ids]]);
}

export interface FindingEventRow {
  id: string;
  finding: string;
  at: Date;
  change: string;
  state: string;
  severity: string;
  evidence: unknown;
  actor: string | null;
  inventoryVersion: number | null;
  policyVersion: number | null;
}

/** Events of many findings at once, oldest first: one statement. */
export async function findingEvents(sql: SqlClient, ids: readonly string[]): Promise<FindingEventRow[]> {
  return sql.query<FindingEventRow>(
    `SELECT id::text AS id, finding, at, change, state, severity, evidence, actor, inventory_version AS "inventoryVersion", policy_version AS "policyVersion"
       FROM finding_event e WHERE e.finding = ANY($1::text[]) ORDER BY e.finding, e.id`,
    [[...ids]],
  );
}

/** The longest an acceptance may run before it must be looked at again. */
export const MAX_ACCEPTANCE_DAYS = 366;

export interface Acceptance {
  id: string;
  reason: string;
  until: Date;
  actor: string;
}

/** Accepts (or renews the acceptance of) a finding that is not resolved; problems as userErrors. */
export async function acceptFinding(sql: SqlClient, acceptance: Acceptance): Promise<{ finding: FindingRow | null; userErrors: { path: string[]; message: string }[] }> {
  const problems: { path: string[]; message: string }[] = [];
  const reason = acceptance.reason.trim();
  if (reason.length === 0) problems.push({ path: ["reason"], message: "say why the finding is accepted: the reason is kept with it and shown to auditors" });
  if (reason.length > 2000) problems.push({ path: ["reason"], message: `the reason is ${reason.length} characters long; at most 2000` });
  const now = Date.now();
  if (acceptance.until.getTime() <= now) problems.push({ path: ["until"], message: `until (${acceptance.until.toISOString()}) must be in the future` });
  else if (acceptance.until.getTime() > now + MAX_ACCEPTANCE_DAYS * 86_400_000) {
    problems.push({ path: ["until"], message: `an acceptance runs at most ${MAX_ACCEPTANCE_DAYS} days; until (${acceptance.until.toISOString()}) is later` });
  }
  if (problems.length > 0) return { finding: null, userErrors: problems };
  return sql.transaction(async (tx) => {
    const [current] = await tx.query<{ state: string }>(`SELECT state FROM finding WHERE id = $1 FOR UPDATE`, [acceptance.id]);
    if (!current) return { finding: null, userErrors: [{ path: ["id"], message: `no finding has the id "${acceptance.id}"` }] };
    if (current.state === "RESOLVED") return { finding: null, userErrors: [{ path: ["id"], message: `finding "${acceptance.id}" is resolved: there is nothing to accept` }] };
    await tx.query(`UPDATE finding SET state = 'ACCEPTED', accepted_by = $2, accepted_reason = $3, accepted_at = clock_timestamp(), accepted_until = $4 WHERE id = $1`, [
      acceptance.id,
      acceptance.actor,
      reason,
      acceptance.until.toISOString(),
    ]);
    await tx.query(
      `INSERT INTO finding_event (finding, change, state, severity, evidence, actor)
       SELECT id, 'ACCEPTED', 'ACCEPTED', severity, jsonb_build_object('reason', accepted_reason, 'until', accepted_until), $2 FROM finding WHERE id = $1`,
      [acceptance.id, acceptance.actor],
    );
    const [finding] = await tx.query<FindingRow>(`SELECT ${FINDING_COLUMNS} FROM finding f WHERE f.id = $1`, [acceptance.id]);
    return { finding, userErrors: [] };
  });
}
