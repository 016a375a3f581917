import type { SqlClient, SqlParam } from "../db/sql-client.ts";
import { readInBatches } from "../db/read-in-batches.ts";
import { findingChangesSteps, type FindingFacts, type FindingUpdate, type StoredFinding } from "../domain/findings.ts";
import { changedFindingKeysSteps, findingIdOfKey, reportFindingsSteps, type FindingDigests, type ReportFindings } from "../domain/report-findings.ts";
import type { IsolationView } from "../isolation/isolation-index.ts";
import { runInSlices } from "../isolation/run-in-slices.ts";
import { jsonArraySteps } from "../db/json-array-steps.ts";
import { backgroundSlices } from "../isolation/background-slices.ts";
import { ENQUEUE_DELIVERIES, OUTBOX_CHANNEL } from "../notifications/outbox.ts";
import { unlessAborted } from "./unless-aborted.ts";

/*
 * Brings the stored findings up to a view of the index: the difference between the findings
 * as stored (the report before) and the view's report and violations (the report after), in a
 * constant number of statements whatever the fleet's size. One replica at a time (an advisory
 * lock); a view older than what is stored is never applied, so replicas cannot undo each other.
 * (A first update of a large fleet writes in batches: `WRITE_BATCH`.)
 *
 * The replica that made the last update knows each finding's digest then (`KnownFindings`):
 * while the stored versions are still the ones it brought them to, the stored findings are
 * exactly those digests, so only the findings whose digest moved, and those gone, are built,
 * read and decided on. Otherwise (its first update, or another replica's came between) every
 * finding is built and compared with every stored one that is not resolved.
 *
 * `last_seen_at` is not rewritten on the findings an update leaves alone: a finding not
 * resolved was seen by the last update (findings_state.updated_at; finding-store.ts reads it
 * so), and one resolved keeps the time of the last update that saw it.
 *
 * An abort (the service stopping) abandons the update: its transaction rolls back whole, and
 * the next run (here after a restart, or on another replica) does it again.
 */
export interface FindingsUpdate {
  opened: number;
  changed: number;
  resolved: number;
  /** How the update found what to decide on: from the digests it knew, or by comparing every finding. */
  compared: "CHANGED" | "ALL";
}

/** The findings as an update left them: at these versions, with these digests. */
export interface KnownFindings {
  inventory: number;
  policy: number;
  digests: FindingDigests;
}

/** Where an update's time went (ms): waiting for the report (and the warm-up it needs), the digests, comparing and writing. */
export interface UpdateTimes {
  report: number;
  digests: number;
  write: number;
}

const LOCK = `hashtextextended('tenancy-findings', 0)`;

interface Versions {
  inventory_version: number;
  policy_version: number;
  updated_at: Date;
}

/**
 * Null when another replica holds the lock, or the stored findings are as new as the view.
 * `known`: what this replica's last update left, if any.
 */
export async function updateFindings(sql: SqlClient, view: IsolationView, known: KnownFindings | null = null, signal?: AbortSignal): Promise<{ update: FindingsUpdate; known: KnownFindings; ms: UpdateTimes } | null> {
  const started = performance.now();
  const [report, violations] = [await unlessAborted(view.report(), signal), await unlessAborted(view.violations(), signal)];
  const reported = performance.now();
  // The digests are background work (src/isolation/background-slices.ts): no request waits for
  // them. What follows inside the transaction (the keys that moved, the findings' facts, their
  // comparison, the statements' JSON) runs in foreground slices, so as not to hold it open longer
  // under load.
  const found = await unlessAborted(runInSlices(reportFindingsSteps(report, violations), backgroundSlices.work()), signal);
  const digested = performance.now();
  const ms = () => ({ report: Math.round(reported - started), digests: Math.round(digested - reported), write: Math.round(performance.now() - digested) });
  const inventory = view.inventoryVersion;
  const policy = view.policy.version;
  return sql.transaction(async (tx) => {
    const [lock] = await tx.query<{ got: boolean }>(`SELECT pg_try_advisory_xact_lock(${LOCK}) AS got`);
    if (!lock.got) return null;
    const [state] = await tx.query<Versions>(`SELECT inventory_version, policy_version, updated_at FROM findings_state WHERE id = 1`);
    if (state && (inventory < state.inventory_version || policy < state.policy_version || (inventory === state.inventory_version && policy === state.policy_version))) return null;

    const still = known !== null && state !== undefined && known.inventory === state.inventory_version && known.policy === state.policy_version;
    const { current, stored } = still ? await changedOnly(tx, found, known.digests) : await everyFinding(tx, found);
    const { changed, resolved } = await runInSlices(findingChangesSteps(stored, current));
    await writeFindings(tx, changed);
    if (resolved.length > 0) {
      // Last seen by the update before this one.
      await tx.query(`UPDATE finding SET state = 'RESOLVED', resolved_at = clock_timestamp(), last_seen_at = GREATEST(last_seen_at, $2::timestamptz) WHERE id = ANY($1::text[])`, [resolved.map((r) => r.id), state?.updated_at ?? null]);
    }
    if (changed.length + resolved.length > 0) await recordEvents(tx, changed, resolved, inventory, policy);
    await tx.query(
      `INSERT INTO findings_state (id, inventory_version, policy_version, updated_at) VALUES (1, $1, $2, clock_timestamp())
       ON CONFLICT (id) DO UPDATE SET inventory_version = EXCLUDED.inventory_version, policy_version = EXCLUDED.policy_version, updated_at = EXCLUDED.updated_at`,
      [inventory, policy],
    );
    const opened = changed.filter((u) => u.change === "OPENED" || u.change === "REOPENED").length;
    return { update: { opened, changed: changed.length, resolved: resolved.length, compared: still ? "CHANGED" : "ALL" }, known: { inventory, policy, digests: found.digests }, ms: ms() };
  }, signal);
}

type Compared = { current: Map<string, FindingFacts>; stored: Map<string, StoredFinding> };

/** The findings whose digest moved since `before`, and the stored rows of those and of the ones gone. */
async function changedOnly(tx: SqlClient, found: ReportFindings, before: FindingDigests): Promise<Compared> {
  const { changed, gone } = await runInSlices(changedFindingKeysSteps(before, found.digests));
  const current = await runInSlices(found.factsSteps(changed));
  const ids = [...current.keys(), ...gone.map(findingIdOfKey)];
  const stored = ids.length === 0 ? new Map<string, StoredFinding>() : await storedFindings(tx, `id = ANY($1::text[])`, ids);
  return { current, stored };
}

/** Every current finding, and every stored one not resolved (and the resolved ones the report brings back). */
async function everyFinding(tx: SqlClient, found: ReportFindings): Promise<Compared> {
  const current = await runInSlices(found.factsSteps(found.digests.keys()));
  // The ids as JSON made in steps: a text[] parameter of 800,000 ids is escaped in one block (half a second on M).
  const ids = await runInSlices(jsonArraySteps([...current.keys()]));
  return { current, stored: await storedFindings(tx, `state <> 'RESOLVED' OR id IN (SELECT jsonb_array_elements_text($1::jsonb))`, ids) };
}

/** The stored findings `where` selects, by id, read a batch at a time: a first update on fleet M reads 818,000, and read and mapped at once they held the event loop 680 to 830 ms. */
async function storedFindings(tx: SqlClient, where: string, param: SqlParam): Promise<Map<string, StoredFinding>> {
  const stored = new Map<string, StoredFinding>();
  await readInBatches<StoredFinding>(tx, "stored_findings", `SELECT id, state, severity, evidence FROM finding WHERE ${where}`, [param], (row) => stored.set(row.id, row));
  return stored;
}

/**
 * Rows per statement when an update writes many (a fleet's first update opens every finding:
 * about 800,000 on fleet M, whose JSON in one parameter would come near the longest string V8
 * can make). Each statement's text is joined and encoded in one block: 25,000 rows held the
 * event loop 200 to 280 ms on M, 5,000 about a fifth of that. A one-row sync's update on M
 * (some 24,000 changed findings) writes five statements of each kind.
 */
const WRITE_BATCH = 5_000;

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += WRITE_BATCH) out.push(items.slice(i, i + WRITE_BATCH));
  return out;
}

/** Opened, reopened and changed findings, one statement per batch. */
async function writeFindings(tx: SqlClient, changed: FindingUpdate[]) {
  for (const batch of batches(changed)) await writeBatch(tx, batch);
}

async function writeBatch(tx: SqlClient, changed: FindingUpdate[]) {
  await tx.query(
    `INSERT INTO finding AS f (id, kind, workload, workload_tenant, tenant, subject, state, severity, evidence, opened_evidence, first_seen_at, opened_at, last_seen_at)
     SELECT r.id, r.kind, r.workload, r."workloadTenant", r.tenant, r.subject, r.state, r.severity, r.evidence, r.evidence, clock_timestamp(), clock_timestamp(), clock_timestamp()
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, kind text, workload text, "workloadTenant" text, tenant text, subject jsonb, state text, severity text, evidence jsonb)
     ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, severity = EXCLUDED.severity, evidence = EXCLUDED.evidence,
            workload_tenant = EXCLUDED.workload_tenant, last_seen_at = EXCLUDED.last_seen_at, resolved_at = NULL,
            opened_at = CASE WHEN f.state = 'RESOLVED' THEN EXCLUDED.opened_at ELSE f.opened_at END,
            opened_evidence = CASE WHEN f.state = 'RESOLVED' THEN EXCLUDED.evidence ELSE f.opened_evidence END`,
    [await runInSlices(jsonArraySteps(changed, undefined, (u) => ({ ...u.facts, state: u.state })))],
  );
}

type FindingEventRecord = { finding: string; change: string | null; state: string; severity: string; evidence: unknown };

const changedEvent = (u: FindingUpdate): FindingEventRecord => ({ finding: u.facts.id, change: u.change, state: u.state, severity: u.facts.severity, evidence: u.facts.evidence });
const resolvedEvent = (r: StoredFinding): FindingEventRecord => ({ finding: r.id, change: "RESOLVED", state: "RESOLVED", severity: r.severity, evidence: null });

/** Records the events (the changed findings', then the resolved ones') and, in the same statement, their notifications (the outbox); one statement per batch. */
async function recordEvents(tx: SqlClient, changed: FindingUpdate[], resolved: StoredFinding[], inventory: number, policy: number) {
  let queued = 0;
  for (const batch of batches(changed)) queued += await recordBatch(tx, await runInSlices(jsonArraySteps(batch, undefined, changedEvent)), inventory, policy);
  for (const batch of batches(resolved)) queued += await recordBatch(tx, await runInSlices(jsonArraySteps(batch, undefined, resolvedEvent)), inventory, policy);
  if (queued > 0) await tx.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
}

/** One batch of events, given as the JSON text of their records. */
async function recordBatch(tx: SqlClient, events: string, inventory: number, policy: number): Promise<number> {
  const queued = await tx.query(
    `WITH events AS (
       INSERT INTO finding_event (finding, change, state, severity, evidence, inventory_version, policy_version)
       SELECT e.finding, e.change, e.state, e.severity, e.evidence, $2, $3
         FROM jsonb_to_recordset($1::jsonb) AS e(finding text, change text, state text, severity text, evidence jsonb)
       RETURNING id, finding, at, change, state, severity, evidence
     )${ENQUEUE_DELIVERIES}`,
    [events, inventory, policy],
  );
  return queued.length;
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
