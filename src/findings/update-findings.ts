import type { SqlClient } from "../db/sql-client.ts";
import { currentFindings, findingChanges, type StoredFinding } from "../domain/findings.ts";
import type { IsolationView } from "../isolation/isolation-index.ts";
import { ENQUEUE_DELIVERIES, OUTBOX_CHANNEL } from "../notifications/outbox.ts";
import { unlessAborted } from "./unless-aborted.ts";

/*
 * Brings the stored findings up to a view of the index: the difference between the findings
 * as stored (the report before) and the view's report and violations (the report after), in a
 * constant number of statements whatever the fleet's size. One replica at a time (an advisory
 * lock); a view older than what is stored is never applied, so replicas cannot undo each other.
 * An abort (the service stopping) abandons the update: its transaction rolls back whole, and
 * the next run (here after a restart, or on another replica) does it again.
 */
export interface FindingsUpdate {
  opened: number;
  changed: number;
  resolved: number;
}

const LOCK = `hashtextextended('tenancy-findings', 0)`;

/** Null when another replica holds the lock, or the stored findings are as new as the view. */
export async function updateFindings(sql: SqlClient, view: IsolationView, signal?: AbortSignal): Promise<FindingsUpdate | null> {
  const current = currentFindings(await unlessAborted(view.report(), signal), await unlessAborted(view.violations(), signal));
  const inventory = view.inventoryVersion;
  const policy = view.policy.version;
  return sql.transaction(async (tx) => {
    const [lock] = await tx.query<{ got: boolean }>(`SELECT pg_try_advisory_xact_lock(${LOCK}) AS got`);
    if (!lock.got) return null;
    const [state] = await tx.query<{ inventory_version: number; policy_version: number }>(`SELECT inventory_version, policy_version FROM findings_state WHERE id = 1`);
    if (state && (inventory < state.inventory_version || policy < state.policy_version || (inventory === state.inventory_version && policy === state.policy_version))) return null;

    const rows = await tx.query<StoredFinding>(`SELECT id, state, severity, evidence FROM finding WHERE state <> 'RESOLVED' OR id = ANY($1::text[])`, [[...current.keys()]]);
    const { updates, resolved } = findingChanges(new Map(rows.map((r) => [r.id, r])), current);
    const changed = updates.filter((u) => u.change !== null);
    const records = changed.map(({ facts, state }) => ({ ...facts, state }));
    if (records.length > 0) {
      await tx.query(
        `INSERT INTO finding AS f (id, kind, workload, workload_tenant, tenant, subject, state, severity, evidence, opened_evidence, first_seen_at, opened_at, last_seen_at)
         SELECT r.id, r.kind, r.workload, r."workloadTenant", r.tenant, r.subject, r.state, r.severity, r.evidence, r.evidence, clock_timestamp(), clock_timestamp(), clock_timestamp()
           FROM jsonb_to_recordset($1::jsonb) AS r(id text, kind text, workload text, "workloadTenant" text, tenant text, subject jsonb, state text, severity text, evidence jsonb)
         ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, severity = EXCLUDED.severity, evidence = EXCLUDED.evidence,
                workload_tenant = EXCLUDED.workload_tenant, last_seen_at = EXCLUDED.last_seen_at, resolved_at = NULL,
                opened_at = CASE WHEN f.state = 'RESOLVED' THEN EXCLUDED.opened_at ELSE f.opened_at END,
                opened_evidence = CASE WHEN f.state = 'RESOLVED' THEN EXCLUDED.evidence ELSE f.opened_evidence END`,
        [JSON.stringify(records)],
      );
    }
    const seen = updates.filter((u) => u.change === null).map((u) => u.facts.id);
    if (seen.length > 0) await tx.query(`UPDATE finding SET last_seen_at = clock_timestamp() WHERE id = ANY($1::text[])`, [seen]);
    if (resolved.length > 0) await tx.query(`UPDATE finding SET state = 'RESOLVED', resolved_at = clock_timestamp() WHERE id = ANY($1::text[])`, [resolved.map((r) => r.id)]);
    const events = [
      ...changed.map((u) => ({ finding: u.facts.id, change: u.change, state: u.state, severity: u.facts.severity, evidence: u.facts.evidence })),
      ...resolved.map((r) => ({ finding: r.id, change: "RESOLVED", state: "RESOLVED", severity: r.severity, evidence: null })),
    ];
    if (events.length > 0) await recordEvents(tx, events, inventory, policy);
    await tx.query(
      `INSERT INTO findings_state (id, inventory_version, policy_version, updated_at) VALUES (1, $1, $2, clock_timestamp())
       ON CONFLICT (id) DO UPDATE SET inventory_version = EXCLUDED.inventory_version, policy_version = EXCLUDED.policy_version, updated_at = EXCLUDED.updated_at`,
      [inventory, policy],
    );
    return { opened: changed.filter((u) => u.change === "OPENED" || u.change === "REOPENED").length, changed: changed.length, resolved: resolved.length };
  }, signal);
}

/** Records the events and, in the same statement, their notifications (the outbox). */
async function recordEvents(tx: SqlClient, events: { finding: string; change: string | null; state: string; severity: string; evidence: unknown }[], inventory: number, policy: number) {
  const queued = await tx.query(
    `WITH events AS (
       INSERT INTO finding_event (finding, change, state, severity, evidence, inventory_version, policy_version)
       SELECT e.finding, e.change, e.state, e.severity, e.evidence, $2, $3
         FROM jsonb_to_recordset($1::jsonb) AS e(finding text, change text, state text, severity text, evidence jsonb)
       RETURNING id, finding, at, change, state, severity, evidence
     )${ENQUEUE_DELIVERIES}`,
    [JSON.stringify(events), inventory, policy],
  );
  if (queued.length > 0) await tx.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
}

/** Acceptances whose time ran out: the findings are OPEN again. */
export async function expireAcceptances(sql: SqlClient, signal?: AbortSignal): Promise<number> {
  return sql.transaction(async (tx) => {
    const expired = await tx.query(`UPDATE finding SET state = 'OPEN' WHERE state = 'ACCEPTED' AND accepted_until <= clock_timestamp() RETURNING id`);
    if (expired.length === 0) return 0;
    const queued = await tx.query(
      `WITH events AS (
         INSERT INTO finding_event (finding, change, state, severity, evidence)
         SELECT id, 'ACCEPTANCE_EXPIRED', 'OPEN', severity, evidence FROM finding WHERE id = ANY($1::text[])
         RETURNING id, finding, at, change, state, severity, evidence
       )${ENQUEUE_DELIVERIES}`,
      [expired.map((r) => (r as { id: string }).id)],
    );
    if (queued.length > 0) await tx.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
    return expired.length;
  }, signal);
}

/** True when the findings are already up to the inventory and policy versions in force. */
export async function findingsUpToDate(sql: SqlClient): Promise<boolean> {
  const [row] = await sql.query<{ current: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM findings_state s WHERE s.id = 1
        AND s.inventory_version = coalesce((SELECT version FROM inventory_state WHERE id = 1), 0)
        AND s.policy_version = coalesce((SELECT max(version) FROM isolation_policy), 0)) AS current`,
  );
  return row.current;
}
