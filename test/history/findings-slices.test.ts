import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { SqlClient, SqlParam } from "../../src/db/sql-client.ts";
import { updateFindings } from "../../src/findings/update-findings.ts";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import { IsolationIndex } from "../../src/isolation/isolation-index.ts";
import { SLICE_MS } from "../../src/isolation/run-in-slices.ts";
import { BATCH_ROWS } from "../../src/db/read-in-batches.ts";
import { fleetSnapshot } from "../support/snapshots.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * The findings update after a sync compares and writes in foreground slices
 * (src/findings/update-findings.ts): on fleet M, with ~24,000 findings changed, the keys that
 * moved, the comparison and each statement's JSON each held the event loop 190 to 490 ms.
 * A fleet of hosts each holding a VM of every tenant, every workload requiring HOST, so each
 * workload has a finding per other tenant; a sync moves every VM one host on, which changes
 * the shared host of every finding. Between the statements of the update (no query under way)
 * the event loop must take a turn per step of that work: a turn per `every` items at least.
 *
 * runInSlices gives a turn once a slice's time has passed; here the clock moves a slice at each
 * reading, so every step is a slice and the turns count steps, not milliseconds.
 */
const HOSTS = 300;
const TENANTS = 4;
/** The generators' step: `every` items. */
const EVERY = 256;
const steps = (items: number) => Math.floor(items / EVERY) - 1;

let t: TestDatabase;

/** Every host holds a VM of each tenant, of a workload of its own that requires HOST; `shift` moves each VM that many hosts on. */
function snapshot(shift: number) {
  const fleet = fleetSnapshot("slices", HOSTS, TENANTS, 0) as ReturnType<typeof fleetSnapshot> & { workloads: unknown[] };
  fleet.tenants = Array.from({ length: TENANTS }, (_, i) => ({ id: `tenant-${i}`, organization: `org-${i}` }));
  fleet.workloads = [];
  for (let h = 0; h < HOSTS; h++) {
    for (let v = 0; v < TENANTS; v++) {
      const vm = fleet.virtualMachines[h * TENANTS + v];
      fleet.workloads.push({ id: `w-${h}-${v}`, tenant: `tenant-${v}`, minimumIsolation: "HOST" });
      Object.assign(vm, { tenant: `tenant-${v}`, workload: `w-${h}-${v}`, host: fleet.hosts[(h + shift) % HOSTS].id });
    }
  }
  return fleet;
}

beforeAll(async () => {
  t = await createTestDatabase();
  expect((await syncInventory(t.db.sql, snapshot(0))).status).toBe("APPLIED");
}, 120_000);
afterAll(async () => {
  await t?.drop();
});

/** `sql`, counting the event loop's turns between its statements (none while one is under way), each count by the statement that followed it. */
function turnsBetweenStatements(sql: SqlClient) {
  const before: { text: string; turns: number }[] = [];
  let turns = 0;
  let pending = 0;
  let stopped = false;
  const turn = () => {
    if (stopped) return;
    if (pending === 0) turns++;
    setImmediate(turn);
  };
  setImmediate(turn);
  const watched = (tx: SqlClient): SqlClient => ({
    engine: tx.engine,
    async query<Row>(text: string, params?: readonly SqlParam[]): Promise<Row[]> {
      before.push({ text, turns });
      turns = 0;
      pending++;
      try {
        return await tx.query<Row>(text, params);
      } finally {
        pending--;
      }
    },
    exec: (script) => tx.exec(script),
    transaction: (work, signal) => tx.transaction((inner) => work(watched(inner)), signal),
    rolledBack: (work) => tx.rolledBack(work),
  });
  return {
    sql: watched(sql),
    stop: () => {
      stopped = true;
    },
    /** How many statements started with `start`. */
    count: (start: string) => before.filter((s) => s.text.trimStart().startsWith(start)).length,
    /** The turns before the one statement that starts with `start`. */
    before: (start: string) => {
      const found = before.filter((s) => s.text.trimStart().startsWith(start));
      expect(found).toHaveLength(1);
      return found[0].turns;
    },
  };
}

describe("the findings update after a sync that changes thousands of findings", () => {
  it("gives the event loop a turn per step while it compares and writes, between its statements", async () => {
    const index = new IsolationIndex(t.db.sql);
    const first = await updateFindings(t.db.sql, await index.view({ background: true }));
    const findings = first!.update.opened;
    expect(findings).toBeGreaterThanOrEqual(HOSTS * TENANTS * (TENANTS - 1));
    expect((await syncInventory(t.db.sql, snapshot(1))).status).toBe("APPLIED");
    const view = await index.view({ background: true });
    await Promise.all([view.warmed(), view.report(), view.violations()]);

    const watch = turnsBetweenStatements(t.db.sql);
    let now = performance.now();
    const clock = vi.spyOn(performance, "now").mockImplementation(() => (now += SLICE_MS));
    const done = await updateFindings(watch.sql, view, first!.known).finally(() => {
      clock.mockRestore();
      watch.stop();
    });
    expect(done!.update).toEqual({ opened: 0, changed: findings, resolved: 0, compared: "CHANGED" });
    // Every workload's digests changed: each side's digests are visited, then the facts built.
    expect(watch.before("DECLARE stored_findings")).toBeGreaterThanOrEqual(steps(2 * findings) + steps(findings));
    // Each finding compared (built and stored), then its record's JSON.
    expect(watch.before("INSERT INTO finding AS f")).toBeGreaterThanOrEqual(steps(2 * findings) + steps(findings));
    // Each event's JSON.
    expect(watch.before("WITH events AS")).toBeGreaterThanOrEqual(steps(findings));
  });

  it("on a first update (every finding compared), reads the stored findings a batch at a time, then compares them in steps", async () => {
    const index = new IsolationIndex(t.db.sql);
    expect((await syncInventory(t.db.sql, snapshot(2))).status).toBe("APPLIED");
    const view = await index.view({ background: true });
    await Promise.all([view.warmed(), view.report(), view.violations()]);
    const [{ stored }] = await t.db.sql.query<{ stored: number }>(`SELECT count(*)::int AS stored FROM finding WHERE state <> 'RESOLVED'`);
    expect(stored).toBeGreaterThan(BATCH_ROWS);

    const watch = turnsBetweenStatements(t.db.sql);
    let now = performance.now();
    const clock = vi.spyOn(performance, "now").mockImplementation(() => (now += SLICE_MS));
    // No update known to this replica: every finding is compared (as after a start).
    const done = await updateFindings(watch.sql, view, null).finally(() => {
      clock.mockRestore();
      watch.stop();
    });
    expect(done!.update).toMatchObject({ changed: stored, compared: "ALL" });
    // Read at once, 800,000 stored findings on fleet M were decoded and mapped in a block of a second.
    expect(watch.count("FETCH")).toBe(Math.floor(stored / BATCH_ROWS) + 1);
    expect(watch.before("INSERT INTO finding AS f")).toBeGreaterThanOrEqual(steps(2 * stored) + steps(stored));
  });
});
