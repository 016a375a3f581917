import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, readMigrations } from "../../src/db/migrator.ts";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * A database from before shared datacenters keeps its data: each datacenter becomes a
 * description of the source that owned it, the union says the same as the old row, and the
 * owners' next syncs change nothing while another source can now describe the same place.
 */
const MIGRATION = "20261130010000_shared_datacenters";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrated: false });
});
afterAll(async () => t.drop());

const aws = {
  source: "aws-prod",
  complete: true,
  datacenters: [{ id: "euw1-az3", provider: "aws", region: "eu-west-1" }],
  tenants: [{ id: "acme", organization: "acme" }],
  virtualMachines: [{ id: "i-1", datacenter: "euw1-az3", tenant: "acme" }],
};
const moon = { source: "dcim-moon", complete: true, datacenters: [{ id: "moon1", planet: "moon", hazardZones: ["meteorite"] }] };

describe(`migration ${MIGRATION}`, () => {
  it("turns every existing datacenter into its owner's description", async () => {
    const all = await readMigrations();
    const before = all.filter((m) => m.name < MIGRATION);
    expect(all.some((m) => m.name === MIGRATION)).toBe(true);
    await migrate(t.db.sql, before);
    // Synced by the code of the time: one row per datacenter, owned by one source.
    await t.db.sql.exec(`
      INSERT INTO source (key, last_synced_at) VALUES ('aws-prod', now()), ('dcim-moon', now());
      INSERT INTO datacenter (key, source, provider, region, hazard_zones, planet) VALUES
        ('euw1-az3', 'aws-prod', 'aws', 'eu-west-1', '{}', 'earth'),
        ('moon1', 'dcim-moon', NULL, NULL, '{meteorite}', 'moon');
      INSERT INTO tenant (key, source, organization) VALUES ('acme', 'aws-prod', 'acme');
      INSERT INTO virtual_machine (key, source, datacenter, tenant) VALUES ('i-1', 'aws-prod', 'euw1-az3', 'acme');
      INSERT INTO source_digest (source, kind, digest) VALUES ('aws-prod', 'datacenters', 'old'), ('aws-prod', 'tenants', 'kept');
    `);
    expect(
      await migrate(
        t.db.sql,
        all.filter((m) => m.name <= MIGRATION),
      ),
    ).toEqual([MIGRATION]);

    expect(await t.db.sql.query(`SELECT key, source, provider, region, hazard_zones, planet FROM datacenter_description ORDER BY key`)).toEqual([
      { key: "euw1-az3", source: "aws-prod", provider: "aws", region: "eu-west-1", hazard_zones: [], planet: null },
      { key: "moon1", source: "dcim-moon", provider: null, region: null, hazard_zones: ["meteorite"], planet: "moon" },
    ]);
    expect(await t.db.sql.query(`SELECT key, sources, hazard_zones, planet FROM datacenter ORDER BY key`)).toEqual([
      { key: "euw1-az3", sources: ["aws-prod"], hazard_zones: [], planet: "earth" },
      { key: "moon1", sources: ["dcim-moon"], hazard_zones: ["meteorite"], planet: "moon" },
    ]);
    expect(await t.db.sql.query(`SELECT source, kind FROM source_digest ORDER BY kind`)).toEqual([{ source: "aws-prod", kind: "tenants" }]);

    // Today's sync code runs on today's schema: the later migrations first, as a service's start applies them.
    await migrate(t.db.sql, all);
    // The owners' snapshots find what they had; a second account now describes the same zone.
    expect((await syncInventory(t.db.sql, moon)).status).toBe("UNCHANGED");
    const again = await syncInventory(t.db.sql, aws);
    expect(again.changes.datacenters).toEqual({ created: 0, updated: 0, removed: 0, unchanged: 1 });
    const second = await syncInventory(t.db.sql, { ...aws, source: "aws-dev", virtualMachines: [{ id: "i-2", datacenter: "euw1-az3", tenant: "acme" }], tenants: [] });
    expect(second.status).toBe("APPLIED");
    expect(await t.db.sql.query(`SELECT sources FROM datacenter WHERE key = 'euw1-az3'`)).toEqual([{ sources: ["aws-dev", "aws-prod"] }]);
  });
});
