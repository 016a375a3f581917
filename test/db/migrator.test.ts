import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, migrationStatus, readMigrations } from "../../src/db/migrator.ts";
import { openDatabase, type Database } from "../../src/db/open-database.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrated: false });
});
afterAll(async () => t.drop());

async function migrationsDir(files: Record<string, string>) {
  const dir = await mkdtemp(path.join(tmpdir(), "migrations-"));
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

describe("migrator", () => {
  it("applies the project's migrations in order, records them as Prisma does, and is idempotent", async () => {
    expect((await migrationStatus(t.db.sql)).applied).toEqual([]);
    const all = await readMigrations();
    expect(await migrate(t.db.sql)).toEqual(all.map((m) => m.name));
    expect(await migrate(t.db.sql)).toEqual([]);
    const rows = await t.db.sql.query<Record<string, unknown>>(`SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(rows).toEqual(all.map((m) => ({ migration_name: m.name, checksum: m.checksum, finished: true, rolled_back_at: null, applied_steps_count: 1 })));
    expect(all[0].checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(await migrationStatus(t.db.sql)).toEqual({ applied: all.map((m) => m.name), pending: [] });
  });

  it("applies each migration once when several replicas start at the same time", async () => {
    const scratch = await createTestDatabase({ migrated: false });
    const replicas: Database[] = [];
    try {
      for (let i = 0; i < 4; i++) replicas.push(await openDatabase({ databaseUrl: scratch.url, poolSize: 2 }));
      const applied = await Promise.all(replicas.map((db) => migrate(db.sql)));
      const all = await readMigrations();
      expect(applied.flat().sort()).toEqual(all.map((m) => m.name).sort());
      const [row] = await scratch.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
      expect(row.n).toBe(all.length);
    } finally {
      await Promise.all(replicas.map((db) => db.close()));
      await scratch.drop();
    }
  });

  it("rolls a failing migration back whole and leaves it pending", async () => {
    const scratch = await createTestDatabase({ migrated: false });
    try {
      const dir = await migrationsDir({
        "001_ok": "CREATE TABLE a (x int);",
        "002_broken": "CREATE TABLE b (x int); SELECT * FROM no_such_table;",
      });
      const migrations = await readMigrations(dir);
      await expect(migrate(scratch.db.sql, migrations)).rejects.toThrow(/no_such_table/);
      expect(await migrationStatus(scratch.db.sql, migrations)).toEqual({ applied: ["001_ok"], pending: ["002_broken"] });
      const [b] = await scratch.db.sql.query<{ present: boolean }>(`SELECT to_regclass('b') IS NOT NULL AS present`);
      expect(b.present).toBe(false);
    } finally {
      await scratch.drop();
    }
  });

  it("refuses to go on when an applied migration was edited", async () => {
    const scratch = await createTestDatabase({ migrated: false });
    try {
      const dir = await migrationsDir({ "001_a": "CREATE TABLE a (x int);" });
      await migrate(scratch.db.sql, await readMigrations(dir));
      await writeFile(path.join(dir, "001_a", "migration.sql"), "CREATE TABLE a (x bigint);");
      await expect(migrate(scratch.db.sql, await readMigrations(dir))).rejects.toThrow(/001_a was changed after it was applied/);
    } finally {
      await scratch.drop();
    }
  });
});
