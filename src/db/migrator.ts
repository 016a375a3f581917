import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { SqlClient } from "./sql-client.ts";

/*
 * Applies the plain SQL migrations in prisma/migrations, in name order, each in its own
 * transaction, recording them in Prisma's own `_prisma_migrations` table so that
 * `prisma migrate deploy` (where its engine is available) sees the same history.
 *
 * Several replicas may start at once: every migration transaction first takes the advisory
 * lock Prisma Migrate itself uses (72707369), then re-reads the history, so each migration is
 * applied exactly once and never beside a concurrent `prisma migrate`.
 */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../prisma/migrations");
const PRISMA_MIGRATE_LOCK = 72707369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

const HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      // Prisma's checksum: SHA-256 of the file's bytes, hex.
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
}

async function appliedHistory(sql: SqlClient): Promise<HistoryRow[]> {
  const exists = await sql.query<{ present: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
  if (!exists[0]?.present) return [];
  return sql.query<HistoryRow>(
    `SELECT migration_name, checksum FROM "_prisma_migrations"
      WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
  );
}

/** Which migrations are applied and which are pending; used by /readyz and `tenancy migrate`. */
export async function migrationStatus(sql: SqlClient, migrations?: Migration[]): Promise<MigrationStatus> {
  const all = migrations ?? (await readMigrations());
  const applied = new Set((await appliedHistory(sql)).map((row) => row.migration_name));
  return {
    applied: all.filter((m) => applied.has(m.name)).map((m) => m.name),
    pending: all.filter((m) => !applied.has(m.name)).map((m) => m.name),
  };
}

/** Applies every pending migration; returns the names it applied (empty when up to date). */
export async function migrate(sql: SqlClient, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await readMigrations());
  const appliedNow: string[] = [];
  for (const migration of all) {
    const applied = await sql.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${PRISMA_MIGRATE_LOCK})`);
      await tx.exec(HISTORY_TABLE);
      const history = await appliedHistory(tx);
      const previous = history.find((row) => row.migration_name === migration.name);
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          throw new Error(`migration ${migration.name} was changed after it was applied (checksum ${previous.checksum} in the database, ${migration.checksum} on disk); add a new migration instead of editing an applied one`);
        }
        return false;
      }
      await tx.exec(migration.sql);
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), now(), 1)`,
        [randomUUID(), migration.checksum, migration.name],
      );
      return true;
    });
    if (applied) appliedNow.push(migration.name);
  }
  return appliedNow;
}
