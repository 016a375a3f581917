import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrate } from "../../src/db/migrator.ts";
import { openDatabase, type Database } from "../../src/db/open-database.ts";
import { auditWorkload } from "../../src/domain/anti-affinity.ts";
import { DEFAULT_POLICY } from "../../src/domain/policy.ts";
import { isolationVerdict } from "../../src/domain/verdict.ts";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import { IsolationIndex } from "../../src/isolation/isolation-index.ts";
import { loadTopologyFor } from "../../src/isolation/load-topology.ts";
import { createTestDatabase } from "../support/test-database.ts";

/*
 * Places many sources see (docs/snapshots.md): several sources describe
 * one datacenter, each description kept apart, the datacenter their union. The same rules on
 * real PostgreSQL and on the embedded PGlite.
 */
interface Engine {
  db: Database;
  close(): Promise<void>;
}

const ENGINES: [string, () => Promise<Engine>][] = [
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
      const dir = await mkdtemp(path.join(tmpdir(), "tenancy-shared-dc-"));
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

/** An AWS account's snapshot: its view of zone euw1-az3 and one VM of its tenant there. */
const account = (source: string, tenant: string, organization: string, zone: Record<string, unknown> = {}, complete = true) => ({
  source,
  complete,
  datacenters: [{ id: "euw1-az3", provider: "aws", region: "eu-west-1", ...zone }],
  tenants: [{ id: tenant, organization }],
  workloads: [{ id: `${tenant}-app`, tenant }],
  virtualMachines: [{ id: `${source}-vm`, datacenter: "euw1-az3", tenant, workload: `${tenant}-app` }],
});

describe.each(ENGINES)("shared datacenters on %s", (_name, open) => {
  let engine: Engine;
  let sql: Database["sql"];
  beforeAll(async () => {
    engine = await open();
    sql = engine.db.sql;
  });
  afterAll(async () => engine.close());
  beforeEach(async () => {
    await sql.exec("TRUNCATE source, source_digest, sync_run, datacenter, datacenter_description, tenant, workload, virtual_machine, host, rack RESTART IDENTITY");
  });

  const datacenter = async (key: string) => (await sql.query(`SELECT key, sources, name, provider, region, hazard_zones, planet FROM datacenter WHERE key = $1`, [key]))[0];
  const descriptions = async (key: string) => sql.query(`SELECT source, region, hazard_zones, planet FROM datacenter_description WHERE key = $1 ORDER BY source`, [key]);

  it("two sources describe one datacenter: both sync, and the datacenter is their union", async () => {
    const a = await syncInventory(sql, account("aws-prod", "acme", "acme", { hazardZones: ["flood:liffey"] }));
    const b = await syncInventory(sql, account("aws-dev", "globex", "globex", { name: "Dublin 3", hazardZones: ["seismic:ie", "flood:liffey"] }));
    expect([a.status, b.status]).toEqual(["APPLIED", "APPLIED"]);
    expect(b.errors).toEqual([]);
    expect(b.changes.datacenters).toEqual({ created: 1, updated: 0, removed: 0, unchanged: 0 });
    expect(await datacenter("euw1-az3")).toEqual({
      key: "euw1-az3",
      sources: ["aws-dev", "aws-prod"],
      name: "Dublin 3",
      provider: "aws",
      region: "eu-west-1",
      // By source key, then each list's order, each zone once.
      hazard_zones: ["seismic:ie", "flood:liffey"],
      planet: "earth",
    });
    expect(await descriptions("euw1-az3")).toEqual([
      { source: "aws-dev", region: "eu-west-1", hazard_zones: ["seismic:ie", "flood:liffey"], planet: null },
      { source: "aws-prod", region: "eu-west-1", hazard_zones: ["flood:liffey"], planet: null },
    ]);
    // Resyncing either changes nothing.
    expect((await syncInventory(sql, account("aws-prod", "acme", "acme", { hazardZones: ["flood:liffey"] }))).status).toBe("UNCHANGED");
    expect((await syncInventory(sql, { ...account("aws-dev", "globex", "globex", { name: "Dublin 3", hazardZones: ["seismic:ie", "flood:liffey"] }), complete: false })).status).toBe("UNCHANGED");
  });

  it("refuses the later snapshot when a scalar disagrees, naming the field and the other source, and writes nothing", async () => {
    await syncInventory(sql, account("aws-prod", "acme", "acme"));
    const before = await datacenter("euw1-az3");
    const refused = await syncInventory(sql, account("aws-dev", "globex", "globex", { region: "eu-west-2", planet: "moon", hazardZones: ["z"] }));
    expect(refused.status).toBe("REFUSED");
    expect(refused.errors).toEqual([
      {
        path: ["datacenters", "0", "region"],
        message: 'datacenter "euw1-az3": region "eu-west-2" disagrees with source "aws-prod", which gives "eu-west-1"; the sources that describe one datacenter must agree',
      },
    ]);
    // The planet nobody else gave is no disagreement; nothing of the refused snapshot is written.
    expect(await datacenter("euw1-az3")).toEqual(before);
    expect(await descriptions("euw1-az3")).toHaveLength(1);
    expect(await sql.query(`SELECT key FROM virtual_machine WHERE source = 'aws-dev'`)).toEqual([]);
    expect(await sql.query(`SELECT key FROM tenant WHERE key = 'globex'`)).toEqual([]);
    const [run] = await sql.query<{ status: string }>(`SELECT status FROM sync_run WHERE source = 'aws-dev'`);
    expect(run.status).toBe("REFUSED");
    // Every scalar is checked, and an incomplete snapshot just the same.
    const names = await syncInventory(sql, { source: "places", datacenters: [{ id: "euw1-az3", name: "x", provider: "gcp", region: "eu-west-1" }] });
    expect(names.errors.map((e) => e.path.join("."))).toEqual(["datacenters.0.provider"]);
  });

  it("a complete snapshot removes only its own description; the datacenter leaves with the last one", async () => {
    await syncInventory(sql, account("aws-prod", "acme", "acme", { hazardZones: ["flood:liffey"] }));
    await syncInventory(sql, account("aws-dev", "globex", "globex", { hazardZones: ["seismic:ie"] }));
    const gone = await syncInventory(sql, { source: "aws-prod", complete: true, tenants: [{ id: "acme", organization: "acme" }] }, { allowMassRemoval: true });
    expect(gone.status).toBe("APPLIED");
    expect(gone.changes.datacenters).toEqual({ created: 0, updated: 0, removed: 1, unchanged: 0 });
    expect(await datacenter("euw1-az3")).toMatchObject({ sources: ["aws-dev"], hazard_zones: ["seismic:ie"], region: "eu-west-1" });
    // aws-dev's VM still stands in it: no dangling reference.
    expect((await syncInventory(sql, account("aws-dev", "globex", "globex", { hazardZones: ["seismic:ie"] }))).warnings).toEqual([]);

    const last = await syncInventory(sql, { source: "aws-dev", complete: true, tenants: [{ id: "globex", organization: "globex" }] }, { allowMassRemoval: true });
    expect(last.changes.datacenters.removed).toBe(1);
    expect(await datacenter("euw1-az3")).toBeUndefined();
    expect(await descriptions("euw1-az3")).toEqual([]);
  });

  it("a verdict over units of two accounts in one zone id does not report DATACENTER separation", async () => {
    // The accounts disagree on nothing, but each adds its own hazard zone: the union holds both.
    await syncInventory(sql, account("aws-prod", "acme", "acme", { hazardZones: ["flood:liffey"] }));
    await syncInventory(sql, account("aws-dev", "globex", "globex", { hazardZones: ["seismic:ie"] }));
    const policy = { ...DEFAULT_POLICY, otherOrganization: "HOST" as const };
    const index = new IsolationIndex(sql);
    const view = await index.view();
    const verdict = isolationVerdict(view.topology, "acme-app", "globex", policy, view.freshness);
    // Hidden hosts in one datacenter: a shared host is possible, so HOST is not proven.
    expect(verdict).toMatchObject({ outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE", possible: "RACK" });
    expect(verdict.weakest?.shared).toMatchObject({ kind: "POSSIBLE_HOST", datacenter: "euw1-az3" });
    const fromSql = isolationVerdict(await loadTopologyFor(sql, "acme-app", "globex"), "acme-app", "globex", policy);
    expect([fromSql.outcome, fromSql.actual, fromSql.possible]).toEqual(["UNPROVEN", "VIRTUAL_MACHINE", "RACK"]);

    // Two zones, each described by one account, meet in a hazard zone that only the union of
    // euw1-az3's descriptions holds: DATACENTER, not HAZARD_ZONE.
    await syncInventory(sql, {
      source: "aws-dev",
      datacenters: [{ id: "euw1-az1", region: "eu-west-1", hazardZones: ["seismic:ie"] }],
      virtualMachines: [{ id: "aws-dev-vm", datacenter: "euw1-az1", tenant: "globex", workload: "globex-app" }],
    });
    const moved = isolationVerdict((await index.view()).topology, "acme-app", "globex", policy);
    expect([moved.actual, moved.possible]).toEqual(["DATACENTER", "DATACENTER"]);
  });

  it("two accounts' spread groups in one shared zone: racks apart within a group, a possibly shared host across groups", async () => {
    // Each account's spread group, as the AWS connector maps it: every member a slot of its group.
    const spread = (source: string, tenant: string, group: string, members: string[]) => ({
      source,
      datacenters: [{ id: "euw1-az3", provider: "aws", region: "eu-west-1" }],
      tenants: [{ id: tenant, organization: tenant }],
      workloads: [{ id: `${tenant}-app`, tenant, antiAffinity: [{ level: "RACK", maxPerDomain: 1, mode: "HARD" }] }],
      racks: members.map((m) => ({ id: `aws-spread/${group}/${m}`, datacenter: "euw1-az3" })),
      hosts: members.map((m) => ({ id: `aws-spread/${group}/${m}`, rack: `aws-spread/${group}/${m}`, placementGroup: `aws/${group}` })),
      virtualMachines: members.map((m) => ({ id: m, host: `aws-spread/${group}/${m}`, tenant, workload: `${tenant}-app` })),
    });
    expect((await syncInventory(sql, spread("aws-prod", "acme", "pg-0a", ["i-a1", "i-a2"]))).status).toBe("APPLIED");
    expect((await syncInventory(sql, spread("aws-dev", "globex", "pg-0b", ["i-b1"]))).status).toBe("APPLIED");
    expect(await sql.query(`SELECT key, placement_group FROM host ORDER BY key`)).toEqual([
      { key: "aws-spread/pg-0a/i-a1", placement_group: "aws/pg-0a" },
      { key: "aws-spread/pg-0a/i-a2", placement_group: "aws/pg-0a" },
      { key: "aws-spread/pg-0b/i-b1", placement_group: "aws/pg-0b" },
    ]);
    const policy = { ...DEFAULT_POLICY, sameTenant: "RACK" as const, otherOrganization: "HOST" as const };
    const view = await new IsolationIndex(sql).view();
    // Across the two groups, AWS promises nothing: they may share a host.
    const across = isolationVerdict(view.topology, "acme-app", "globex", policy, view.freshness);
    expect(across).toMatchObject({ outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE", possible: "RACK" });
    const fromSql = isolationVerdict(await loadTopologyFor(sql, "acme-app", "globex"), "acme-app", "globex", policy);
    expect([fromSql.outcome, fromSql.actual, fromSql.possible]).toEqual(["UNPROVEN", "VIRTUAL_MACHINE", "RACK"]);
    // Within acme's group, racks are apart: its rack rule holds, every replica counted.
    const [rule] = auditWorkload(view.topology, "acme-app");
    expect([rule.violations, rule.unverifiable, rule.domains.size]).toEqual([[], [], 2]);
  });

  it("the verdict's inventoryAsOf is the oldest sync among every source that describes its datacenter", async () => {
    await syncInventory(sql, account("aws-prod", "acme", "acme"));
    await syncInventory(sql, account("aws-dev", "globex", "globex"));
    await syncInventory(sql, { source: "places", datacenters: [{ id: "euw1-az3", hazardZones: ["flood:liffey"] }] });
    await sql.exec(`UPDATE source SET last_synced_at = '2026-01-01T00:00:00Z' WHERE key = 'places'`);
    const view = await new IsolationIndex(sql).view();
    const verdict = isolationVerdict(view.topology, "acme-app", "globex", DEFAULT_POLICY, view.freshness);
    expect(verdict.inventoryAsOf?.toISOString()).toBe("2026-01-01T00:00:00.000Z");
  });
});

describe("shared datacenters under concurrent syncs (PostgreSQL)", () => {
  it("two disagreeing sources syncing at once: exactly one is refused, and the union stays consistent", async () => {
    const t = await createTestDatabase();
    try {
      for (let round = 0; round < 5; round++) {
        const zone = `dc-${round}`;
        const results = await Promise.all(["west", "east"].map((region, i) => syncInventory(t.db.sql, { source: `account-${i}`, datacenters: [{ id: zone, region, hazardZones: [`z-${i}`] }] })));
        expect(results.map((r) => r.status).sort()).toEqual(["APPLIED", "REFUSED"]);
        const winner = results.find((r) => r.status === "APPLIED")!.source;
        expect(await t.db.sql.query(`SELECT sources, hazard_zones FROM datacenter WHERE key = $1`, [zone])).toEqual([{ sources: [winner], hazard_zones: [`z-${winner!.slice(-1)}`] }]);
      }
      // Agreeing sources at once: both land in the union.
      const both = await Promise.all(["a", "b"].map((s) => syncInventory(t.db.sql, { source: s, datacenters: [{ id: "dc-both", region: "r", hazardZones: [s] }] })));
      expect(both.map((r) => r.status)).toEqual(["APPLIED", "APPLIED"]);
      expect(await t.db.sql.query(`SELECT sources, hazard_zones FROM datacenter WHERE key = 'dc-both'`)).toEqual([{ sources: ["a", "b"], hazard_zones: ["a", "b"] }]);
    } finally {
      await t.drop();
    }
  });
});
