import { rank, runtimeBoundary } from "../domain/scale.ts";

/** Fields that place a unit: where two records of one unit disagree, its placement is unknown. */
const PLACEMENT = new Set(["host", "container", "virtualMachine", "datacenter", "rack", "dedicatedTo"]);
const UNITS = new Set(["hosts", "virtualMachines", "containers"]);

/**
 * Two records a connector made for one id (the same object in two exports, read at different
 * times) → one record, the same whichever came first, that never proves more than either:
 * - a unit's placement fields that disagree are dropped (unknown placement, the worst case);
 * - lists (power domains, hazard zones) are united: more shared domains, never fewer;
 * - `dedicated` is true only when both say so, `privileged` and `nodeFiles` when either does;
 *   of two runtimes the weaker wall is kept;
 * - a host two records put in different placement groups (or one in none) is in a group of
 *   its own, the two names joined: apart from no other host;
 * - any other scalar that disagrees keeps the smaller value (only for a stable answer).
 * `conflicts` names each field that disagreed, for a warning.
 */
export function mergeSnapshotRecords(kind: string, a: Record<string, unknown>, b: Record<string, unknown>): { record: Record<string, unknown>; conflicts: string[] } {
  const record: Record<string, unknown> = {};
  const conflicts: string[] = [];
  for (const field of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const x = a[field];
    const y = b[field];
    if (JSON.stringify(x) === JSON.stringify(y)) {
      record[field] = x;
      continue;
    }
    conflicts.push(field);
    if (UNITS.has(kind) && PLACEMENT.has(field)) continue;
    if (Array.isArray(x) || Array.isArray(y)) record[field] = union((x as unknown[]) ?? [], (y as unknown[]) ?? []);
    else if (field === "dedicated") record[field] = x === true && y === true;
    else if (field === "privileged" || field === "nodeFiles") record[field] = x === true || y === true;
    // A host of its own is apart from every other; of two groups, neither's slots are its peers.
    else if (field === "placementGroup")
      record[field] = [x, y]
        .filter((g) => g !== undefined && g !== null)
        .map(String)
        .sort()
        .join(" & ");
    else if (field === "runtime") record[field] = rank(runtimeBoundary(String(x ?? "runc"))) <= rank(runtimeBoundary(String(y ?? "runc"))) ? x : y;
    else if (x === undefined || x === null) record[field] = y;
    else if (y === undefined || y === null) record[field] = x;
    else record[field] = String(x) <= String(y) ? x : y;
  }
  return { record, conflicts };
}

/** Two lists as one, each value once (by value, rules too), in a stable order. */
function union(x: readonly unknown[], y: readonly unknown[]): unknown[] {
  const byJson = new Map([...x, ...y].map((v) => [JSON.stringify(v), v] as const));
  return [...byJson.keys()].sort().map((k) => byJson.get(k));
}
