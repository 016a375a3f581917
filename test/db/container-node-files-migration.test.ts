import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, readMigrations } from "../../src/db/migrator.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * A database from before containers had `node_files`: its containers, and history's kept rows
 * of them (read back with jsonb_populate_record), read false, never null.
 */
const MIGRATION = "20261205050000_container_node_files";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrated: false });
});
afterAll(async () => t.drop());

describe(`migration ${MIGRATION}`, () => {
  it("gives existing containers and their kept past rows node_files = false", async () => {
    const all = await readMigrations();
    expect(all.some((m) => m.name === MIGRATION)).toBe(true);
    await migrate(
      t.db.sql,
      all.filter((m) => m.name < MIGRATION),
    );
    // Synced, then changed, by the code of the time: the trigger keeps the replaced row.
    await t.db.sql.exec(`
      INSERT INTO source (key, last_synced_at) VALUES ('k8s', now());
      INSERT INTO tenant (key, source, organization) VALUES ('acme', 'k8s', 'acme');
      INSERT INTO container (key, source, host, runtime, privileged, tenant) VALUES ('c-1', 'k8s', 'h-1', 'kata', true, 'acme');
      UPDATE container SET runtime = 'firecracker' WHERE key = 'c-1';
    `);
    expect(await t.db.sql.query(`SELECT row ? 'node_files' AS has FROM inventory_row_version WHERE table_name = 'container'`)).toEqual([{ has: false }]);
    expect(await migrate(t.db.sql)).toContain(MIGRATION);
    expect(await t.db.sql.query(`SELECT key, runtime, privileged, node_files FROM container`)).toEqual([{ key: "c-1", runtime: "firecracker", privileged: true, node_files: false }]);
    const past = await t.db.sql.query(`SELECT r.key, r.runtime, r.privileged, r.node_files FROM inventory_row_version h CROSS JOIN LATERAL jsonb_populate_record(NULL::container, h.row) r WHERE h.table_name = 'container'`);
    expect(past).toEqual([{ key: "c-1", runtime: "kata", privileged: true, node_files: false }]);
  });
});
