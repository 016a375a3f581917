import { ConfigError, type Config } from "../config.ts";
import { DataDirBusyError } from "../db/data-dir-lock.ts";
import type { Database } from "../db/open-database.ts";
import { lockHolderClient, serviceClient, type ServiceClient } from "./service-client.ts";

/*
 * Opens the configured database for one command and closes it whatever happens. On the
 * embedded database, another process may hold it (src/db/data-dir-lock.ts): when that is a
 * running service and the command can go through it (`viaService`), it does; otherwise the
 * command stops (exit 3) saying who holds the folder and what to do. With TENANCY_URL set and no
 * DATABASE_URL, the user means a service elsewhere, not a new embedded database here: the
 * command goes through that service (with TENANCY_TOKEN), or stops saying why it cannot.
 */
export class DatabaseBusyError extends Error {}

export interface Routing {
  /** The same work through the service that holds the embedded database. */
  viaService?: (client: ServiceClient) => Promise<number>;
  /** What to do instead when a service holds it and this command cannot go through it. */
  whenServed?: string;
}

export async function withDatabase(config: Config, work: (db: Database) => Promise<number>, routing: Routing = {}, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const serviceUrl = env.TENANCY_URL?.trim();
  if (serviceUrl && !config.databaseUrl) return viaTenancyUrl(serviceUrl, routing, env);
  let db: Database;
  try {
    // Loaded here, not at start: commands that only talk to the service never pay for it.
    const { openDatabase } = await import("../db/open-database.ts");
    db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  } catch (error) {
    if (!(error instanceof DataDirBusyError)) throw error;
    const client = lockHolderClient(error.holder);
    if (client && routing.viaService) {
      console.error(`(the service of pid ${error.holder.pid} holds ${error.dataDir}: going through it at ${client.url})`);
      return routing.viaService(client);
    }
    throw new DatabaseBusyError(busyMessage(error, client ? routing.whenServed : undefined));
  }
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

function viaTenancyUrl(serviceUrl: string, routing: Routing, env: NodeJS.ProcessEnv): Promise<number> {
  if (!routing.viaService) {
    throw new ConfigError(
      `TENANCY_URL names the service at ${serviceUrl}, and this command works on a database itself, not through a service. ` +
        "Set DATABASE_URL to that service's database, or unset TENANCY_URL to use the embedded database here (TENANCY_DATA_DIR).",
    );
  }
  console.error(`(TENANCY_URL is set and DATABASE_URL is not: going through the service at ${serviceUrl})`);
  return routing.viaService(serviceClient({ ...env, TENANCY_URL: serviceUrl }));
}

export function busyMessage(error: DataDirBusyError, whenServed: string | undefined): string {
  const { holder } = error;
  const lines = [`${error.message}.`, "A second process on the embedded database would silently diverge from it, so this command did nothing."];
  if (holder.url) lines.push(`It is the service at ${holder.url}. ${whenServed ?? "Stop it first"} (kill -TERM ${holder.pid} stops it cleanly).`);
  else lines.push(`Wait for it to finish, or stop it (kill -TERM ${holder.pid}).`);
  lines.push("For several writers at once, run on PostgreSQL instead (DATABASE_URL).");
  return lines.join("\n");
}
