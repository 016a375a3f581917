import { parseArgs } from "node:util";
import type { Config } from "../config.ts";

import { CONNECTORS } from "../connectors/connectors.ts";
import { startSourceScheduler } from "../connectors/source-scheduler.ts";
import { loadSourcesConfig, parseDuration, SourcesConfigError, type ScheduledSource } from "../connectors/sources-config.ts";
import { syncSource, type SourceOutcome } from "../connectors/sync-source.ts";
import { migrate } from "../db/migrator.ts";
import { syncInventory } from "../inventory/sync-inventory.ts";
import { createLogger } from "../logger.ts";
import { JsonFileError, readJsonFile } from "./read-json-file.ts";
import { formatSyncReport } from "./sync-report.ts";
import { terminalText } from "./terminal-text.ts";
import { UsageError } from "./usage-error.ts";
import { withDatabase } from "./with-database.ts";

/**
 * `tenancy sync`: a snapshot file, one provider through its connector, or every source of a
 * sources.yaml (once, or `--every` interval until stopped).
 */
export const SYNC_USAGE = `  sync --file PATH [--allow-mass-removal] [--dry-run]
                                         push a snapshot file (- for stdin) and print what changed
  sync PROVIDER --source KEY [--file EXPORT]... [--dry-run] [settings]
                                         sync a provider (${Object.keys(CONNECTORS).join(", ")}) from its export
                                         files, or live without --file (settings: --region, --endpoint, --tenant-tag,
                                         --workload-tag, --default-tenant, --kubeconfig, --context,
                                         --url, --token, --set key=value …; see the README)
  sync --config sources.yaml [--every 5m] [--dry-run]
                                         sync every source of the file, once or on a schedule`;

const SETTINGS = [
  "region", "endpoint", "tenant-tag", "workload-tag", "default-tenant", "kubeconfig", "context", "tenant-label", "workload-label",
  "nodes", "platform-tenant", "runtime-classes", "url", "token", "switch-roles", "pdu-roles", "provider",
] as const;

export async function syncCommand(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      file: { type: "string", short: "f", multiple: true },
      source: { type: "string" },
      config: { type: "string" },
      every: { type: "string" },
      "dry-run": { type: "boolean" },
      "allow-mass-removal": { type: "boolean" },
      set: { type: "string", multiple: true },
      ...Object.fromEntries(SETTINGS.map((name) => [name, { type: "string" as const }])),
    },
  });
  const dryRun = values["dry-run"] === true;
  const allowMassRemoval = values["allow-mass-removal"] === true;
  const [provider] = positionals;
  if (values.config) {
    if (provider) throw new UsageError("sync --config takes no provider: each source names its connector");
    return syncConfigured(config, values.config, values.every, dryRun);
  }
  if (!provider) {
    const file = values.file?.[0];
    if (!file || values.file!.length > 1) throw new UsageError("sync needs --file PATH (one snapshot; - reads standard input), a provider, or --config");
    return syncSnapshotFile(config, file, { dryRun, allowMassRemoval });
  }
  if (!(provider in CONNECTORS)) throw new UsageError(`no connector "${provider}"; there are ${Object.keys(CONNECTORS).join(", ")}`);
  if (!values.source) throw new UsageError(`sync ${provider} needs --source KEY: the source its snapshot is synced as`);
  const settings: Record<string, string> = {};
  const given = values as Record<string, unknown>;
  for (const name of SETTINGS) if (typeof given[name] === "string") settings[name] = given[name] as string;
  for (const pair of values.set ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--set takes KEY=VALUE, not "${pair}"`);
    settings[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const entry: ScheduledSource = { source: values.source, connector: provider, everyMs: 0, files: values.file ?? [], settings };
  return withDatabase(config, async (db) => {
    await migrate(db.sql);
    return report(await syncSource(db.sql, entry, { dryRun, allowMassRemoval }), dryRun);
  });
}

function report(outcome: SourceOutcome, dryRun: boolean): number {
  for (const w of outcome.warnings) console.error(terminalText(`warning: ${w.subject}: ${w.message}`));
  if (!outcome.sync) {
    console.error(terminalText(`${outcome.source}: nothing synced: ${outcome.error}`));
    return 1;
  }
  const text = formatSyncReport(outcome.sync, 20, dryRun);
  if (outcome.status === "OK") console.log(text);
  else console.error(text);
  return outcome.status === "OK" ? 0 : 1;
}

async function syncConfigured(config: Config, file: string, every: string | undefined, dryRun: boolean): Promise<number> {
  let sources: ScheduledSource[];
  let interval: number | undefined;
  try {
    sources = loadSourcesConfig(file);
    interval = every === undefined ? undefined : parseDuration(every, "--every");
  } catch (error) {
    if (error instanceof SourcesConfigError) throw new UsageError(error.message);
    throw error;
  }
  if (interval !== undefined) sources = sources.map((s) => ({ ...s, everyMs: interval! }));
  return withDatabase(config, async (db) => {
    await migrate(db.sql);
    if (every === undefined || dryRun) {
      // Once: one source failing does not stop the others; the exit code says whether any failed.
      let failed = 0;
      for (const entry of sources) {
        console.log(`--- ${entry.source} (${entry.connector})`);
        if (report(await syncSource(db.sql, entry, { dryRun }), dryRun) !== 0) failed++;
      }
      return failed > 0 ? 1 : 0;
    }
    const logger = createLogger(config.logLevel);
    const scheduler = startSourceScheduler(db.sql, sources, logger);
    await new Promise<void>((resolve) => {
      process.once("SIGTERM", resolve);
      process.once("SIGINT", resolve);
    });
    logger.info("stopping: waiting for syncs in flight");
    await scheduler.stop();
    return 0;
  });
}

async function syncSnapshotFile(config: Config, file: string, options: { dryRun: boolean; allowMassRemoval: boolean }): Promise<number> {
  let document: unknown;
  try {
    document = await readJsonFile(file);
  } catch (error) {
    if (!(error instanceof JsonFileError)) throw error;
    // A file that is not there is wrong usage (exit 2); a file that is not JSON is refused (exit 1).
    if (error.reason === "unreadable") throw new UsageError(error.message);
    console.error(error.message);
    return 1;
  }
  return withDatabase(config, async (db) => {
    await migrate(db.sql);
    const tty = process.stderr.isTTY;
    const started = Date.now();
    const result = await syncInventory(db.sql, document, {
      ...options,
      onProgress: tty ? (phase) => process.stderr.write(`\r\x1b[K${phase} (${((Date.now() - started) / 1000).toFixed(1)} s)`) : undefined,
      // The operator runs this on the database itself: the database's own words help them.
      onFailure: (error) => console.error(`database error: ${terminalText((error as Error).message ?? String(error))}`),
    });
    if (tty) process.stderr.write("\r\x1b[K");
    const text = formatSyncReport(result, 20, options.dryRun);
    if (result.status === "REFUSED" || result.status === "FAILED") {
      console.error(text);
      return 1;
    }
    console.log(text);
    return 0;
  });
}


