import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { DataDirBusyError } from "../db/data-dir-lock.ts";
import { commandAction } from "./command-action.ts";
import { busyMessage, DatabaseBusyError } from "./with-database.ts";

/*
 * `tenancy serve`: the service until SIGTERM or SIGINT, which drain in-flight requests, close
 * the pool or PGlite, log "stopped" and exit 0, whatever NODE_ENV says (Apollo's own signal
 * handling is off: it would re-raise the signal and exit 143).
 */
export function addServeCommand(program: Command) {
  program
    .command("serve")
    .summary("serve GraphQL on PORT (default 4000); npm start runs this")
    .description("Serves GraphQL at /graphql with /healthz, /readyz and /metrics. SIGTERM and SIGINT stop it cleanly.")
    .action(commandAction(() => serve()));
}

async function serve(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // Listen before starting: a signal during start-up stops the service as soon as it is up,
  // instead of killing it with the embedded database open.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  const { startService } = await import("../service.ts");
  const service = await startService(config, logger).catch((error: unknown) => {
    if (error instanceof DataDirBusyError) throw new DatabaseBusyError(busyMessage(error, "Stop it first, or give this one another folder (TENANCY_DATA_DIR)"));
    throw error;
  });
  const signal = await stopSignal;
  logger.info({ signal }, "shutting down: draining requests");
  // A second signal while draining stops at once (the operator insists).
  const insist = () => {
    logger.warn("second signal: exiting without waiting");
    process.exit(1);
  };
  process.once("SIGTERM", insist);
  process.once("SIGINT", insist);
  try {
    await service.close();
  } catch (error) {
    logger.error({ err: error }, "error while shutting down");
    return 1;
  }
  logger.info("stopped");
  return 0;
}
