import type { Command } from "commander";
import { ConfigError, loadConfig, type Config } from "../config.ts";
import { collectSnapshot } from "../connectors/collect-snapshot.ts";
import { CONNECTORS } from "../connectors/connectors.ts";
import { startSourceScheduler } from "../connectors/source-scheduler.ts";
import { loadSourcesConfig, parseDuration, SourcesConfigError, type ScheduledSource } from "../connectors/sources-config.ts";
import { sourceOutcome, syncSource, type SourceOutcome } from "../connectors/sync-source.ts";
import { migrate } from "../db/migrator.ts";
import { createLogger } from "../logger.ts";
import { collect, commandAction } from "./command-action.ts";
import { JsonFileError, readJsonFile } from "./read-json-file.ts";
import type { ServiceClient } from "./service-client.ts";
import { formatSyncReport } from "./sync-report.ts";
import { databaseSyncTarget, serviceSyncTarget, type SyncTarget } from "./sync-target.ts";
import { UsageError } from "./usage-error.ts";
import { withDatabase } from "./with-database.ts";
import { terminalText } from "./terminal-text.ts";

/*
 * `tenancy sync`: a snapshot file, one provider through its connector, or every source of a
 * sources.yaml (once, or `--every` interval until stopped). On an embedded database that a
 * running service holds, each snapshot goes through that service.
 */
const SETTINGS = [
  "region",
  "endpoint",
  "tenant-tag",
  "workload-tag",
  "default-tenant",
  "kubeconfig",
  "context",
  "tenant-label",
  "workload-label",
  "nodes",
  "platform-tenant",
  "runtime-classes",
  "url",
  "token",
  "switch-roles",
  "pdu-roles",
  "provider",
] as const;

interface SyncOptions {
  file?: string[];
  source?: string;
  config?: string;
  every?: string;
  dryRun?: boolean;
  allowMassRemoval?: boolean;
  set?: string[];
  [setting: string]: unknown;
}

export function addSyncCommand(program: Command) {
  const command = program
    .command("sync")
    .argument("[provider]", `a connector: ${Object.keys(CONNECTORS).join(", ")}`)
    .summary("push a snapshot file, sync a provider, or every source of a sources.yaml")
    .description(
      "sync --file PATH: push a snapshot (- reads standard input) and print what changed.\n" +
        "sync PROVIDER --source KEY [--file EXPORT]...: map a provider's exports (or, without --file, the live provider) and sync them as one source.\n" +
        "sync --config sources.yaml [--every 5m]: sync every source of the file, once or on a schedule.",
    )
    .option("-f, --file <path>", "a snapshot, or a provider's export (repeatable)", collect)
    .option("--source <key>", "the source a provider's snapshot is synced as")
    .option("--config <file>", "a sources.yaml")
    .option("--every <interval>", "with --config: keep syncing on this interval (5m, 30s) until stopped")
    .option("--dry-run", "print what would change; write nothing")
    .option("--allow-mass-removal", "let a complete snapshot remove more than half of its source's objects")
    .option("--set <key=value>", "any connector setting (repeatable)", collect);
  for (const name of SETTINGS) command.option(`--${name} <value>`, "connector setting (see the README)");
  command.action(commandAction((provider: string | undefined, options: SyncOptions) => sync(loadConfig(), provider, options)));
}

async function sync(config: Config, provider: string | undefined, options: SyncOptions): Promise<number> {
  const dryRun = options.dryRun === true;
  // A schedule is a sources.yaml's (the same sources a server runs): a file or a provider is synced once.
  if (options.every !== undefined && !options.config) throw new UsageError("--every works with --config only: put the source in a sources.yaml to sync it on a schedule");
  if (options.config) {
    if (provider) throw new UsageError("sync --config takes no provider: each source names its connector");
    return syncConfigured(config, options.config, options.every, dryRun);
  }
  if (!provider) {
    const [file, ...more] = options.file ?? [];
    if (!file || more.length > 0) throw new UsageError("sync needs --file PATH (one snapshot; - reads standard input), a provider, or --config");
    return syncSnapshotFile(config, file, { dryRun, allowMassRemoval: options.allowMassRemoval === true });
  }
  if (!(provider in CONNECTORS)) throw new UsageError(`no connector "${provider}"; there are ${Object.keys(CONNECTORS).join(", ")}`);
  if (!options.source) throw new UsageError(`sync ${provider} needs --source KEY: the source its snapshot is synced as`);
  const settings: Record<string, string> = {};
  for (const name of SETTINGS) {
    const value = options[name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())];
    if (typeof value === "string") settings[name] = value;
  }
  for (const pair of options.set ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--set takes KEY=VALUE, not "${pair}"`);
    settings[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const entry: ScheduledSource = { source: options.source, connector: provider, everyMs: 0, files: options.file ?? [], settings };
  const how = { dryRun, allowMassRemoval: options.allowMassRemoval === true };
  return withDatabase(
    config,
    async (db) => {
      await migrate(db.sql);
      return report(await syncSource(db.sql, entry, how), dryRun);
    },
    { viaService: async (client) => report(await syncSourceVia(client, entry, how), dryRun) },
  );
}

/** One source through the service: read and map here, sync there (the service keeps no source status for it). */
async function syncSourceVia(client: ServiceClient, entry: ScheduledSource, options: { dryRun: boolean; allowMassRemoval?: boolean }): Promise<SourceOutcome> {
  let collected;
  try {
    collected = await collectSnapshot(CONNECTORS[entry.connector], { source: entry.source, settings: entry.settings }, entry.files);
  } catch (error) {
    return { source: entry.source, status: "FAILED", error: (error as Error).message, sync: null, warnings: [] };
  }
  return sourceOutcome(entry, collected, await serviceSyncTarget(client)(collected.snapshot, options));
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
  let interval: number | undefined;
  try {
    interval = every === undefined ? undefined : parseDuration(every, "--every");
  } catch (error) {
    if (error instanceof SourcesConfigError) throw new UsageError(error.message);
    throw error;
  }
  let sources: ScheduledSource[];
  try {
    sources = loadSourcesConfig(file);
  } catch (error) {
    // A sources.yaml that is missing or wrong is a configuration error (exit 3), as documented.
    if (error instanceof SourcesConfigError) throw new ConfigError(error.message);
    throw error;
  }
  if (interval !== undefined) sources = sources.map((s) => ({ ...s, everyMs: interval }));
  const once = every === undefined || dryRun;
  return withDatabase(
    config,
    async (db) => {
      await migrate(db.sql);
      if (once) return syncEach(sources, dryRun, (entry) => syncSource(db.sql, entry, { dryRun }));
      const logger = createLogger(config.logLevel);
      const scheduler = startSourceScheduler(db.sql, sources, logger);
      await new Promise<void>((resolve) => {
        process.once("SIGTERM", resolve);
        process.once("SIGINT", resolve);
      });
      logger.info("stopping: waiting for syncs in flight");
      await scheduler.stop();
      return 0;
    },
    {
      viaService: once ? (client) => syncEach(sources, dryRun, (entry) => syncSourceVia(client, entry, { dryRun })) : undefined,
      whenServed: `Let it run the schedule itself (TENANCY_SOURCES=${file} npm start), or stop it first`,
    },
  );
}

/** Once: one source failing does not stop the others; the exit code says whether any failed. */
async function syncEach(sources: ScheduledSource[], dryRun: boolean, syncOne: (entry: ScheduledSource) => Promise<SourceOutcome>): Promise<number> {
  let failed = 0;
  for (const entry of sources) {
    console.log(`--- ${entry.source} (${entry.connector})`);
    if (report(await syncOne(entry), dryRun) !== 0) failed++;
  }
  return failed > 0 ? 1 : 0;
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
  const push = (target: SyncTarget) => pushSnapshot(target, document, options);
  return withDatabase(
    config,
    async (db) => {
      await migrate(db.sql);
      return push(databaseSyncTarget(db.sql));
    },
    { viaService: (client) => push(serviceSyncTarget(client)) },
  );
}

async function pushSnapshot(target: SyncTarget, document: unknown, options: { dryRun: boolean; allowMassRemoval: boolean }): Promise<number> {
  const tty = process.stderr.isTTY;
  const started = Date.now();
  const result = await target(document, {
    ...options,
    onProgress: tty ? (phase) => process.stderr.write(`\r\x1b[K${phase} (${((Date.now() - started) / 1000).toFixed(1)} s)`) : undefined,
  });
  if (tty) process.stderr.write("\r\x1b[K");
  const text = formatSyncReport(result, 20, options.dryRun);
  if (result.status === "REFUSED" || result.status === "FAILED") {
    console.error(text);
    return 1;
  }
  console.log(text);
  return 0;
}
