import type { SqlClient } from "../db/sql-client.ts";
import type { Snapshot, SnapshotProblem } from "./snapshot.ts";
import { getOrInsert } from "../domain/get-or-insert.ts";

/*
 * Units of the snapshot that name a workload of another tenant: kept, with a warning, but no
 * replica of that workload (src/domain/build-topology.ts says why). Refusing the snapshot
 * instead would let one mistagged instance stop a whole cloud account's sync, and would not
 * cover the other order (the workload synced after the unit), which the rule in the domain
 * covers either way. One warning per workload named, at the first unit that names it.
 */
export async function foreignWorkloadWarnings(tx: SqlClient, snapshot: Snapshot): Promise<SnapshotProblem[]> {
  const warnings: SnapshotProblem[] = [];
  for (const kind of ["virtualMachines", "containers"] as const) {
    const units = snapshot[kind].map((unit, index) => ({ index, tenant: unit.tenant, workload: unit.workload ?? null })).filter((u) => u.workload !== null);
    if (units.length === 0) continue;
    const rows = await tx.query<{ index: number; workload: string; owner: string; tenant: string }>(
      `SELECT u.index::int AS index, u.workload, w.tenant AS owner, u.tenant
         FROM unnest($1::int[], $2::text[], $3::text[]) AS u(index, tenant, workload)
         JOIN workload w ON w.key = u.workload
        WHERE w.tenant <> u.tenant ORDER BY u.index`,
      [units.map((u) => u.index), units.map((u) => u.tenant), units.map((u) => u.workload)],
    );
    const first = new Map<string, { row: (typeof rows)[number]; count: number }>();
    for (const row of rows) {
      getOrInsert(first, row.workload, () => ({ row, count: 0 })).count++;
    }
    for (const { row, count } of first.values()) {
      const times = count > 1 ? ` (${count} units)` : "";
      warnings.push({
        path: [kind, String(row.index), "workload"],
        message: `workload "${row.workload}" belongs to tenant "${row.owner}", not to this unit's tenant "${row.tenant}"${times}; kept, but counted as no replica of it`,
      });
    }
  }
  return warnings;
}
