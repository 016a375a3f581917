import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pastTable } from "../../src/history/past-tables.ts";
import { momentAt, MomentOutOfRange } from "../../src/history/past-views.ts";
import { pruneHistory } from "../../src/history/prune-history.ts";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * What history keeps: nothing for an initial sync or a no-change resync, the row as it was
 * for each update and removal, one change record per applied version; and what retention
 * prunes without changing any answer after the horizon.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

const snapshot = (rack: string, hosts = ["h-1", "h-2"]) => ({
  source: "dcim",
  complete: true,
  datacenters: [{ id: "dc-1" }],
  racks: [
    { id: "r-1", datacenter: "dc-1" },
    { id: "r-2", datacenter: "dc-1" },
  ],
  hosts: hosts.map((id) => ({ id, rack })),
});
const count = async (table: string) => (await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
const version = async () => (await t.db.sql.query<{ v: number }>(`SELECT version AS v FROM inventory_state`))[0].v;
const hostsAt = async (v: number) => (await t.db.sql.query<{ key: string; rack: string }>(`SELECT key, rack FROM ${pastTable("host", v)} h ORDER BY key`)).map((h) => `${h.key}@${h.rack}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("inventory history", () => {
  let first: number;
  let second: number;
  let moved: Date;

  it("keeps nothing for an initial sync or a resync that changes nothing", async () => {
    expect((await syncInventory(t.db.sql, snapshot("r-1"))).status).toBe("APPLIED");
    first = await version();
    expect(await count("inventory_row_version")).toBe(0);
    const changes = await count("inventory_change");
    expect((await syncInventory(t.db.sql, snapshot("r-1"))).status).toBe("UNCHANGED");
    expect(await count("inventory_row_version")).toBe(0);
    expect(await count("inventory_change")).toBe(changes);
  });

  it("keeps each replaced and removed row as it was, and reads any version back", async () => {
    await pause(5);
    expect((await syncInventory(t.db.sql, snapshot("r-2"))).status).toBe("APPLIED");
    second = await version();
    moved = new Date();
    const kept = await t.db.sql.query<{ table_name: string; key: string; rack: string }>(`SELECT table_name, key, "row"->>'rack' AS rack FROM inventory_row_version ORDER BY key`);
    expect(kept).toEqual([
      { table_name: "host", key: "h-1", rack: "r-1" },
      { table_name: "host", key: "h-2", rack: "r-1" },
    ]);
    await pause(5);
    expect((await syncInventory(t.db.sql, snapshot("r-2", ["h-1"]))).status).toBe("APPLIED");
    const third = await version();
    expect(await hostsAt(0)).toEqual([]);
    expect(await hostsAt(first)).toEqual(["h-1@r-1", "h-2@r-1"]);
    expect(await hostsAt(second)).toEqual(["h-1@r-2", "h-2@r-2"]);
    expect(await hostsAt(third)).toEqual(["h-1@r-2"]);
    // The moment maps to the version in force then.
    expect((await momentAt(t.db.sql, moved)).version).toBe(second);
  });

  it("prunes what no moment after the horizon reads, and refuses moments before it", async () => {
    const now = new Date();
    const before = (await momentAt(t.db.sql, now)).version;
    const result = await pruneHistory(t.db.sql, now);
    expect(result.ran).toBe(true);
    expect(result.rowVersions).toBe(3);
    expect(await count("inventory_row_version")).toBe(0);
    expect((await momentAt(t.db.sql, now)).version).toBe(before);
    expect(await hostsAt(before)).toEqual(["h-1@r-2"]);
    await expect(momentAt(t.db.sql, moved)).rejects.toBeInstanceOf(MomentOutOfRange);
    await expect(momentAt(t.db.sql, moved)).rejects.toThrow(`is before history begins: the earliest moment it answers for is ${now.toISOString()}`);
  });
});
