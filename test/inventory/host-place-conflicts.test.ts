import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/domain/policy.ts";
import { isolationVerdict } from "../../src/domain/verdict.ts";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import { loadTopology } from "../../src/isolation/load-topology.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * A host of one source that names a datacenter other than its rack's, the rack synced by
 * another source (docs/snapshots.md, docs/separation.md). Both orders: the host after the
 * rack, and the rack moved under hosts already synced. Each sync is applied with a warning
 * naming the host, its rack, both datacenters and the other source; the verdicts read the
 * host as in neither datacenter; and neither source is ever blocked by the other.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await t.db.sql.exec("TRUNCATE source, source_digest, sync_run, datacenter, datacenter_description, power_domain, network_domain, rack, host, virtual_machine, container, tenant, workload RESTART IDENTITY");
});

/** The DCIM: two campuses with no hazard zone in common, and rack r-7 (in ams1 unless moved). */
const dcim = (rackDatacenter = "ams1") => ({
  source: "dcim",
  complete: true,
  datacenters: [
    { id: "ams1", region: "eu-west", hazardZones: ["seismic:nl"] },
    { id: "fra1", region: "eu-central", hazardZones: ["flood:rhine"] },
  ],
  powerDomains: [{ id: "pdu-7", datacenter: rackDatacenter }],
  networkDomains: [{ id: "tor-7", datacenter: rackDatacenter }],
  racks: [{ id: "r-7", datacenter: rackDatacenter, powerDomains: ["pdu-7"], networkDomains: ["tor-7"] }],
});
/** The CMDB: host h-7 on rack r-7 (naming `named` beside it, when given), and the shop's checkout VM on it. */
const cmdb = (named?: string) => ({
  source: "cmdb",
  complete: true,
  hosts: [{ id: "h-7", rack: "r-7", ...(named ? { datacenter: named } : {}) }],
  tenants: [{ id: "shop", organization: "shop" }],
  workloads: [{ id: "checkout", tenant: "shop", minimumIsolation: "DATACENTER" }],
  virtualMachines: [{ id: "v-checkout", host: "h-7", tenant: "shop", workload: "checkout" }],
});
/** A cloud account: a rival's VM with a hidden host in one campus. */
const cloud = (datacenter: string) => ({
  source: "aws-rival",
  complete: true,
  tenants: [{ id: "rival", organization: "rival" }],
  virtualMachines: [{ id: `i-0${datacenter}`, datacenter, tenant: "rival" }],
});

/** checkout against the rival as the service reads the database now: the outcome and the levels of the weakest pair. */
async function checkoutAgainstRival() {
  const { topology } = await loadTopology(t.db.sql);
  const v = isolationVerdict(topology, "checkout", "rival", DEFAULT_POLICY);
  return `${v.outcome} ${v.actual}/${v.possible}`;
}

describe("a host naming another datacenter than its rack's, the rack from another source", () => {
  it("the host synced after the rack: applied with a warning naming both, and no isolation proven from either datacenter", async () => {
    await syncInventory(t.db.sql, dcim());
    await syncInventory(t.db.sql, cloud("fra1"));
    const warning = {
      path: ["hosts", "0", "datacenter"],
      message: `host "h-7" names datacenter "fra1", but its rack "r-7" is in datacenter "ams1" (source "dcim"); kept, but read as in neither datacenter until they agree: a host that names its rack alone never disagrees`,
    };
    // A dry run says so too, and writes nothing.
    expect(await syncInventory(t.db.sql, cmdb("fra1"), { dryRun: true })).toMatchObject({ status: "APPLIED", errors: [], warnings: [warning] });
    expect(await t.db.sql.query(`SELECT key FROM host`)).toEqual([]);
    expect(await syncInventory(t.db.sql, cmdb("fra1"))).toMatchObject({ status: "APPLIED", errors: [], warnings: [warning] });
    // It was read as in ams1 (the rack's): ISOLATED, HAZARD_ZONE from i-0fra1, though the host says fra1.
    expect(await checkoutAgainstRival()).toBe("UNPROVEN VIRTUAL_MACHINE/PLANET");
    const [run] = await t.db.sql.query<{ status: string; warnings: unknown }>(`SELECT status, warnings FROM sync_run WHERE source = 'cmdb' ORDER BY id DESC LIMIT 1`);
    expect(run).toEqual({ status: "APPLIED", warnings: [warning] });
    // The same snapshot again changes nothing, and still says so.
    expect(await syncInventory(t.db.sql, cmdb("fra1"))).toMatchObject({ status: "UNCHANGED", warnings: [warning] });
    // Naming the rack alone never disagrees: the host is in ams1, proven apart from i-0fra1.
    expect(await syncInventory(t.db.sql, cmdb())).toMatchObject({ status: "APPLIED", warnings: [] });
    expect(await checkoutAgainstRival()).toBe("ISOLATED HAZARD_ZONE/HAZARD_ZONE");
  });

  it("the rack moved under the other source's hosts: applied with a warning on the rack; then the hosts follow, and neither source was ever blocked", async () => {
    await syncInventory(t.db.sql, dcim("ams1"));
    await syncInventory(t.db.sql, cloud("ams1"));
    expect(await syncInventory(t.db.sql, cmdb("ams1"))).toMatchObject({ status: "APPLIED", warnings: [] });
    expect(await checkoutAgainstRival()).toBe("NOT_ISOLATED VIRTUAL_MACHINE/RACK");
    // The DCIM moves r-7 to fra1; the CMDB has not heard yet.
    const moved = await syncInventory(t.db.sql, dcim("fra1"));
    expect(moved).toMatchObject({ status: "APPLIED", errors: [] });
    expect(moved.warnings).toEqual([
      {
        path: ["racks", "0", "datacenter"],
        message: `rack "r-7" is in datacenter "fra1", but host "h-7" of source "cmdb" names datacenter "ams1"; kept, but that host is read as in neither datacenter until they agree: a host that names its rack alone never disagrees`,
      },
    ]);
    // It was read as in fra1 (the rack's): ISOLATED, HAZARD_ZONE from i-0ams1, though the host says ams1.
    expect(await checkoutAgainstRival()).toBe("UNPROVEN VIRTUAL_MACHINE/PLANET");
    // The CMDB's next export names fra1: applied, nothing left to warn about, the host known in fra1.
    expect(await syncInventory(t.db.sql, cmdb("fra1"))).toMatchObject({ status: "APPLIED", warnings: [] });
    expect(await checkoutAgainstRival()).toBe("ISOLATED HAZARD_ZONE/HAZARD_ZONE");
  });

  it("names every source of the hosts a moved rack leaves behind, once per datacenter they name", async () => {
    await syncInventory(t.db.sql, dcim("ams1"));
    await syncInventory(t.db.sql, { source: "cmdb", hosts: ["h-1", "h-2", "h-3"].map((id) => ({ id, rack: "r-7", datacenter: "ams1" })) });
    await syncInventory(t.db.sql, {
      source: "netbox",
      hosts: [
        { id: "nb-1", rack: "r-7", datacenter: "ams1" },
        { id: "nb-2", rack: "r-7" },
      ],
    });
    const moved = await syncInventory(t.db.sql, dcim("fra1"));
    expect(moved.warnings.map((w) => w.message)).toEqual([
      `rack "r-7" is in datacenter "fra1", but host "h-1" and 3 more of sources "cmdb" and "netbox" name datacenter "ams1"; kept, but those hosts are read as in neither datacenter until they agree: a host that names its rack alone never disagrees`,
    ]);
    // An unchanged resync of the racks moved nothing: it is read-only and repeats nothing.
    expect(await syncInventory(t.db.sql, dcim("fra1"))).toMatchObject({ status: "UNCHANGED", warnings: [] });
  });
});
