import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { migrate } from "../../src/db/migrator.ts";
import { openDatabase, type Database } from "../../src/db/open-database.ts";
import { adminQuery } from "./admin-query.ts";

/*
 * A fresh database for one test file on the suite's PostgreSQL server: created empty,
 * migrated, and dropped again by `drop()`.
 */
export interface TestDatabase {
  url: string;
  db: Database;
  drop(): Promise<void>;
}

export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const admin = inject("adminDatabaseUrl");
  const name = `tenancy_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(admin, `CREATE DATABASE ${name}`);
  const url = withDatabase(admin, name);
  const db = await openDatabase({ databaseUrl: url, poolSize: 5 });
  if (options.migrated !== false) await migrate(db.sql);
  return {
    url,
    db,
    async drop() {
      await db.close().catch(() => undefined);
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
