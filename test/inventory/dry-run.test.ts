import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/db/migrator.ts";
import { openDatabase, type Database } from "../../src/db/open-database.ts";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import { createTestDatabase } from "../support/test-database.ts";
import { campusSnapshot } from "../support/snapshots.ts";

/*
 * A dry run is a transaction that is rolled back (SqlClient.rolledBack), on both engines: it
 * reports what a sync would change, and leaves no row, no run and no inventory version behind.
 */
const ENGINES: [string, () => Promise<{ db: Database; close(): Promise<void> }>][] = [
  [
    "PostgreSQL",
    async () => {
      const t = await createTestDatabase();
      return { db: t.db, close: () => t.drop() };
    },
  ],
  [
    "PGlite",
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "tenancy-dry-run-"));
      const db = await openDatabase({ dataDir: dir });
      await migrate(db.sql);
      return {
        db,
        async close() {
          await db.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  ],
];

describe.each(ENGINES)("a dry run on %s", (_name, open) => {
  let engine: Awaited<ReturnType<(typeof ENGINES)[number][1]>>;
  beforeAll(async () => {
    engine = await open();
  });
  afterAll(async () => engine.close());

  const state = async () => ({
    hosts: await engine.db.sql.query(`SELECT key FROM host`),
    runs: await engine.db.sql.query(`SELECT id FROM sync_run`),
    sources: await engine.db.sql.query(`SELECT key FROM source`),
    digests: await engine.db.sql.query(`SELECT kind FROM source_digest`),
  });

  it("reports the changes a sync would make and writes nothing", async () => {
    const before = await state();
    const dry = await syncInventory(engine.db.sql, campusSnapshot(), { dryRun: true });
    expect(dry).toMatchObject({ status: "APPLIED", runId: null, totals: { created: 9, updated: 0, removed: 0, unchanged: 0 } });
    expect(await state()).toEqual(before);
    // The same snapshot for real then creates exactly what the dry run announced.
    const real = await syncInventory(engine.db.sql, campusSnapshot());
    expect(real.totals).toEqual(dry.totals);
    expect((await state()).hosts).toEqual([{ key: "h-001" }]);
  });

  it("says UNCHANGED for what is already there, and a refusal inside the transaction is still a refusal", async () => {
    expect((await syncInventory(engine.db.sql, campusSnapshot(), { dryRun: true })).status).toBe("UNCHANGED");
    const before = await state();
    const taken = await syncInventory(engine.db.sql, { ...campusSnapshot(), source: "someone-else" }, { dryRun: true });
    expect(taken.status).toBe("REFUSED");
    expect(taken.errors[0].message).toMatch(/belongs to source "dcim-ams"/);
    expect(await state()).toEqual(before);
  });

  it("rolledBack returns the work's result and keeps none of its writes", async () => {
    const result = await engine.db.sql.rolledBack(async (tx) => {
      await tx.query(`INSERT INTO source (key) VALUES ('ghost')`);
      return (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM source WHERE key = 'ghost'`))[0].n;
    });
    expect(result).toBe(1);
    expect(await engine.db.sql.query(`SELECT key FROM source WHERE key = 'ghost'`)).toEqual([]);
    // The connection is clean afterwards: the next transaction commits as usual.
    await engine.db.sql.transaction((tx) => tx.query(`INSERT INTO source (key) VALUES ('real')`));
    expect(await engine.db.sql.query(`SELECT key FROM source WHERE key = 'real'`)).toEqual([{ key: "real" }]);
  });
});
