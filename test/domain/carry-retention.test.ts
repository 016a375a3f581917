import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { buildTopology } from "../../src/domain/build-topology.ts";
import { fleetReport, type FleetReport } from "../../src/domain/fleet-report.ts";
import { patchedReportSteps, patchStats } from "../../src/domain/patch-report.ts";
import { forgetPatchOrigin } from "../../src/domain/patch-topology.ts";
import { DEFAULT_POLICY } from "../../src/domain/policy.ts";
import { reportFindingsSteps } from "../../src/domain/report-findings.ts";
import { cachedChainOf, forgetPredecessor } from "../../src/domain/separation.ts";
import { carryOf, sharedPlaces, type SharedPlaces } from "../../src/domain/shared-places.ts";
import type { Topology } from "../../src/domain/topology.ts";
import { unitsIndex } from "../../src/domain/units-index.ts";
import { randomInventory } from "../support/random-inventory.ts";
import { patchedTopology, type Fleet } from "../support/patched-fleet.ts";

/*
 * What a sync carries over from the one before (the report's index: patch-shared-places.ts;
 * the report and its findings' digests: patch-report.ts, report-findings.ts) must not keep the
 * one before alive once the service holds only the newest: else each index, report and
 * topology since the last full build would stay in memory, sync after sync. Run as the service
 * runs them (the warm-up, the report patched from the kept one, its digests or not), then a
 * full garbage collection: the first ones are gone, and the carries still happened.
 */

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const run = <T>(steps: Generator<void, T>): T => {
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
};

/** Gone once nothing but weak references hold it (a timer first: a WeakRef read in this turn holds its target until it ends). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  return ref.deref() === undefined;
}

const SYNCS = 6;

/** A fleet changed sync after sync: a pod added on a host each time. */
function syncs() {
  const fleet = randomInventory(3, { known: false, dedication: true, hosts: 8, units: 40 }) as unknown as Fleet;
  let topology = buildTopology(structuredClone(fleet));
  let serial = 0;
  return {
    first: () => topology,
    next(): Topology {
      const was = structuredClone(fleet);
      fleet.containers.push({ id: `c-sync${serial}`, tenant: "t1", workload: "w1", runtime: "runc", host: fleet.hosts[serial++ % fleet.hosts.length].id });
      topology = patchedTopology(topology, was, fleet);
      return topology;
    },
  };
}

/** The warm-up's index, as the service makes it (isolation-index.ts `warm`). */
function warm(topology: Topology): SharedPlaces {
  const index = sharedPlaces(topology);
  forgetPredecessor(topology);
  forgetPatchOrigin(topology);
  return index;
}

describe("what a sync carries over", () => {
  it("lets the index before it go: a carried index does not hold the one it was carried from", async () => {
    const fleet = syncs();
    const first = new WeakRef(warm(fleet.first()));
    let carried = 0;
    for (let i = 0; i < SYNCS; i++) if (carryOf(warm(fleet.next())) !== undefined) carried++;
    expect(carried).toBe(SYNCS);
    expect(await collected(first)).toBe(true);
  });

  it("lets them go when the index is carried across a warm-up the next sync overtook: the middle topology and the index before it", async () => {
    const fleet = syncs();
    const first = new WeakRef(warm(fleet.first()));
    let firstMiddle: WeakRef<Topology> | null = null;
    let [carried, kept] = [0, 0];
    for (let i = 0; i < SYNCS; i++) {
      const middle = fleet.next();
      firstMiddle ??= new WeakRef(middle);
      // Its warm-up overtaken after a few chains (its first steps, a verdict): no index, its origin still held.
      for (const units of unitsIndex(middle).byHost.values()) cachedChainOf(middle, units[0]);
      const carry = carryOf(warm(fleet.next()));
      if (carry !== undefined) carried++;
      if (carry?.unitMap.some((to) => to !== -1)) kept++;
    }
    // Every index was carried across its middle, keeping units: from the one before the middle.
    expect([carried, kept]).toEqual([SYNCS, SYNCS]);
    expect(await collected(first)).toBe(true);
    expect(await collected(firstMiddle!)).toBe(true);
  });

  for (const digested of [false, true])
    it(`lets the reports before it go: a patched report holds the one it was patched from, and only until its digests are worked out (digests ${digested ? "worked out" : "never asked for"})`, async () => {
      const fleet = syncs();
      const topology = fleet.first();
      warm(topology);
      let report: FleetReport = fleetReport(topology, DEFAULT_POLICY);
      const first = new WeakRef(report);
      let previous = first;
      let digests = digested ? run(reportFindingsSteps(report, [])).digests : null;
      let [patched, takenOver] = [0, 0];
      for (let i = 0; i < SYNCS; i++) {
        const next = fleet.next();
        warm(next);
        const stats = patchStats();
        previous = new WeakRef(report);
        report = run(patchedReportSteps(report, next, DEFAULT_POLICY, stats, 1));
        if (stats.full === null) patched++;
        if (!digests) continue;
        const now = run(reportFindingsSteps(report, [])).digests;
        for (const [workload, map] of now.pairs) if (digests.pairs.get(workload) === map) takenOver++;
        digests = now;
      }
      expect(patched).toBe(SYNCS);
      // The digests were still taken over from the report before.
      if (digested) expect(takenOver).toBeGreaterThan(0);
      expect(await collected(first)).toBe(true);
      // The newest report's digests are worked out: the one before is needed no more.
      if (digested) expect(await collected(previous)).toBe(true);
    });
});
