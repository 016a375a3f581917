import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/domain/policy.ts";
import { isolationVerdict } from "../../src/domain/verdict.ts";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import { IsolationIndex } from "../../src/isolation/isolation-index.ts";
import { loadTopologyFor } from "../../src/isolation/load-topology.ts";
import { generateFleet, random } from "../../bench/fleet.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * The in-memory index must give the answers that SQL alone gives: for many random pairs,
 * the verdict over the whole indexed fleet equals the verdict over only what a recursive SQL
 * walk loads for that pair.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  const fleet = generateFleet({ name: "test", hosts: 60, vms: 400, containers: 1200, tenants: 30, workloads: 120 }, 11);
  // Some KubeVirt VMs inside containers, and references nobody synced.
  fleet.virtualMachines.push({ id: "kv-1", container: "ct-1", tenant: "tenant-1", workload: "workload-1" }, { id: "kv-2", container: "ct-unsynced", tenant: "tenant-2", workload: "workload-2" });
  (fleet.containers as Record<string, unknown>[]).push({ id: "ct-in-kv", virtualMachine: "kv-1", tenant: "tenant-3", workload: "workload-3" });
  expect((await syncInventory(t.db.sql, fleet)).status).toBe("APPLIED");
});
afterAll(async () => t.drop());

describe("the isolation index", () => {
  it("gives the same verdicts as SQL alone", async () => {
    const view = await new IsolationIndex(t.db.sql).view();
    const rnd = random(5);
    const workloads = [...view.topology.workloads.keys()];
    const tenants = [...view.topology.tenants.keys()];
    const cases = [
      ["workload-1", "tenant-3"],
      ["workload-2", "tenant-2"],
      ["workload-3", "tenant-1"],
    ];
    for (let i = 0; i < 60; i++) cases.push([workloads[Math.floor(rnd() * workloads.length)], tenants[Math.floor(rnd() * tenants.length)]]);
    let notIsolated = 0;
    for (const [workload, tenant] of cases) {
      const fromIndex = isolationVerdict(view.topology, workload, tenant, DEFAULT_POLICY);
      const fromSql = isolationVerdict(await loadTopologyFor(t.db.sql, workload, tenant), workload, tenant, DEFAULT_POLICY);
      // eslint-disable-next-line @typescript-eslint/unbound-method -- evidence is a closure over the verdict's pairs (verdict.ts), it reads no `this`
      const shape = ({ evidence, ...v }: typeof fromIndex) => ({ ...v, evidence: evidence(10_000) });
      expect(shape(fromSql), `${workload} / ${tenant}`).toEqual(shape(fromIndex));
      if (fromIndex.outcome !== "ISOLATED") notIsolated++;
    }
    expect(notIsolated).toBeGreaterThan(0);
  });

  it("reloads when a sync moves the inventory on, and only then", async () => {
    const index = new IsolationIndex(t.db.sql);
    const first = await index.view();
    const again = await index.view();
    expect(again.topology).toBe(first.topology);
    await syncInventory(t.db.sql, { source: "late", hosts: [{ id: "late-host" }] });
    const after = await index.view();
    expect(after.inventoryVersion).toBe(first.inventoryVersion + 1);
    expect(after.topology.hosts.has("late-host")).toBe(true);
    // An unchanged resync does not.
    await syncInventory(t.db.sql, { source: "late", hosts: [{ id: "late-host" }] });
    expect((await index.view()).topology).toBe(after.topology);
  });
});
