import type { InventoryKind, SnapshotProblem } from "./snapshot.ts";

/*
 * The refusal of an id another source owns (ids are unique per kind across sources). Declared
 * once, so that a connector can recognise it in a sync's errors, whether the sync ran here or
 * in the service, and say how its own settings avoid it (connectors/ownership-hints.ts).
 */
const UNIQUE = "; ids are unique per kind across all sources";

export function ownershipConflictMessage(noun: string, key: string, owner: string): string {
  return `${noun} "${key}" belongs to source "${owner}"${UNIQUE}`;
}

/** The kind of the id another source owns, when the problem is that refusal (its path starts with the kind). */
export function ownershipConflictKind(problem: SnapshotProblem): InventoryKind | null {
  return problem.message.endsWith(UNIQUE) && problem.path.length > 0 ? (problem.path[0] as InventoryKind) : null;
}
