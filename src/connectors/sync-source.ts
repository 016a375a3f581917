import type { SqlClient } from "../db/sql-client.ts";
import { syncInventory, type SyncResult } from "../inventory/sync-inventory.ts";
import { collectSnapshot } from "./collect-snapshot.ts";
import type { ConnectorResult, ConnectorWarning } from "./connector.ts";
import { withOwnershipHints } from "./ownership-hints.ts";
import { CONNECTORS } from "./connectors.ts";
import type { ScheduledSource } from "./sources-config.ts";
import { inSpan } from "../observability/in-span.ts";
import { recordSourceStatus } from "./source-status.ts";

/*
 * One source, once: read the provider (or its exports), map, sync, record the outcome. A
 * provider that cannot be read whole syncs nothing: the source keeps its previous inventory
 * and its status says FAILED with the error. Other sources are untouched either way.
 */
export interface SourceOutcome {
  source: string;
  status: "OK" | "REFUSED" | "FAILED";
  error: string | null;
  sync: SyncResult | null;
  warnings: ConnectorWarning[];
}

export function syncSource(sql: SqlClient, entry: ScheduledSource, options: { dryRun?: boolean; allowMassRemoval?: boolean } = {}): Promise<SourceOutcome> {
  // One trace per run of a connector: reading the provider, then the sync of what it read.
  return inSpan("tenancy.source", { "tenancy.source": entry.source, "tenancy.connector": entry.connector }, () => syncSourceOnce(sql, entry, options));
}

async function syncSourceOnce(sql: SqlClient, entry: ScheduledSource, options: { dryRun?: boolean; allowMassRemoval?: boolean }): Promise<SourceOutcome> {
  const connector = CONNECTORS[entry.connector];
  const record = (outcome: SourceOutcome) =>
    options.dryRun ? Promise.resolve() : recordSourceStatus(sql, { source: entry.source, connector: entry.connector, status: outcome.status, error: outcome.error, runId: outcome.sync?.runId ?? null, warnings: outcome.warnings });
  if (!options.dryRun) await recordSourceStatus(sql, { source: entry.source, connector: entry.connector, status: "RUNNING" });
  let collected;
  try {
    collected = await inSpan("tenancy.source.collect", {}, () => collectSnapshot(connector, { source: entry.source, settings: entry.settings }, entry.files));
  } catch (error) {
    const outcome: SourceOutcome = { source: entry.source, status: "FAILED", error: (error as Error).message, sync: null, warnings: [] };
    await record(outcome);
    return outcome;
  }
  const sync = await syncInventory(sql, collected.snapshot, { dryRun: options.dryRun, allowMassRemoval: options.allowMassRemoval });
  const outcome = sourceOutcome(entry, collected, sync);
  await record(outcome);
  return outcome;
}

/** A source's outcome from its connector's sync, wherever that ran (here, or in the service): refusals with the connector's hints. */
export function sourceOutcome(entry: ScheduledSource, collected: ConnectorResult, result: SyncResult): SourceOutcome {
  const sync = withOwnershipHints(CONNECTORS[entry.connector], result);
  const status = sync.status === "REFUSED" ? "REFUSED" : sync.status === "FAILED" ? "FAILED" : "OK";
  const error = status === "OK" ? null : sync.errors.map((e) => `${e.path.length ? `${e.path.join(".")}: ` : ""}${e.message}`).join("; ");
  return { source: entry.source, status, error, sync, warnings: collected.warnings };
}
