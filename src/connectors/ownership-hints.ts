import type { SyncResult } from "../inventory/sync-inventory.ts";
import { ownershipConflictKind } from "../inventory/ownership-conflict.ts";
import type { Connector } from "./connector.ts";

/*
 * A sync refused because another source owns some of its ids says which ids and whose; the
 * inventory cannot know why two sources both describe one object. The connector can: two
 * OpenStack sources of one cloud both describing its hypervisors, say. Its hint for that kind
 * goes first among the errors (once per kind), so that it is read before the list of ids.
 */
export function withOwnershipHints(connector: Connector, sync: SyncResult): SyncResult {
  const hints = connector.ownershipHints;
  if (!hints || sync.errors.length === 0) return sync;
  const kinds = new Set(sync.errors.map(ownershipConflictKind));
  const hinted = [...kinds].flatMap((kind) => (kind && hints[kind] ? [{ path: [kind], message: hints[kind] }] : []));
  return hinted.length === 0 ? sync : { ...sync, errors: [...hinted, ...sync.errors] };
}
