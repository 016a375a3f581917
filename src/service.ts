import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import type { Logger } from "pino";
import { anyActiveToken } from "./access/api-tokens.ts";
import type { LocalCli } from "./access/authenticate.ts";
import { principal } from "./access/principal.ts";
import type { Config } from "./config.ts";
import { migrate } from "./db/migrator.ts";
import { openDatabase, type Database } from "./db/open-database.ts";
import { startSourceScheduler, type SourceScheduler } from "./connectors/source-scheduler.ts";
import { startHttpServer, type Service } from "./http/create-server.ts";
import { isPristine, loadDemoInventory } from "./inventory/demo-inventory.ts";
import { startHistoryPruner } from "./history/prune-history.ts";

/*
 * The whole service: database open and migrated, the demo loaded into a new embedded
 * database, HTTP listening. `close()` drains requests first, then closes the database.
 */
export interface RunningService {
  url: string;
  db: Database;
  http: Service;
  /** The sources.yaml scheduler, when TENANCY_SOURCES names one. */
  scheduler: SourceScheduler | null;
  close(): Promise<void>;
}

export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    logger.info({ engine: db.engine, location: db.location }, "database open");
    const applied = await migrate(db.sql);
    if (applied.length > 0) logger.info({ applied }, "migrations applied");
    // Only a new embedded database gets the demo: never a user's PostgreSQL.
    if (db.engine === "pglite" && config.loadDemoOnCreate && (await isPristine(db.sql))) {
      const results = await loadDemoInventory(db.sql);
      logger.info({ sources: results.map((r) => r.source) }, "new embedded database: demo inventory loaded");
    }
    // CLI commands on this machine reach a service that holds the embedded database through it.
    const localCli: LocalCli | undefined = db.lock ? { secret: randomBytes(32).toString("base64url"), principal: principal(`cli:${userInfo().username}`, "admin") } : undefined;
    const http = await startHttpServer(db, config, logger, localCli);
    if (!config.adminToken) await warnLoopbackOnly(db, config, logger);
    if (db.lock && localCli) db.lock.advertise({ url: loopbackUrl(http, config), secret: localCli.secret });
    logger.info({ url: http.url }, "serving GraphQL");
    const scheduler = config.sources.length > 0 ? startSourceScheduler(db.sql, config.sources, logger) : null;
    if (scheduler) logger.info({ sources: config.sources.map((s) => s.source) }, "syncing sources on their schedules");
    const pruner = config.historyRetentionDays > 0 ? startHistoryPruner(db.sql, config.historyRetentionDays, logger) : null;
    let closing: Promise<void> | undefined;
    return {
      url: http.url,
      db,
      http,
      scheduler,
      close() {
        closing ??= (async () => {
          await scheduler?.stop();
          await pruner?.stop();
          await http.stop();
          await db.close();
          logger.info("database closed");
        })();
        return closing;
      },
    };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

/** Without an admin token the server listens on loopback; whether callers need a token depends on the tokens that exist. */
async function warnLoopbackOnly(db: Database, config: Config, logger: Logger) {
  if (await anyActiveToken(db.sql)) {
    logger.warn({ host: config.host }, "no TENANCY_ADMIN_TOKEN set: the server listens on loopback only; API tokens exist, so every caller needs one");
  } else {
    logger.warn({ host: config.host }, "no TENANCY_ADMIN_TOKEN set: the server listens on loopback only, and until an API token is created its callers are not asked for one");
  }
}

/** Where a CLI command on this machine reaches the service. */
function loopbackUrl(http: Service, config: Config): string {
  const address = http.httpServer.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const wildcard = config.host === "0.0.0.0" || config.host === "::";
  const host = wildcard ? "127.0.0.1" : config.host.includes(":") ? `[${config.host}]` : config.host;
  return `http://${host}:${port}/graphql`;
}
