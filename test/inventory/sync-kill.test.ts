import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import { childEnv, TENANCY_BIN } from "../support/cli-process.ts";
import { fleetSnapshot } from "../support/snapshots.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "tenancy-kill-"));
});
afterAll(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

const fingerprint = async () => (await t.db.sql.query<{ n: number; digest: string }>(`SELECT count(*)::int AS n, md5(string_agg(key || ':' || coalesce(virtual_machine, ''), ',' ORDER BY key)) AS digest FROM container`))[0];

describe("a sync killed half-way", () => {
  it("leaves the previous inventory intact, and the next sync marks the run abandoned", async () => {
    const previous = fleetSnapshot("big", 200, 2, 5, "old-");
    expect((await syncInventory(t.db.sql, previous)).status).toBe("APPLIED");
    const before = await fingerprint();
    expect(before.n).toBe(2000);

    // A large complete snapshot replacing all of it; killed while its transaction runs.
    const file = path.join(dir, "large.json");
    await writeFile(file, JSON.stringify(fleetSnapshot("big", 3000, 4, 10, "new-")));
    const child = spawn(process.execPath, [TENANCY_BIN, "sync", "--file", file, "--allow-mass-removal"], {
      env: childEnv({ DATABASE_URL: t.url }),
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => child.on("close", resolve));
    let running: { id: number; backend_pid: number } | undefined;
    for (let i = 0; i < 3000 && !running; i++) {
      [running] = await t.db.sql.query<{ id: number; backend_pid: number }>(`SELECT id, backend_pid FROM sync_run WHERE status = 'RUNNING'`);
      if (!running) await new Promise((r) => setTimeout(r, 10));
    }
    expect(running, "the sync never started").toBeDefined();
    child.kill("SIGKILL");
    await exited;

    // The server notices the dead client and rolls its transaction back.
    for (let i = 0; i < 600; i++) {
      const [alive] = await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1`, [running!.backend_pid]);
      if (alive.n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await fingerprint()).toEqual(before);
    const [run] = await t.db.sql.query<{ status: string }>(`SELECT status FROM sync_run WHERE id = $1`, [running!.id]);
    expect(run.status).toBe("RUNNING");

    const next = await syncInventory(t.db.sql, previous);
    expect(next.status).toBe("UNCHANGED");
    const [abandoned] = await t.db.sql.query<{ status: string; finished_at: Date | null }>(`SELECT status, finished_at FROM sync_run WHERE id = $1`, [running!.id]);
    expect(abandoned.status).toBe("ABANDONED");
    expect(abandoned.finished_at).toBeInstanceOf(Date);
  });
});
