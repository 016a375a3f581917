import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { antiAffinityViolationsSteps, auditWorkload, type Violation } from "../../src/domain/anti-affinity.ts";
import type { Topology } from "../../src/domain/topology.ts";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import { backgroundSlices } from "../../src/isolation/background-slices.ts";
import { IsolationIndex } from "../../src/isolation/isolation-index.ts";
import { fleetSnapshot } from "../support/snapshots.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * The fleet's anti-affinity violations are computed in slices, as background work, not in one
 * block: on fleet M the one block held the event loop 0.6 to 2 s while a verdict or
 * /healthz waited. 400 workloads with a maxSkew rule over 400 hosts (such a rule scans every
 * host, or rack, of its datacenters for the eligible domains) make it long on any machine
 * (a quarter of a second here); the test counts the slices granted to it and the turns the
 * event loop took meanwhile, and holds the result to the one-block computation it replaces.
 */
const HOSTS = 400;
const LEVELS = ["HOST", "RACK", "HOST", "DATACENTER"] as const;
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  const snapshot = fleetSnapshot("slices", HOSTS, 3, 0) as ReturnType<typeof fleetSnapshot> & { workloads: unknown[] };
  // Workload i: a VM on host i and one on host i+1, or (every third) both on host i: a crowded host.
  snapshot.workloads = Array.from({ length: HOSTS }, (_, i) => ({ id: `w-${i}`, tenant: "tenant", antiAffinity: [{ level: LEVELS[i % LEVELS.length], maxSkew: 1, ...(i % 5 === 0 ? { minDomains: 2 } : {}) }] }));
  for (let i = 0; i < HOSTS; i++) {
    snapshot.virtualMachines[3 * i].workload = `w-${i}`;
    snapshot.virtualMachines[i % 3 === 0 ? 3 * i + 1 : 3 * ((i + 1) % HOSTS) + 2].workload = `w-${i}`;
  }
  expect((await syncInventory(t.db.sql, snapshot)).status).toBe("APPLIED");
}, 120_000);
afterAll(async () => {
  await t?.drop();
});

/** What the index computed before, in one block: every workload's audit, by workload key. */
function oneBlock(topology: Topology): Violation[] {
  return [...topology.workloads.keys()].sort().flatMap((key) => auditWorkload(topology, key).flatMap((audit) => audit.violations));
}

/** Counts the turns of the event loop (setImmediate after setImmediate) until stopped. */
function turnCounter() {
  let turns = 0;
  let stopped = false;
  const turn = () => {
    if (stopped) return;
    turns++;
    setImmediate(turn);
  };
  setImmediate(turn);
  return {
    stop: () => {
      stopped = true;
      return turns;
    },
  };
}

describe("the fleet's anti-affinity violations", () => {
  it("come in steps: a workload whose maxSkew rule scans every host is one of its own, and they add up to the one-block computation", async () => {
    const view = await new IsolationIndex(t.db.sql).view({ background: true });
    await view.warmed();
    const generator = antiAffinityViolationsSteps(view.topology);
    let steps = 0;
    let step = generator.next();
    for (; !step.done; step = generator.next()) steps++;
    // Half the workloads have a maxSkew rule at HOST: each scans every host, a step of its own.
    expect(steps).toBeGreaterThanOrEqual(HOSTS / 2);
    expect(step.value).toEqual(oneBlock(view.topology));
  });

  it("are computed by the index in slices of background work, the event loop turning meanwhile, and equal the one-block computation", async () => {
    const index = new IsolationIndex(t.db.sql);
    // Asked as the findings update asks (background): nothing promotes it, each slice is granted.
    const view = await index.view({ background: true });
    await view.warmed();
    const granted = backgroundSlices.granted.idle;
    const counter = turnCounter();
    const violations = await view.violations();
    const turns = counter.stop();
    const slices = backgroundSlices.granted.idle - granted;
    // In one block it would be no slice at all, and no turn of the event loop until it ended.
    expect(slices).toBeGreaterThanOrEqual(3);
    expect(turns).toBeGreaterThanOrEqual(slices - 1);
    expect(violations.length).toBeGreaterThan(HOSTS / 3);
    expect(violations).toEqual(oneBlock(view.topology));
    // Kept: asked again (by a request now), the same list, computed no more.
    const again = await (await index.view()).violations();
    expect(again).toBe(violations);
    expect(backgroundSlices.granted.idle - granted).toBe(slices);
  });
});
