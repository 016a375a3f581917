import { ConfigError, loadConfig } from "../config.ts";
import { migrate, migrationStatus } from "../db/migrator.ts";
import { loadDemoInventory } from "../inventory/demo-inventory.ts";
import { createLogger } from "../logger.ts";
import { startService } from "../service.ts";
import { QUERY_USAGE, queryCommand } from "./query-command.ts";
import { ServiceError } from "./service-client.ts";
import { formatSyncReport } from "./sync-report.ts";
import { terminalText } from "./terminal-text.ts";
import { SYNC_USAGE, syncCommand } from "./sync-command.ts";
import { TOKEN_USAGE, tokenCommand } from "./token-command.ts";
import { UsageError } from "./usage-error.ts";
import { withDatabase } from "./with-database.ts";

/**
 * `tenancy <command>`. Exit codes: 0 done, 1 the work was refused or failed (a sync's
 * snapshot was refused, say), 2 wrong usage, 3 configuration or database unreachable.
 */
const USAGE = `usage: tenancy <command> [options]

commands:
  serve                                  serve GraphQL on PORT (default 4000)
  migrate                                apply pending database migrations
${SYNC_USAGE}
  demo                                   load the demo inventory
${TOKEN_USAGE}
${QUERY_USAGE}

The database is DATABASE_URL when set, else the embedded one in TENANCY_DATA_DIR (.tenancy-data).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  switch (command) {
    case "serve":
      return serve(config);
    case "migrate":
      return withDatabase(config, async (db) => {
        const applied = await migrate(db.sql);
        const status = await migrationStatus(db.sql);
        console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "database is up to date");
        console.log(`${status.applied.length} migration(s) applied in ${db.location}`);
        return 0;
      });
    case "sync":
      return syncCommand(config, rest);
    case "token":
      return tokenCommand(config, rest);
    case "query":
      return queryCommand(rest, process.env);
    case "demo":
      return withDatabase(config, async (db) => {
        await migrate(db.sql);
        for (const result of await loadDemoInventory(db.sql)) console.log(formatSyncReport(result));
        return 0;
      });
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function serve(config: ReturnType<typeof loadConfig>): Promise<number> {
  const logger = createLogger(config.logLevel);
  const service = await startService(config, logger);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, "shutting down: draining requests");
      service.close().then(resolve, (error) => {
        logger.error({ err: error }, "error while shutting down");
        resolve();
      });
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
  });
  logger.info("stopped");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`tenancy: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (error instanceof ServiceError) {
      console.error(`tenancy: ${error.message}`);
      process.exitCode = 3;
    } else if ((error as { graphqlErrors?: unknown }).graphqlErrors) {
      console.error(`tenancy: the service refused: ${terminalText((error as Error).message)}`);
      process.exitCode = 1;
    } else if (error instanceof ConfigError) {
      console.error(`tenancy: configuration: ${error.message}`);
      process.exitCode = 3;
    } else if (["ECONNREFUSED", "ENOTFOUND", "3D000", "28P01", "28000"].includes((error as { code?: string }).code ?? "")) {
      console.error(`tenancy: cannot reach the database: ${(error as Error).message}`);
      process.exitCode = 3;
    } else {
      console.error(`tenancy: ${(error as Error).stack ?? error}`);
      process.exitCode = 1;
    }
  },
);
