import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { campusSnapshot } from "../support/snapshots.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await t.db.sql.exec("TRUNCATE source, source_digest, sync_run, datacenter, datacenter_description, power_domain, network_domain, rack, host, virtual_machine, container, tenant, workload RESTART IDENTITY");
});

const keys = async (table: string) => (await t.db.sql.query<{ key: string }>(`SELECT key FROM ${table} ORDER BY key`)).map((r) => r.key);
const row = async (table: string, key: string) => (await t.db.sql.query(`SELECT * FROM ${table} WHERE key = $1`, [key]))[0];
const everything = async () => {
  const tables = ["datacenter", "power_domain", "network_domain", "rack", "host", "tenant", "workload", "virtual_machine", "container"];
  const out: Record<string, unknown[]> = {};
  for (const table of tables) out[table] = await t.db.sql.query(`SELECT * FROM ${table} ORDER BY key`);
  return out;
};

describe("syncInventory", () => {
  it("creates every kind and reports the counts", async () => {
    const result = await syncInventory(t.db.sql, campusSnapshot());
    expect(result.status).toBe("APPLIED");
    expect(result.errors).toEqual([]);
    expect(result.totals).toEqual({ created: 9, updated: 0, removed: 0, unchanged: 0 });
    expect(result.changes.containers.created).toBe(1);
    expect(await keys("host")).toEqual(["h-001"]);
    expect(await row("rack", "ams1-r01")).toMatchObject({ source: "dcim-ams", datacenter: "ams1", power_domains: ["ams1-pdu-a"], network_domains: ["ams1-tor-1"] });
    expect(await row("datacenter", "ams1")).toMatchObject({ hazard_zones: ["seismic:nl", "weather:north-sea"], planet: "earth" });
    expect(await row("workload", "genome-pipeline")).toMatchObject({ anti_affinity: [{ level: "RACK", mode: "HARD" }] });
    expect(await row("container", "c-1")).toMatchObject({ virtual_machine: "vm-1", runtime: "runc", tenant: "biology" });
  });

  it("is idempotent: the same snapshot twice changes nothing and says so", async () => {
    await syncInventory(t.db.sql, campusSnapshot());
    const before = await everything();
    const again = await syncInventory(t.db.sql, campusSnapshot());
    expect(again.status).toBe("UNCHANGED");
    expect(again.totals).toEqual({ created: 0, updated: 0, removed: 0, unchanged: 9 });
    expect(await everything()).toEqual(before);
  });

  it("a complete snapshot still removes what an incomplete one added since (the unchanged-digest shortcut is cleared)", async () => {
    await syncInventory(t.db.sql, campusSnapshot());
    expect((await syncInventory(t.db.sql, { source: "dcim-ams", hosts: [{ id: "h-extra", rack: "ams1-r01" }] })).status).toBe("APPLIED");
    const again = await syncInventory(t.db.sql, campusSnapshot());
    expect(again.status).toBe("APPLIED");
    expect(again.changes.hosts).toEqual({ created: 0, updated: 0, removed: 1, unchanged: 1 });
    expect(await keys("host")).toEqual(["h-001"]);
    // And a complete snapshot that changes one kind diffs that kind only, correctly.
    const moved = await syncInventory(t.db.sql, campusSnapshot({ hosts: [{ id: "h-001", datacenter: "ams1" }] }));
    expect(moved.changes.hosts).toEqual({ created: 0, updated: 1, removed: 0, unchanged: 0 });
    expect(moved.changes.racks).toEqual({ created: 0, updated: 0, removed: 0, unchanged: 1 });
    expect(await row("host", "h-001")).toMatchObject({ rack: null, datacenter: "ams1" });
  });

  it("updates only what changed", async () => {
    await syncInventory(t.db.sql, campusSnapshot());
    const result = await syncInventory(t.db.sql, campusSnapshot({ containers: [{ id: "c-1", virtualMachine: "vm-1", runtime: "gvisor", tenant: "biology" }] }));
    expect(result.status).toBe("APPLIED");
    expect(result.totals).toEqual({ created: 0, updated: 1, removed: 0, unchanged: 8 });
    expect(await row("container", "c-1")).toMatchObject({ runtime: "gvisor" });
  });

  it("a complete snapshot removes what the source had and no longer has", async () => {
    await syncInventory(
      t.db.sql,
      campusSnapshot({
        hosts: [
          { id: "h-001", rack: "ams1-r01" },
          { id: "h-002", rack: "ams1-r01" },
        ],
      }),
    );
    const result = await syncInventory(t.db.sql, campusSnapshot());
    expect(result.totals.removed).toBe(1);
    expect(result.changes.hosts.removed).toBe(1);
    expect(await keys("host")).toEqual(["h-001"]);
  });

  it("an incomplete snapshot only adds and updates", async () => {
    await syncInventory(t.db.sql, campusSnapshot());
    const result = await syncInventory(t.db.sql, { source: "dcim-ams", hosts: [{ id: "h-009", rack: "ams1-r01" }] });
    expect(result.totals).toEqual({ created: 1, updated: 0, removed: 0, unchanged: 0 });
    expect(await keys("host")).toEqual(["h-001", "h-009"]);
    expect(await keys("container")).toEqual(["c-1"]);
  });

  it("never touches other sources' objects", async () => {
    await syncInventory(t.db.sql, campusSnapshot());
    await syncInventory(t.db.sql, { source: "aws", complete: true, datacenters: [{ id: "az1" }], virtualMachines: [{ id: "i-1", datacenter: "az1", tenant: "biology" }] });
    const result = await syncInventory(t.db.sql, { source: "aws", complete: true, datacenters: [{ id: "az1" }] });
    expect(result.totals.removed).toBe(1);
    expect(await keys("virtual_machine")).toEqual(["vm-1"]);
    expect(await keys("datacenter")).toEqual(["ams1", "az1"]);
  });

  it("refuses an id another source owns, naming it, and writes nothing", async () => {
    await syncInventory(t.db.sql, campusSnapshot());
    const before = await everything();
    const result = await syncInventory(t.db.sql, { source: "intruder", hosts: [{ id: "h-new" }, { id: "h-001" }] });
    expect(result.status).toBe("REFUSED");
    expect(result.errors).toEqual([{ path: ["hosts", "1", "id"], message: 'host "h-001" belongs to source "dcim-ams"; ids are unique per kind across all sources' }]);
    expect(await everything()).toEqual(before);
  });

  it("refuses an invalid snapshot whole, with an error per problem, and writes nothing", async () => {
    const result = await syncInventory(t.db.sql, campusSnapshot({ hosts: [{ id: "h-1" }, { id: "h-1" }], racks: [{ id: "r", datacenter: "ams1", pdus: [] }] }));
    expect(result.status).toBe("REFUSED");
    expect(result.errors.map((e) => e.path.join("."))).toEqual(["racks.0.pdus", "hosts.1.id"]);
    expect(await keys("datacenter")).toEqual([]);
    const [run] = await t.db.sql.query<{ status: string; errors: unknown[] }>("SELECT status, errors FROM sync_run");
    expect(run.status).toBe("REFUSED");
    expect(run.errors).toHaveLength(2);
  });

  it("keeps references to ids nobody has synced, and warns once per missing id", async () => {
    const result = await syncInventory(t.db.sql, {
      source: "k8s",
      tenants: [{ id: "t", organization: "o" }],
      containers: [
        { id: "c-1", virtualMachine: "vm-404", tenant: "t" },
        { id: "c-2", virtualMachine: "vm-404", tenant: "t" },
        { id: "c-3", host: "h-404", tenant: "t" },
      ],
    });
    expect(result.status).toBe("APPLIED");
    expect(result.warnings).toEqual([
      { path: ["containers", "0", "virtualMachine"], message: 'virtual machine "vm-404" has not been synced by any source (2 references); kept as unknown placement' },
      { path: ["containers", "2", "host"], message: 'host "h-404" has not been synced by any source; kept as unknown placement' },
    ]);
    expect(await row("container", "c-1")).toMatchObject({ virtual_machine: "vm-404" });
    // Once another source syncs the VM, the reference is no longer dangling.
    await syncInventory(t.db.sql, { source: "vmware", virtualMachines: [{ id: "vm-404", tenant: "t" }] });
    const again = await syncInventory(t.db.sql, { source: "k8s", containers: [{ id: "c-1", virtualMachine: "vm-404", tenant: "t" }] });
    expect(again.warnings).toEqual([]);
  });

  it("stops a complete snapshot that would remove more than half of the source, unless allowed", async () => {
    await syncInventory(t.db.sql, campusSnapshot());
    const before = await everything();
    const refused = await syncInventory(t.db.sql, { source: "dcim-ams", complete: true, datacenters: [{ id: "ams1" }] });
    expect(refused.status).toBe("REFUSED");
    expect(refused.errors[0].message).toMatch(/would remove 8 of the 9 objects source "dcim-ams" has/);
    expect(await everything()).toEqual(before);
    const allowed = await syncInventory(t.db.sql, { source: "dcim-ams", complete: true, datacenters: [{ id: "ams1" }] }, { allowMassRemoval: true });
    expect(allowed.status).toBe("APPLIED");
    expect(allowed.totals.removed).toBe(8);
    expect(await keys("host")).toEqual([]);
  });

  it("removes exactly half without the override", async () => {
    await syncInventory(t.db.sql, { source: "s", complete: true, hosts: [{ id: "a" }, { id: "b" }] });
    const result = await syncInventory(t.db.sql, { source: "s", complete: true, hosts: [{ id: "a" }] });
    expect(result.status).toBe("APPLIED");
  });

  it("refuses a containment cycle closed through another source's units", async () => {
    await syncInventory(t.db.sql, { source: "kubevirt", virtualMachines: [{ id: "vm-a", container: "pod-a", tenant: "t" }] });
    const before = await everything();
    const result = await syncInventory(t.db.sql, { source: "k8s", containers: [{ id: "pod-a", virtualMachine: "vm-a", tenant: "t" }] });
    expect(result.status).toBe("REFUSED");
    expect(result.errors[0].message).toMatch(/containment cycle/);
    expect(await everything()).toEqual(before);
  });

  it("records every run with its counts and outcome", async () => {
    await syncInventory(t.db.sql, campusSnapshot());
    await syncInventory(t.db.sql, campusSnapshot());
    await syncInventory(t.db.sql, { source: "dcim-ams", hosts: [{ id: 5 }] });
    const runs = await t.db.sql.query<Record<string, unknown>>("SELECT source, status, created, updated, removed, unchanged, finished_at IS NOT NULL AS finished FROM sync_run ORDER BY id");
    expect(runs).toEqual([
      { source: "dcim-ams", status: "APPLIED", created: 9, updated: 0, removed: 0, unchanged: 0, finished: true },
      { source: "dcim-ams", status: "UNCHANGED", created: 0, updated: 0, removed: 0, unchanged: 9, finished: true },
      { source: "dcim-ams", status: "REFUSED", created: 0, updated: 0, removed: 0, unchanged: 0, finished: true },
    ]);
    const [source] = await t.db.sql.query<{ last_synced_at: Date }>("SELECT last_synced_at FROM source WHERE key = 'dcim-ams'");
    expect(source.last_synced_at).toBeInstanceOf(Date);
  });

  it("runs one sync per source at a time: a second one waits for the first", async () => {
    let releaseHolder!: () => void;
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    // Stand in for a long sync of source "same" by holding its lock.
    const holder = t.db.sql.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('tenancy-sync:' || $1, 0))`, ["same"]);
      locked();
      await new Promise<void>((resolve) => (releaseHolder = resolve));
    });
    await lockTaken;
    let finished = false;
    const waiting = syncInventory(t.db.sql, { source: "same", hosts: [{ id: "late-host" }] }).then((r) => {
      finished = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(finished).toBe(false);
    expect(await keys("host")).toEqual([]);
    releaseHolder();
    await holder;
    expect((await waiting).status).toBe("APPLIED");
    expect(await keys("host")).toEqual(["late-host"]);
  });

  it("lets a waiting sync give up with a clear error when the lock is held too long", async () => {
    await t.db.sql.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('tenancy-sync:' || $1, 0))`, ["busy"]);
      const result = await syncInventory(t.db.sql, { source: "busy", hosts: [{ id: "x" }] }, { lockTimeoutMs: 200 });
      expect(result.status).toBe("FAILED");
      expect(result.errors[0].message).toBe('another sync of source "busy" is still running; try again when it has finished');
    });
  });

  it("syncs different sources in parallel", async () => {
    let releaseHolder!: () => void;
    const holder = t.db.sql.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('tenancy-sync:' || $1, 0))`, ["a"]);
      await new Promise<void>((resolve) => (releaseHolder = resolve));
    });
    // Source "a" is locked; source "b" goes ahead meanwhile.
    const other = await syncInventory(t.db.sql, { source: "b", hosts: [{ id: "b-1" }] }, { lockTimeoutMs: 5000 });
    expect(other.status).toBe("APPLIED");
    releaseHolder();
    await holder;
  });

  it("marks a run whose process died as ABANDONED at the next sync of that source", async () => {
    await t.db.sql.query(`INSERT INTO sync_run (source, status, complete, allow_mass_removal, backend_pid) VALUES ('s', 'RUNNING', true, false, 999999)`);
    await syncInventory(t.db.sql, { source: "s", hosts: [{ id: "h" }] });
    const runs = await t.db.sql.query<{ status: string }>("SELECT status FROM sync_run ORDER BY id");
    expect(runs.map((r) => r.status)).toEqual(["ABANDONED", "APPLIED"]);
  });
});
