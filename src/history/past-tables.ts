/*
 * The inventory as it was at a version, as SQL. Each inventory row carries the transaction
 * that wrote it (history_xact); a trigger copies every row replaced or removed into
 * inventory_row_version with the transaction that replaced it, and inventory_change maps each
 * transaction that bumped the inventory version to that version (migration
 * 20261201030000_inventory_history). A row was in the inventory at version V when it was
 * written at or before V and, for a kept row, replaced after V. Rows written before history
 * began (or by a transaction whose change record retention pruned) count as version 0: pruning
 * keeps the newest change at or before the horizon, so every version still asked for is at
 * least as new as theirs.
 */

/** The tables whose rows history keeps (each has a history_xact column and the trigger). */
export const HISTORY_TABLES = ["datacenter", "datacenter_description", "power_domain", "network_domain", "rack", "host", "virtual_machine", "container", "tenant", "workload", "anti_affinity_override"] as const;
export type HistoryTable = (typeof HISTORY_TABLES)[number];

/** The transactions that made versions after `version`: their rows were not yet there. */
const later = (version: number) => `(SELECT l.xact FROM inventory_change l WHERE l.version > ${version} AND l.xact IS NOT NULL)`;

/**
 * A parenthesised subquery with the rows of `table` at inventory `version`, in the table's own
 * row type, to use where the table's name would stand (`FROM ${pastTable("host", 7)} t`).
 * Both halves anti-join the changes made after `version` (few, for a recent moment).
 */
export function pastTable(table: HistoryTable, version: number): string {
  if (!HISTORY_TABLES.includes(table)) throw new Error(`no history is kept for table ${table}`);
  if (!Number.isSafeInteger(version) || version < 0) throw new Error(`not an inventory version: ${version}`);
  return `(SELECT c.* FROM ${table} c WHERE c.history_xact IS NULL OR c.history_xact NOT IN ${later(version)}
     UNION ALL
     SELECT r.* FROM inventory_row_version h CROSS JOIN LATERAL jsonb_populate_record(NULL::${table}, h.row) r
      WHERE h.table_name = '${table}' AND h.replaced_xact IN ${later(version)}
        AND (r.history_xact IS NULL OR r.history_xact NOT IN ${later(version)}))`;
}

/** Reads a table as it is now, or as it was at a version: what loaders and the topology loader take. */
export type TableAt = (table: HistoryTable) => string;

export const currentTables: TableAt = (table) => table;

export const tablesAt =
  (version: number): TableAt =>
  (table) =>
    pastTable(table, version);
