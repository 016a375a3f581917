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

/**
 * One statement, so one snapshot and one round trip (a verdict waits for it): the version, how
 * many of the versions since `since` history accounts for, and the changed keys' rows by part
 * (JSON keeps the loader's column names and values: arrays, rule documents, numbers, nulls).
 * No row is read past `maxRows` changed keys.
 */
function changesStatement(): string {
  const tables = [...PARTS.map((part) => ({ part, table: TABLE[part], key: "key" })), { part: "workloads" as Part, ...OVERRIDES }];
  const changed = tables
    .map(
      ({ part, table, key }) => `SELECT '${part}' AS part, ${key} AS key FROM ${table} WHERE history_xact = ANY((SELECT xacts FROM x)::bigint[])
       UNION SELECT '${part}', key FROM inventory_row_version WHERE table_name = '${table}' AND replaced_xact = ANY((SELECT xacts FROM x)::bigint[])`,
    )
    .join("\n UNION ");
  const rows = PARTS.map((part) => {
    const columns = part === "workloads" ? workloadColumns(currentTables) : COLUMNS[part];
    return `(SELECT coalesce(json_agg(r), '[]') FROM (SELECT ${columns} FROM ${TABLE[part]} ${TABLE[part]}
              WHERE key IN (SELECT key FROM keys WHERE part = '${part}') AND (SELECT count(*) FROM keys) <= $3) r) AS "${part}"`;
  });
  return `WITH v AS (SELECT ${CURRENT_INVENTORY_VERSION} AS version),
    x AS (SELECT array_agg(c.xact) AS xacts, count(*)::int AS logged FROM inventory_change c, v
           WHERE c.version > $1 AND c.version <= v.version AND c.xact IS NOT NULL
             AND c.changed_at > coalesce((SELECT since FROM history_horizon WHERE id = 1), '-infinity')),
    changed AS (SELECT part, key FROM (${changed}) c LIMIT $2),
    -- Whether a unit belongs to a workload follows the workload's tenant: its units are read too.
    units AS (SELECT 'virtualMachines' AS part, key FROM virtual_machine WHERE workload IN (SELECT key FROM changed WHERE part = 'workloads')
              UNION ALL SELECT 'containers', key FROM container WHERE workload IN (SELECT key FROM changed WHERE part = 'workloads') LIMIT $2),
    keys AS (SELECT part, key FROM changed UNION SELECT part, key FROM units)
    SELECT v.version, x.logged, (SELECT count(*) FROM keys)::int AS count,
           (SELECT json_object_agg(p.part, p.keys) FROM (SELECT part, json_agg(key) AS keys FROM keys GROUP BY part) p) AS keys,
           ${rows.join(",\n           ")}
      FROM v, x`;
}

const STATEMENT = changesStatement();

export async function readInventoryChanges(sql: SqlClient, since: number, maxRows: number): Promise<InventoryChanges> {
  type Row = { version: number; logged: number; count: number; keys: Partial<Record<Part, string[]>> | null } & Record<Part, unknown[]>;
  const [row] = await sql.query<Row>(STATEMENT, [since, maxRows + 1, maxRows]);
  if (row.logged !== row.version - since) return { version: row.version, reload: "not_in_history" };
  if (row.count > maxRows) return { version: row.version, reload: "too_many_changes" };
  const keys = Object.fromEntries(PARTS.map((part) => [part, row.keys?.[part] ?? []])) as Record<Part, string[]>;
  const rows = Object.fromEntries(PARTS.map((part) => [part, row[part]])) as unknown as Required<TopologyInput>;
  return { version: row.version, changes: { keys, rows } };
}
