import { INVENTORY_KINDS } from "../inventory/snapshot.ts";
import type { SyncResult } from "../inventory/sync-inventory.ts";
import { terminalText } from "./terminal-text.ts";

/** The text `tenancy sync` prints: what changed, per kind, then warnings and errors. */
export function formatSyncReport(result: SyncResult, maxListed = 20, dryRun = false): string {
  const lines: string[] = [];
  const run = dryRun ? " (dry run: nothing was written)" : result.runId === null ? "" : ` (run ${result.runId})`;
  const t = result.totals;
  lines.push(`${result.source === null ? "(no source)" : terminalText(result.source)}${run}: ${result.status}`);
  if (result.status === "APPLIED" || result.status === "UNCHANGED") {
    const would = dryRun ? "would be " : "";
    lines.push(`  ${would}${t.created} created, ${t.updated} updated, ${t.removed} removed, ${t.unchanged} unchanged`);
    for (const kind of INVENTORY_KINDS) {
      const c = result.changes[kind];
      if (c.created + c.updated + c.removed === 0) continue;
      lines.push(`    ${kind.padEnd(16)} +${c.created} ~${c.updated} -${c.removed}`);
    }
    if (result.status === "UNCHANGED") lines.push("  nothing changed: the inventory already matched this snapshot");
  }
  const list = (title: string, items: SyncResult["warnings"]) => {
    if (items.length === 0) return;
    lines.push(`  ${title} (${items.length}):`);
    for (const item of items.slice(0, maxListed)) lines.push(`    ${item.path.length ? terminalText(item.path.join(".")) : "(snapshot)"}: ${terminalText(item.message)}`);
    if (items.length > maxListed) lines.push(`    … and ${items.length - maxListed} more`);
  };
  list("errors", result.errors);
  list("warnings", result.warnings);
  return lines.join("\n");
}
