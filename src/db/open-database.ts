import { chmod, mkdir, stat } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "./generated/client.ts";
import { DEFAULT_DATA_DIR, lockDataDir, type DataDirLock } from "./data-dir-lock.ts";
import { postgresClient } from "./postgres-client.ts";
import { pgliteClient } from "./pglite-client.ts";
import type { SqlClient, StatementListener } from "./sql-client.ts";

export type Prisma = InstanceType<typeof PrismaClient>;

/** An open database: our SqlClient and a Prisma Client over the same connections. */
export interface Database {
  readonly engine: "postgres" | "pglite";
  /** Where it is, for logs: the URL without its password, or the embedded data folder. */
  readonly location: string;
  readonly sql: SqlClient;
  readonly prisma: Prisma;
  /** The embedded database's folder lock (null on PostgreSQL, which takes many writers). */
  readonly lock: DataDirLock | null;
  /** Subscribes to every SQL statement sent (ours and Prisma's); returns the unsubscribe. */
  onStatement(listener: StatementListener): () => void;
  /** LISTENs on a channel, calling `handler` with each NOTIFY's payload; resolves to the stop function. */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL URL; when absent, the embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
}

export { DEFAULT_DATA_DIR };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const listeners = new Set<StatementListener>();
  const events: StatementEvents = {
    notify: (sql) => {
      for (const listener of listeners) listener(sql);
    },
    onStatement: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize, events);
  return openPglite(path.resolve(options.dataDir ?? DEFAULT_DATA_DIR), events);
}

/** Every statement, ours and Prisma's, told to the listeners (metrics, statement-count tests). */
interface StatementEvents {
  notify: StatementListener;
  onStatement: Database["onStatement"];
}

const log: Array<{ emit: "event"; level: "query" }> = [{ emit: "event", level: "query" }];

function withQueryEvents<P extends Prisma>(prisma: P, notify: StatementListener): P {
  // Safe: the client is built with log [{ emit: "event", level: "query" }], which is what gives it $on("query").
  (prisma as unknown as { $on(e: "query", cb: (e: { query: string }) => void): void }).$on("query", (e) => notify(e.query));
  return prisma;
}

function openPostgres(databaseUrl: string, poolSize: number | undefined, { notify, onStatement }: StatementEvents): Database {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize ?? 10 });
  // An idle client's error (the server restarting) must not crash the process; the next
  // query reconnects or fails with its own error.
  pool.on("error", () => undefined);
  const prisma = withQueryEvents(new PrismaClient({ adapter: new PrismaPg(pool), log }), notify);
  return {
    engine: "postgres",
    location: redactUrl(databaseUrl),
    sql: postgresClient(pool, notify),
    prisma,
    lock: null,
    onStatement,
    listen: (channel, handler) => listenOnPostgres(databaseUrl, channel, handler),
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string, { notify, onStatement }: StatementEvents): Promise<Database> {
  await closeToOthers(dataDir);
  // Before PGlite touches a file: a second process on this folder would silently diverge.
  const lock = lockDataDir(dataDir);
  let pglite: PGlite;
  try {
    pglite = new PGlite(dataDir);
    await pglite.waitReady;
  } catch (error) {
    lock.release();
    throw error;
  }
  const prisma = withQueryEvents(new PrismaClient({ adapter: new PrismaPGlite(pglite), log }), notify);
  return {
    engine: "pglite",
    location: dataDir,
    sql: pgliteClient(pglite, notify),
    prisma,
    lock,
    onStatement,
    async listen(channel, handler) {
      const unsubscribe = await pglite.listen(channel, handler);
      return () => unsubscribe();
    },
    async close() {
      await prisma.$disconnect();
      // Closing flushes PGlite's files; a killed process skips this and PGlite recovers from
      // its WAL on the next open (tested in test/db/pglite-reopen.test.ts).
      try {
        await pglite.close();
      } finally {
        lock.release();
      }
    },
  };
}

/**
 * The folder is the inventory, and PGlite writes many of its files world-writable: so no other
 * user may reach into it (at most 0750, as PostgreSQL demands of a data directory), whether it
 * is made here or found.
 */
async function closeToOthers(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const { mode } = await stat(dataDir);
  if ((mode & 0o027) !== 0) await chmod(dataDir, mode & 0o750);
}

/**
 * A connection of its own for LISTEN (a pooled one would drop the subscription when it is
 * recycled). When the connection is lost, it reconnects after a second; the version check on
 * every request keeps answers right meanwhile, only a little slower.
 */
async function listenOnPostgres(url: string, channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async () => {
    const next = new pg.Client({ connectionString: url });
    next.on("notification", (message) => {
      if (message.channel === channel) handler(message.payload ?? "");
    });
    next.on("error", () => {
      next.end().catch(() => undefined);
      if (!stopped) retry = setTimeout(() => void connect().catch(() => undefined), 1000);
    });
    await next.connect();
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    client = next;
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}
