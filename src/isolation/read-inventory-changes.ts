import type { SqlClient } from "../db/sql-client.ts";
import type { TopologyInput } from "../domain/build-topology.ts";
import { PARTS, type TopologyChanges } from "../domain/patch-topology.ts";
import { CURRENT_INVENTORY_VERSION } from "../inventory/inventory-version.ts";
import { COLUMNS, TABLE, workloadColumns, type Part } from "./load-topology.ts";
import { currentTables } from "../history/past-tables.ts";

/*
 * What the syncs after inventory version `since` changed, read from history (docs/history.md):
 * inventory_change names the transaction of each version; a row a version inserted or rewrote
 * carries that transaction (history_xact), a row it replaced or removed was copied into
 * inventory_row_version with it. The keys so found are read as they are now, in the same
 * snapshot as the version: the result is the inventory at that version, whichever replica reads
 * it and from whichever older version, the same as a full load would read then.
 *
 * It declines (and the index reloads whole) when history cannot say: a version in between
 * without its record (before history began, or pruned: retention removes the replaced rows of
 * versions at or before its horizon), or more changed rows than a patch is worth.
 */
export type InventoryChanges = { version: number; changes: TopologyChanges } | { version: number; reload: "too_many_changes" | "not_in_history" };

/** The anti-affinity overrides change workloads: their rows are keyed by the workload. */
const OVERRIDES = { table: "anti_affinity_override", key: "workload" };

export async function readInventoryChanges(sql: SqlClient, since: number, maxRows: number): Promise<InventoryChanges> {
  return sql.transaction(async (tx) => {
    await tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const [state] = await tx.query<{ version: number; xacts: string[] | null }>(
      `SELECT v.version, (SELECT array_agg(c.xact::text) FROM inventory_change c
                           WHERE c.version > $1 AND c.version <= v.version AND c.xact IS NOT NULL
                             AND c.changed_at > coalesce((SELECT since FROM history_horizon WHERE id = 1), '-infinity')) AS xacts
         FROM (SELECT ${CURRENT_INVENTORY_VERSION} AS version) v`,
      [since],
    );
    const xacts = state.xacts ?? [];
    if (xacts.length !== state.version - since) return { version: state.version, reload: "not_in_history" };
    const keys = await changedKeys(tx, xacts, maxRows);
    if (!keys) return { version: state.version, reload: "too_many_changes" };
    const count = PARTS.reduce((n, part) => n + keys[part].length, 0);
    if (count > maxRows) return { version: state.version, reload: "too_many_changes" };
    return { version: state.version, changes: { keys, rows: await rowsOf(tx, keys) } };
  });
}

/**
 * The keys each part's rows changed at, by the versions' transactions; then the units that
 * name a changed workload (whether they belong to it follows its tenant). Null past `maxRows`.
 */
async function changedKeys(tx: SqlClient, xacts: string[], maxRows: number): Promise<Record<Part, string[]> | null> {
  const tables = [...PARTS.map((part) => ({ part, table: TABLE[part], key: "key" })), { part: "workloads" as Part, ...OVERRIDES }];
  const select = tables
    .map(
      ({ part, table, key }) => `SELECT '${part}' AS part, ${key} AS key FROM ${table} WHERE history_xact = ANY($1::bigint[])
       UNION SELECT '${part}', key FROM inventory_row_version WHERE table_name = '${table}' AND replaced_xact = ANY($1::bigint[])`,
    )
    .join("\n UNION ");
  const rows = await tx.query<{ part: Part; key: string }>(`SELECT part, key FROM (${select}) c LIMIT $2`, [xacts, maxRows + 1]);
  if (rows.length > maxRows) return null;
  const keys = Object.fromEntries(PARTS.map((part) => [part, new Set<string>()])) as Record<Part, Set<string>>;
  for (const row of rows) keys[row.part].add(row.key);
  if (keys.workloads.size > 0) {
    const units = await tx.query<{ part: Part; key: string }>(
      `SELECT 'virtualMachines' AS part, key FROM virtual_machine WHERE workload = ANY($1::text[])
       UNION ALL SELECT 'containers', key FROM container WHERE workload = ANY($1::text[]) LIMIT $2`,
      [[...keys.workloads], maxRows + 1],
    );
    for (const row of units) keys[row.part].add(row.key);
  }
  return Object.fromEntries(PARTS.map((part) => [part, [...keys[part]]])) as Record<Part, string[]>;
}

/** The changed keys' rows as they are now, with the loader's columns: a key without a row was removed. */
async function rowsOf(tx: SqlClient, keys: Record<Part, string[]>): Promise<Required<TopologyInput>> {
  const rows = {} as Record<Part, unknown[]>;
  for (const part of PARTS) {
    const columns = part === "workloads" ? workloadColumns(currentTables) : COLUMNS[part];
    rows[part] = keys[part].length === 0 ? [] : await tx.query(`SELECT ${columns} FROM ${TABLE[part]} WHERE key = ANY($1::text[])`, [keys[part]]);
  }
  return rows as unknown as Required<TopologyInput>;
}
