import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemoInventory } from "../../src/inventory/demo-inventory.ts";
import { findingsUpToDate } from "../../src/findings/update-findings.ts";
import { childEnv, startServe, type ServeProcess } from "../support/cli-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * SIGTERM while the background findings update is under way: the service abandons the update
 * (its transaction rolls back whole) and stops within seconds instead of waiting for it, and
 * the next start does the update. The update is held up the way a big fleet's would be, by a
 * row lock this test holds on the row the update writes last.
 */
let t: TestDatabase;
let env: NodeJS.ProcessEnv;
const started: ServeProcess[] = [];
beforeAll(async () => {
  t = await createTestDatabase();
  await loadDemoInventory(t.db.sql);
  await t.db.sql.query(`INSERT INTO findings_state (id, inventory_version, policy_version, updated_at) VALUES (1, 0, 0, clock_timestamp())`);
  env = childEnv({ DATABASE_URL: t.url, PORT: "0", TENANCY_ADMIN_TOKEN: undefined, NODE_ENV: "development" });
});
afterAll(async () => {
  for (const s of started) if (s.child.exitCode === null) s.child.kill("SIGKILL");
  await t.drop();
});

async function waitFor(what: string, check: () => Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${ms} ms`);
}

describe("stopping during a findings update", () => {
  it("SIGTERM abandons the running update, leaves nothing half-written, exits 0 within seconds; the next start updates the findings", async () => {
    const locker = new pg.Client({ connectionString: t.url });
    await locker.connect();
    try {
      await locker.query("BEGIN");
      await locker.query("SELECT * FROM findings_state WHERE id = 1 FOR UPDATE");
      const served = await startServe(env, 300_000);
      started.push(served);
      // The update has written its findings (uncommitted) and waits for the lock on its last row.
      // Found by who blocks it, not by its statement's text: pg_stat_activity may still show the
      // statement before the one that waits.
      await waitFor("the findings update waiting on the lock", async () => (await locker.query(`SELECT 1 FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))`)).rowCount! > 0, 120_000);
      const signalled = Date.now();
      served.child.kill("SIGTERM");
      const code = await Promise.race([served.exited, new Promise((r) => setTimeout(() => r("still running"), 10_000))]);
      expect(code).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      expect(served.logs()).toContain('"msg":"stopped"');
      expect(served.logs()).toContain("findings update abandoned");
      expect(served.logs()).not.toContain('"findings updated"');
    } finally {
      await locker.query("ROLLBACK");
      await locker.end();
    }
    // Nothing of the abandoned update was committed.
    await waitFor("the abandoned transaction's end", async () => (await t.db.sql.query(`SELECT 1 FROM pg_stat_activity WHERE query LIKE '%INSERT INTO findings_state%' AND pid <> pg_backend_pid()`)).length === 0, 30_000);
    expect(await t.db.sql.query(`SELECT id FROM finding`)).toEqual([]);
    expect(await t.db.sql.query(`SELECT inventory_version, policy_version FROM findings_state`)).toEqual([{ inventory_version: 0, policy_version: 0 }]);
    expect(await findingsUpToDate(t.db.sql)).toBe(false);

    // The next start does the update.
    const again = await startServe(env, 300_000);
    started.push(again);
    await waitFor("the findings update after the restart", () => findingsUpToDate(t.db.sql), 60_000);
    expect((await t.db.sql.query(`SELECT id FROM finding`)).length).toBeGreaterThan(0);
    again.child.kill("SIGTERM");
    expect(await again.exited).toBe(0);
  }, 600_000);
});
