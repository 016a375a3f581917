import type { SqlClient } from "../db/sql-client.ts";
import { digestOf } from "./result-rows.ts";
import { newestVersions, type UserError } from "./saved-queries.ts";

/*
 * Running a saved query and keeping the run: who, when, which version, the inventory it read,
 * the result and the result's digest. The run itself goes through the API as the caller (so
 * a role sees in a saved query exactly what it sees in a query of its own).
 */
/** What a run keeps of the execution: its data, and its GraphQL errors (as the API formats them) when there were any. */
export interface SavedRunResult {
  data?: unknown;
  errors?: { message: string; path?: readonly (string | number)[] }[];
}

export interface SavedQueryRun {
  id: string;
  name: string;
  version: number;
  runBy: string;
  runAt: Date;
  variables: Record<string, unknown>;
  inventoryVersion: number;
  inventoryAsOf: Date | null;
  result: SavedRunResult;
  digest: string;
  /** The document of the version that ran: who may read the result depends on what it read. */
  document: string;
}

export const RUN_COLUMNS = `id::text AS id, name, version, run_by AS "runBy", run_at AS "runAt", variables,
  inventory_version AS "inventoryVersion", inventory_as_of AS "inventoryAsOf", result::json AS result, digest,
  (SELECT v.document FROM saved_query_version v WHERE v.name = saved_query_run.name AND v.version = saved_query_run.version) AS document`;

export interface RunDeps {
  sql: SqlClient;
  actor: string;
  /** Executes the document as the caller, marked as a trusted (saved) document. */
  execute(document: string, variables: Record<string, unknown>): Promise<{ data?: unknown; errors?: unknown }>;
  /** The inventory version and freshness the execution reads. */
  inventory(): Promise<{ version: number; asOf: Date | null }>;
}

export async function runSavedQuery(deps: RunDeps, name: string, variables: unknown): Promise<{ run: SavedQueryRun } | { errors: UserError[] }> {
  if (variables !== null && variables !== undefined && (typeof variables !== "object" || Array.isArray(variables))) {
    return { errors: [{ path: ["variables"], message: "variables must be a JSON object" }] };
  }
  const [saved] = await newestVersions(deps.sql, [name]);
  if (!saved) return { errors: [{ path: ["name"], message: `no saved query is named "${name}"` }] };
  const merged = { ...saved.variables, ...((variables as Record<string, unknown> | null) ?? {}) };
  const inventory = await deps.inventory();
  const executed = await deps.execute(saved.document, merged);
  const result = { data: executed.data ?? null, ...(executed.errors ? { errors: executed.errors } : {}) };
  const [run] = await deps.sql.query<SavedQueryRun>(
    `INSERT INTO saved_query_run (name, version, run_by, variables, inventory_version, inventory_as_of, result, digest)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8) RETURNING ${RUN_COLUMNS}`,
    [name, saved.version, deps.actor, JSON.stringify(merged), inventory.version, inventory.asOf, JSON.stringify(result), digestOf(result)],
  );
  return { run };
}

export async function loadRuns(sql: SqlClient, ids: readonly string[]): Promise<SavedQueryRun[]> {
  const numeric = ids.filter((id) => /^\d{1,18}$/.test(id));
  if (numeric.length === 0) return [];
  return sql.query<SavedQueryRun>(`SELECT ${RUN_COLUMNS} FROM saved_query_run WHERE id = ANY($1::bigint[])`, [numeric]);
}
