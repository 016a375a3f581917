import type { Logger } from "pino";
import type { SqlClient } from "../db/sql-client.ts";
import type { ScheduledSource } from "./sources-config.ts";
import { syncSource, type SourceOutcome } from "./sync-source.ts";

/*
 * Syncs each source now and then every `everyMs` after its previous run ends (so a slow
 * provider never overlaps itself). Sources run independently: one failing delays no other.
 */
export interface SourceScheduler {
  /** Resolves after every source's first run. */
  firstRound: Promise<SourceOutcome[]>;
  /** Stops scheduling and waits for runs in flight. */
  stop(): Promise<void>;
}

export function startSourceScheduler(sql: SqlClient, sources: readonly ScheduledSource[], logger: Logger, onOutcome?: (outcome: SourceOutcome) => void): SourceScheduler {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();

  const runOnce = async (entry: ScheduledSource): Promise<SourceOutcome> => {
    const run = syncSource(sql, entry).catch((error: Error): SourceOutcome => ({ source: entry.source, status: "FAILED", error: error.message, sync: null, warnings: [] }));
    inFlight.add(run);
    const outcome = await run.finally(() => inFlight.delete(run));
    const log = { source: entry.source, connector: entry.connector, status: outcome.status, sync: outcome.sync?.status, run: outcome.sync?.runId, warnings: outcome.warnings.length };
    if (outcome.status === "OK") logger.info(log, "source synced");
    else logger.warn({ ...log, error: outcome.error }, "source sync failed; its previous inventory stays");
    onOutcome?.(outcome);
    return outcome;
  };
  const schedule = (entry: ScheduledSource) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void runOnce(entry).then(() => schedule(entry));
    }, entry.everyMs);
    timer.unref();
    timers.add(timer);
  };
  const firstRound = Promise.all(
    sources.map(async (entry) => {
      const outcome = await runOnce(entry);
      schedule(entry);
      return outcome;
    }),
  );
  return {
    firstRound,
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...inFlight]);
    },
  };
}
