import { createHash } from "node:crypto";
import type { SqlClient } from "../db/sql-client.ts";
import { disagreements, leavingDatacenters, lockDatacenters, refreshDatacenters } from "./datacenter-descriptions.ts";
import { castFromParam, columnArrays, ownTable, paramType, TABLES } from "./inventory-tables.ts";
import { foreignWorkloadWarnings } from "./foreign-workload-warnings.ts";
import { hostPlaceConflictWarnings } from "./host-place-conflicts.ts";
import { bumpInventoryVersion } from "./inventory-version.ts";
import { syncKubernetesNodes } from "./kubernetes-nodes.ts";
import { syncGrantProblems, type SyncGrant } from "./sync-grant.ts";
import { INVENTORY_KINDS, type InventoryKind, type Snapshot, type SnapshotProblem } from "./snapshot.ts";
import { validateSnapshot } from "./validate-snapshot.ts";
import { ownershipConflictMessage } from "./ownership-conflict.ts";
import { observeSync } from "../observability/observe-sync.ts";
import { compareCodeUnits } from "../domain/compare-code-units.ts";
import { getOrInsert } from "../domain/get-or-insert.ts";

/*
 * Applies a snapshot to the inventory (docs/snapshots.md):
 *
 * - validated whole first; a snapshot with any problem is refused and nothing is written;
 * - one transaction per snapshot, under a per-source advisory lock (one sync per source at a
 *   time, different sources in parallel);
 * - set-based SQL: per kind, one ownership check, one diff-and-upsert, and for complete
 *   snapshots one removal, each a single statement over `unnest` of the whole collection;
 * - datacenters have no single owner: the source's descriptions must agree with the other
 *   sources', and the union readers see is rewritten (datacenter-descriptions.ts);
 * - a run row is committed as RUNNING before the transaction, so a sync killed half-way leaves
 *   a trace (marked ABANDONED by the next sync of that source) and the previous inventory.
 */
export type SyncStatus = "APPLIED" | "UNCHANGED" | "REFUSED" | "FAILED";

export interface KindChanges {
  created: number;
  updated: number;
  removed: number;
  unchanged: number;
}

export interface SyncResult {
  status: SyncStatus;
  source: string | null;
  runId: number | null;
  complete: boolean;
  totals: KindChanges;
  changes: Record<InventoryKind, KindChanges>;
  warnings: SnapshotProblem[];
  errors: SnapshotProblem[];
}

export interface SyncOptions {
  /** Let a complete snapshot remove more than half of the source's objects. */
  allowMassRemoval?: boolean;
  /** How long to wait for another sync of the same source, in ms (default 60 s). */
  lockTimeoutMs?: number;
  /** Called as the sync moves from phase to phase, for a progress line. */
  onProgress?: (phase: string) => void;
  /** Work out every change, then roll it all back: no run is recorded, nothing is written. */
  dryRun?: boolean;
  /** A sync token's kinds and tenants: a snapshot outside them is refused (sync-grant.ts). */
  grant?: SyncGrant;
  /** Told the database's own error when a sync fails: for the log, since callers only get a generic message. */
  onFailure?: (error: unknown) => void;
  /** How the caller says "allow a mass removal", for the refusal's message (the CLI's flag). */
  massRemovalOverride?: string;
}

/** A refusal found inside the transaction: it rolls back, then the run is marked REFUSED. */
class SyncRefused extends Error {
  constructor(readonly problems: SnapshotProblem[]) {
    super(problems.map((p) => p.message).join("; "));
  }
}

/** The API's way to allow a mass removal, as the refusal names it. */
export const MASS_REMOVAL_OVERRIDE = "allowMassRemoval: true";

const zero = (): KindChanges => ({ created: 0, updated: 0, removed: 0, unchanged: 0 });
const emptyChanges = () => Object.fromEntries(INVENTORY_KINDS.map((k) => [k, zero()])) as Record<InventoryKind, KindChanges>;

export function syncInventory(sql: SqlClient, document: unknown, options: SyncOptions = {}): Promise<SyncResult> {
  return observeSync(document, options, (observed) => syncUnobserved(sql, document, observed));
}

async function syncUnobserved(sql: SqlClient, document: unknown, options: SyncOptions): Promise<SyncResult> {
  const progress = options.onProgress ?? (() => undefined);
  progress("validating");
  const validation = validateSnapshot(document);
  const sourceName = typeof (document as { source?: unknown })?.source === "string" ? (document as { source: string }).source.trim() || null : null;
  const complete = (document as { complete?: unknown })?.complete === true;
  const result = (status: SyncStatus, runId: number | null, fields: Partial<SyncResult> = {}): SyncResult => ({
    status,
    source: sourceName,
    runId,
    complete,
    totals: zero(),
    changes: emptyChanges(),
    warnings: [],
    errors: [],
    ...fields,
  });

  if (!validation.ok) {
    // A dry run writes nothing, not even the record of a refusal.
    const runId = sourceName && !options.dryRun ? await recordFinishedRun(sql, sourceName, complete, options, "REFUSED", validation.problems) : null;
    return result("REFUSED", runId, { errors: validation.problems });
  }
  const snapshot = validation.snapshot;

  if (options.dryRun) {
    try {
      const applied = await sql.rolledBack((tx) => applySnapshot(tx, snapshot, -1, options, progress));
      return result(applied.status, null, applied);
    } catch (error) {
      if (error instanceof SyncRefused) return result("REFUSED", null, { errors: error.problems });
      options.onFailure?.(error);
      return result("FAILED", null, { errors: [{ path: [], message: describeFailure(error, snapshot.source) }] });
    }
  }

  const [run] = await sql.query<{ id: number }>(
    `INSERT INTO sync_run (source, status, complete, allow_mass_removal, backend_pid)
     VALUES ($1, 'RUNNING', $2, $3, pg_backend_pid()) RETURNING id`,
    [snapshot.source, snapshot.complete, options.allowMassRemoval === true],
  );
  try {
    const applied = await sql.transaction((tx) => applySnapshot(tx, snapshot, run.id, options, progress));
    progress("done");
    return result(applied.status, run.id, applied);
  } catch (error) {
    const problems = error instanceof SyncRefused ? error.problems : [{ path: [], message: describeFailure(error, snapshot.source) }];
    const status: SyncStatus = error instanceof SyncRefused ? "REFUSED" : "FAILED";
    if (status === "FAILED") options.onFailure?.(error);
    await sql.query(`UPDATE sync_run SET status = $2, finished_at = now(), errors = $3::jsonb WHERE id = $1`, [run.id, status, JSON.stringify(problems)]);
    return result(status, run.id, { errors: problems });
  }
}

type Applied = Pick<SyncResult, "status" | "totals" | "changes" | "warnings">;

/** One application of a snapshot inside its transaction: what every phase reads and fills in. */
interface SyncPass {
  tx: SqlClient;
  snapshot: Snapshot;
  runId: number;
  options: SyncOptions;
  progress: (phase: string) => void;
  lockTimeout: number;
  /** Each kind's parameter arrays, serialised once and only for kinds that need a diff. */
  arraysOf: (kind: InventoryKind) => string[];
  /** Kinds whose stored digest proves them unchanged (`unchangedByDigest`). */
  unchangedKinds: Set<InventoryKind>;
  changes: Record<InventoryKind, KindChanges>;
}

async function applySnapshot(tx: SqlClient, snapshot: Snapshot, runId: number, options: SyncOptions, progress: (phase: string) => void): Promise<Applied> {
  const pass: SyncPass = {
    tx,
    snapshot,
    runId,
    options,
    progress,
    lockTimeout: Math.max(1, Math.round(options.lockTimeoutMs ?? 60_000)),
    arraysOf: parameterArrays(snapshot),
    unchangedKinds: new Set(),
    changes: emptyChanges(),
  };
  await lockSource(pass);
  const digests = snapshot.complete ? collectionDigests(snapshot) : null;
  if (digests) pass.unchangedKinds = await unchangedByDigest(tx, snapshot.source, digests);
  progress("checking ownership");
  const conflicts = await ownershipConflicts(pass);
  const datacenters = await datacenterConflicts(pass);
  conflicts.push(...datacenters.conflicts);
  if (conflicts.length > 0) throw new SyncRefused(conflicts);
  if (snapshot.complete) await countRemovals(pass);
  await upsertKinds(pass);
  if (snapshot.complete) await removeMissing(pass);
  const { changes } = pass;
  const datacenterChanges = changes.datacenters.created + changes.datacenters.updated + changes.datacenters.removed;
  if (datacenterChanges > 0) await refreshDatacenters(tx, datacenters.keys);
  const warnings = await crossSourceChecks(pass);
  const totals = totalsOf(changes);
  // A Kubernetes source's nodes by name (the extender and the webhook read them): all or none.
  const nodesChanged = snapshot.kubernetesNodes !== undefined && (await syncKubernetesNodes(tx, snapshot.source, snapshot.kubernetesNodes));
  const status = totals.created + totals.updated + totals.removed === 0 && !nodesChanged ? "UNCHANGED" : "APPLIED";
  await bookkeeping(pass, digests, status, totals, warnings);
  return { status, totals, changes, warnings };
}

function parameterArrays(snapshot: Snapshot): (kind: InventoryKind) => string[] {
  const cache = new Map<InventoryKind, string[]>();
  return (kind) => getOrInsert(cache, kind, () => columnArrays(kind, snapshot[kind]));
}

/** One sync per source at a time (waiting at most lockTimeoutMs); then the run's own checks. */
async function lockSource({ tx, snapshot, runId, options, progress, lockTimeout }: SyncPass) {
  progress("waiting for other syncs of this source");
  await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [`${lockTimeout}ms`]);
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('tenancy-sync:' || $1, 0))`, [snapshot.source]);
  await tx.query(`SELECT set_config('lock_timeout', '0', true)`);
  await abandonDeadRuns(tx, snapshot.source, runId);
  const outsideGrant = options.grant ? await syncGrantProblems(tx, snapshot, options.grant) : [];
  if (outsideGrant.length > 0) throw new SyncRefused(outsideGrant);
}

/**
 * A kind whose complete collection has the digest stored by this source's last complete
 * sync is exactly what the source already has: no ownership conflict, nothing to write or
 * remove. Only this source's syncs write its rows (under the lock held here), and an
 * incomplete sync clears the digests, so an equal digest proves the rows are unchanged.
 */
async function unchangedByDigest(tx: SqlClient, source: string, digests: Record<InventoryKind, string>): Promise<Set<InventoryKind>> {
  const unchangedKinds = new Set<InventoryKind>();
  const stored = await tx.query<{ kind: InventoryKind; digest: string }>(`SELECT kind, digest FROM source_digest WHERE source = $1`, [source]);
  for (const row of stored) if (digests[row.kind] === row.digest) unchangedKinds.add(row.kind);
  return unchangedKinds;
}

/** Ids of this snapshot that another source owns (ids are unique per kind across sources). */
async function ownershipConflicts({ tx, snapshot, arraysOf, unchangedKinds }: SyncPass): Promise<SnapshotProblem[]> {
  const conflicts: SnapshotProblem[] = [];
  for (const kind of INVENTORY_KINDS.filter((kind) => !unchangedKinds.has(kind))) {
    if (snapshot[kind].length === 0 || TABLES[kind].shared) continue;
    const owned = await tx.query<{ key: string; source: string }>(
      `SELECT t.key, t.source FROM ${TABLES[kind].table} t
        JOIN unnest($1::text[]) AS k(key) ON k.key = t.key
       WHERE t.source <> $2 ORDER BY t.key LIMIT 1000`,
      [arraysOf(kind)[0], snapshot.source],
    );
    const index = new Map(snapshot[kind].map((r, i) => [r.id, i]));
    for (const row of owned) {
      conflicts.push({
        path: [kind, String(index.get(row.key)), "id"],
        message: ownershipConflictMessage(TABLES[kind].noun, row.key, row.source),
      });
    }
  }
  return conflicts;
}

/**
 * The datacenters this sync describes or stops describing: locked against other sources'
 * syncs of the same places, checked against their descriptions (their union is rewritten
 * after the writes).
 */
async function datacenterConflicts({ tx, snapshot, arraysOf, unchangedKinds, lockTimeout }: SyncPass): Promise<{ keys: string[]; conflicts: SnapshotProblem[] }> {
  if (unchangedKinds.has("datacenters")) return { keys: [], conflicts: [] };
  const leaving = snapshot.complete ? await leavingDatacenters(tx, snapshot.source, arraysOf("datacenters")[0]) : [];
  const keys = [...snapshot.datacenters.map((d) => d.id), ...leaving];
  await lockDatacenters(tx, keys, lockTimeout);
  return { keys, conflicts: await disagreements(tx, snapshot) };
}

/** A complete snapshot's removals, counted per kind; more than half of the source's objects is refused unless allowed. */
async function countRemovals({ tx, snapshot, options, progress, arraysOf, unchangedKinds, changes }: SyncPass) {
  progress("counting removals");
  let removing = 0;
  let total = 0;
  for (const kind of INVENTORY_KINDS) {
    if (unchangedKinds.has(kind)) {
      total += snapshot[kind].length;
      continue;
    }
    const [row] = await tx.query<{ removing: number; total: number }>(
      `SELECT count(*) FILTER (WHERE k.key IS NULL)::int AS removing, count(*)::int AS total
         FROM ${ownTable(kind)} t LEFT JOIN unnest($1::text[]) AS k(key) ON k.key = t.key
        WHERE t.source = $2`,
      [arraysOf(kind)[0], snapshot.source],
    );
    changes[kind].removed = row.removing;
    removing += row.removing;
    total += row.total;
  }
  if (removing * 2 > total && removing > 0 && !options.allowMassRemoval) {
    throw new SyncRefused([
      {
        path: ["complete"],
        message: `this complete snapshot would remove ${removing} of the ${total} objects source "${snapshot.source}" has (more than half); if that is intended, sync again with ${options.massRemovalOverride ?? MASS_REMOVAL_OVERRIDE}`,
      },
    ]);
  }
}

/** Writes the new and changed rows of each kind (one statement per kind). */
async function upsertKinds({ tx, snapshot, progress, arraysOf, unchangedKinds, changes }: SyncPass) {
  for (const kind of INVENTORY_KINDS) {
    const records = snapshot[kind];
    if (unchangedKinds.has(kind)) changes[kind].unchanged = records.length;
    if (records.length === 0 || unchangedKinds.has(kind)) continue;
    progress(`writing ${kind} (${records.length})`);
    const [row] = await tx.query<{ changed: number; created: number; updated: number }>(upsertStatement(kind), [...arraysOf(kind), snapshot.source]);
    if (row.created + row.updated !== row.changed) {
      // Another source took one of these ids between our ownership check and our write.
      throw new SyncRefused([{ path: [kind], message: `some ${kind} ids were claimed by another source during this sync; sync again` }]);
    }
    changes[kind].created = row.created;
    changes[kind].updated = row.updated;
    changes[kind].unchanged = records.length - row.changed;
  }
}

/** Deletes what a complete snapshot no longer has (only kinds where removals were counted). */
async function removeMissing({ tx, snapshot, progress, arraysOf, changes }: SyncPass) {
  progress("removing what the source no longer has");
  for (const kind of INVENTORY_KINDS) {
    if (changes[kind].removed === 0) continue;
    await tx.query(
      `DELETE FROM ${ownTable(kind)} t WHERE t.source = $2
          AND NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS k(key) WHERE k.key = t.key)`,
      [arraysOf(kind)[0], snapshot.source],
    );
  }
}

/** Checks that need the other sources' rows: containment cycles (refused); references and hosts' places (warnings). */
async function crossSourceChecks({ tx, snapshot, progress, unchangedKinds }: SyncPass): Promise<SnapshotProblem[]> {
  progress("checking containment");
  await refuseCrossSourceCycles(tx, snapshot);
  progress("checking references");
  return [...(await danglingReferenceWarnings(tx, snapshot)), ...(await foreignWorkloadWarnings(tx, snapshot)), ...(await hostPlaceConflictWarnings(tx, snapshot, !unchangedKinds.has("racks")))];
}

function totalsOf(changes: Record<InventoryKind, KindChanges>): KindChanges {
  const totals = zero();
  for (const kind of INVENTORY_KINDS) {
    for (const field of ["created", "updated", "removed", "unchanged"] as const) totals[field] += changes[kind][field];
  }
  return totals;
}

/** The digests, the inventory version, the source's sync time and the run's record. */
async function bookkeeping({ tx, snapshot, runId }: SyncPass, digests: Record<InventoryKind, string> | null, status: SyncStatus, totals: KindChanges, warnings: SnapshotProblem[]) {
  if (digests) {
    await tx.query(
      `INSERT INTO source_digest (source, kind, digest) SELECT $1, d.kind, d.digest FROM unnest($2::text[], $3::text[]) AS d(kind, digest)
       ON CONFLICT (source, kind) DO UPDATE SET digest = EXCLUDED.digest`,
      [snapshot.source, [...INVENTORY_KINDS], INVENTORY_KINDS.map((kind) => digests[kind])],
    );
  } else if (status === "APPLIED") {
    await tx.query(`DELETE FROM source_digest WHERE source = $1`, [snapshot.source]);
  }
  // Tells every replica's in-memory topology that the inventory moved on.
  if (status === "APPLIED") await bumpInventoryVersion(tx);
  await tx.query(
    `INSERT INTO source (key, last_synced_at) VALUES ($1, now())
     ON CONFLICT (key) DO UPDATE SET last_synced_at = EXCLUDED.last_synced_at`,
    [snapshot.source],
  );
  await tx.query(
    `UPDATE sync_run SET status = $2, finished_at = now(), created = $3, updated = $4, removed = $5, unchanged = $6,
            warnings = $7::jsonb WHERE id = $1`,
    [runId, status, totals.created, totals.updated, totals.removed, totals.unchanged, JSON.stringify(warnings)],
  );
}

/** Bump when the stored form of a collection changes, so old digests stop matching. */
const DIGEST_VERSION = "2";

function collectionDigests(snapshot: Snapshot): Record<InventoryKind, string> {
  return Object.fromEntries(INVENTORY_KINDS.map((kind) => [kind, createHash("sha256").update(DIGEST_VERSION).update(JSON.stringify(snapshot[kind])).digest("hex")])) as Record<InventoryKind, string>;
}

/**
 * One statement per kind: unnest the collection, keep the rows that are new or differ from
 * the stored row, and upsert only those. Unchanged rows are never written, which keeps a
 * no-change resync read-only. A shared kind's rows are the source's own descriptions.
 */
function upsertStatement(kind: InventoryKind): string {
  const spec = TABLES[kind];
  const table = ownTable(kind);
  const n = spec.columns.length;
  const sourceParam = `$${n + 2}`;
  const rawNames = spec.columns.map((_, i) => `c${i}`);
  const unnestArgs = [`$1::text[]`, ...spec.columns.map((c, i) => `$${i + 2}::${paramType(c.type)}`)].join(", ");
  const incoming = spec.columns.map((c, i) => `${castFromParam(c.type, `u.${rawNames[i]}`)} AS ${c.column}`).join(", ");
  const cols = spec.columns.map((c) => c.column);
  const stored = ["t.source", ...cols.map((c) => `t.${c}`)].join(", ");
  const fresh = [sourceParam, ...cols.map((c) => `i.${c}`)].join(", ");
  return `WITH incoming AS (
      SELECT u.key, ${incoming} FROM unnest(${unnestArgs}) AS u(key, ${rawNames.join(", ")})
    ), changed AS (
      SELECT i.* FROM incoming i LEFT JOIN ${table} t ON t.key = i.key${spec.shared ? ` AND t.source = ${sourceParam}` : ""}
       WHERE t.key IS NULL OR (${stored}) IS DISTINCT FROM (${fresh})
    ), written AS (
      INSERT INTO ${table} AS t (key, source, ${cols.join(", ")}, updated_at)
      SELECT key, ${sourceParam}, ${cols.join(", ")}, now() FROM changed
      ON CONFLICT (key${spec.shared ? ", source" : ""}) DO UPDATE SET ${cols.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}, updated_at = EXCLUDED.updated_at
       WHERE t.source = EXCLUDED.source
      RETURNING (xmax = 0) AS inserted
    )
    SELECT (SELECT count(*) FROM changed)::int AS changed,
           count(*) FILTER (WHERE inserted)::int AS created,
           count(*) FILTER (WHERE NOT inserted)::int AS updated
      FROM written`;
}

/** Marks RUNNING runs of this source whose process is gone as ABANDONED (killed mid-sync). */
async function abandonDeadRuns(tx: SqlClient, source: string, runId: number) {
  // PGlite is one process with one backend: any other RUNNING run is from a process that died.
  const alive = tx.engine === "pglite" ? "false" : "backend_pid IN (SELECT pid FROM pg_stat_activity)";
  await tx.query(
    `UPDATE sync_run SET status = 'ABANDONED', finished_at = now(),
            errors = '[{"path":[],"message":"the sync stopped before it finished (process killed or connection lost); nothing of it was written"}]'::jsonb
      WHERE source = $1 AND status = 'RUNNING' AND id <> $2 AND NOT (${alive})`,
    [source, runId],
  );
}

/**
 * A VM inside a container inside that VM again, closed through units of other sources (the
 * snapshot's own cycles were refused by validation). Only VMs inside containers, and the
 * containers inside those VMs, can lie on a cycle, so the walk stays small.
 */
async function refuseCrossSourceCycles(tx: SqlClient, snapshot: Snapshot) {
  const nested = snapshot.virtualMachines.some((vm) => vm.container) || snapshot.containers.some((c) => c.virtualMachine);
  if (!nested) return;
  // Without any VM inside a container (no KubeVirt) there is no cycle to look for.
  const [kubevirt] = await tx.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM virtual_machine WHERE container IS NOT NULL) AS any`);
  if (!kubevirt.any) return;
  const rows = await tx.query<{ start: string }>(
    `WITH RECURSIVE edge(child, parent) AS (
        SELECT 'vm:' || key, 'ct:' || container FROM virtual_machine WHERE container IS NOT NULL
        UNION ALL
        SELECT 'ct:' || key, 'vm:' || virtual_machine FROM container
         WHERE virtual_machine IN (SELECT key FROM virtual_machine WHERE container IS NOT NULL)
     ), walk(start, node, depth) AS (
        SELECT child, parent, 1 FROM edge
        UNION ALL
        SELECT w.start, e.parent, w.depth + 1 FROM walk w JOIN edge e ON e.child = w.node
         WHERE w.node <> w.start AND w.depth < 10000
     )
     SELECT start FROM walk WHERE node = start ORDER BY start LIMIT 1`,
  );
  if (rows.length === 0) return;
  const [prefix, key] = [rows[0].start.slice(0, 3), rows[0].start.slice(3)];
  const kind: InventoryKind = prefix === "vm:" ? "virtualMachines" : "containers";
  const index = snapshot[kind].findIndex((r) => r.id === key);
  throw new SyncRefused([
    {
      path: index >= 0 ? [kind, String(index)] : [kind],
      message: `containment cycle through ${TABLES[kind].noun} "${key}" and units of other sources: a unit cannot sit inside itself`,
    },
  ]);
}

/**
 * References to ids that no source has synced: kept (unknown placement), reported once per
 * missing id with the first place it is named and how often.
 */
async function danglingReferenceWarnings(tx: SqlClient, snapshot: Snapshot): Promise<SnapshotProblem[]> {
  // First place each id is named (kept as numbers; a path is built only for missing ids).
  interface FirstUse {
    kind: InventoryKind;
    index: number;
    field: string;
    position: number;
    count: number;
  }
  const byTarget = new Map<InventoryKind, Map<string, FirstUse>>();
  for (const kind of INVENTORY_KINDS) {
    const records: readonly Record<string, unknown>[] = snapshot[kind];
    for (const ref of TABLES[kind].references) {
      const seen = getOrInsert(byTarget, ref.target, () => new Map<string, FirstUse>());
      for (let index = 0; index < records.length; index++) {
        const value = records[index][ref.field];
        if (!value) continue;
        const ids = ref.many ? (value as string[]) : [value as string];
        for (let position = 0; position < ids.length; position++) {
          getOrInsert(seen, ids[position], () => ({ kind, index, field: ref.field, position: ref.many ? position : -1, count: 0 })).count++;
        }
      }
    }
  }
  const warnings: SnapshotProblem[] = [];
  for (const [target, ids] of byTarget) {
    if (ids.size === 0) continue;
    const missing = await tx.query<{ key: string }>(
      `SELECT k.key FROM unnest($1::text[]) AS k(key)
        WHERE NOT EXISTS (SELECT 1 FROM ${TABLES[target].table} t WHERE t.key = k.key) ORDER BY k.key`,
      [[...ids.keys()]],
    );
    for (const { key } of missing) {
      const use = ids.get(key)!;
      const path = [use.kind, String(use.index), use.field, ...(use.position >= 0 ? [String(use.position)] : [])];
      const times = use.count > 1 ? ` (${use.count} references)` : "";
      warnings.push({ path, message: `${TABLES[target].noun} "${key}" has not been synced by any source${times}; kept as unknown placement` });
    }
  }
  return warnings.sort((a, b) => compareCodeUnits(a.path.join("/"), b.path.join("/")));
}

async function recordFinishedRun(sql: SqlClient, source: string, complete: boolean, options: SyncOptions, status: SyncStatus, errors: SnapshotProblem[]): Promise<number> {
  const [row] = await sql.query<{ id: number }>(
    `INSERT INTO sync_run (source, status, complete, allow_mass_removal, finished_at, errors)
     VALUES ($1, $2, $3, $4, now(), $5::jsonb) RETURNING id`,
    [source, status, complete, options.allowMassRemoval === true, JSON.stringify(errors)],
  );
  return row.id;
}

function describeFailure(error: unknown, source: string): string {
  const code = (error as { code?: string })?.code;
  if (code === "55P03") return `another sync of source "${source}" is still running; try again when it has finished`;
  // The database's own text (table names, sizes, values) is for the log, never for a caller:
  // the run keeps this message, and every role that reads runs would see it.
  const sqlState = typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? ` (database error ${code})` : "";
  return `the sync failed and nothing was written${sqlState}; the details are in the service's log`;
}
