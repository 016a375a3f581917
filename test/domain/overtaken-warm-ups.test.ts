import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { antiAffinityViolations, replicasOf, replicasSteps } from "../../src/domain/anti-affinity.ts";
import { buildTopology } from "../../src/domain/build-topology.ts";
import { fleetReport, type FleetReport } from "../../src/domain/fleet-report.ts";
import { patchedReportSteps, patchStats } from "../../src/domain/patch-report.ts";
import { flattenTopologySteps, forgetPatchOrigin, keysChangedSince } from "../../src/domain/patch-topology.ts";
import { DEFAULT_POLICY, type Policy } from "../../src/domain/policy.ts";
import { reportFindingsSteps } from "../../src/domain/report-findings.ts";
import { ANTI_AFFINITY_LEVELS } from "../../src/domain/scale.ts";
import { cachedChainOf, chainOf, forgetPredecessor, type Chain } from "../../src/domain/separation.ts";
import { builtSharedPlaces, carryOf, sharedPlaces, sharedPlacesSteps, type SharedPlaces } from "../../src/domain/shared-places.ts";
import { TABLES } from "../../src/domain/place-numbering.ts";
import type { Topology } from "../../src/domain/topology.ts";
import { unitsIndex, unitsIndexSteps } from "../../src/domain/units-index.ts";
import { randomInventory, rng } from "../support/random-inventory.ts";
import { canonicalPlaces } from "../support/shared-places-canonical.ts";
import { mutationKit } from "../support/mutation-kit.ts";
import { podsFleet } from "../support/pods-fleet.ts";
import { patchedTopology, rowsOf, type Fleet } from "../support/patched-fleet.ts";

/*
 * Warm-ups overtaken by the next sync, as the service meets them (src/isolation/isolation-index.ts
 * `warm`, driven step by step and stopped when the next sync lands): the index of a topology is
 * then carried from the nearest one before it that was built (patch-topology.ts `nearestOrigin`),
 * across one or several topologies whose warm-up stopped anywhere (in the flattening, part way
 * through their index, in the replicas), chains made by verdicts on them, and a middle's index
 * built late by a report a view of it asked for, even while the next one's warm-up is under way.
 * Every index, report, its findings' digests, the replicas and the violations must be those of a
 * fresh full build: carrying a unit across a middle whose change reached it would report
 * isolation the data no longer proves. The tallies show the carries across middles kept units and
 * carried report rows, so that the comparison proved something about them.
 */

const LEVELS = [null, "CONTAINER", "VIRTUAL_MACHINE", "HOST", "RACK", "DATACENTER", "HAZARD_ZONE", "PLANET"];
const POLICIES: Policy[] = [
  DEFAULT_POLICY,
  { version: 1, sameTenant: "PROCESS", sameOrganization: "HOST", otherOrganization: "RACK" },
  { version: 2, sameTenant: "CONTAINER", sameOrganization: "DATACENTER", otherOrganization: "HAZARD_ZONE" },
];

/** A topology of the sequence, the fleet it stands for, and what the simulated service did with it. */
interface Stage {
  topology: Topology;
  fleet: Fleet;
  origin: Stage | null;
  /** Its warm-up, while it has not ended. */
  warmUp: Generator<void, void> | null;
  stale: boolean;
  reported: boolean;
}

/**
 * Changes of every kind a sync makes, weighted to those a carry across a middle could miss: a
 * unit's host, rack or datacenter moved under it, its workload's tenant or minimum changed,
 * dedication and who holds a host, a container's VM replaced by another of the same key, and a
 * record put back as it was two syncs ago (changed in the middle, changed back).
 */
function mutator(fleet: Fleet, r: () => number, older: () => Fleet | null) {
  const { pick, chance, ids, tenant, workload, placeVm, placeContainer, remove, unit, newKey, intrude, uniqueKeys } = mutationKit(fleet, r);
  // A VM that containers run in, replaced: the same key, another record (elsewhere, or another tenant's).
  const replaceVm = () => {
    const hosting = fleet.virtualMachines.filter((v) => !v.container && fleet.containers.some((c) => c.virtualMachine === v.id));
    if (hosting.length === 0) return;
    const vm = pick(hosting);
    fleet.virtualMachines.splice(fleet.virtualMachines.indexOf(vm), 1);
    fleet.virtualMachines.push(chance(0.5) ? placeVm({ ...vm }) : { ...vm, tenant: tenant(), dedicated: !vm.dedicated });
  };
  // A record put back as it was two syncs ago (or removed if it was not there): changed in the middle, changed back.
  const putBack = () => {
    const was = older();
    if (!was) return;
    const part = pick(["hosts", "racks", "virtualMachines", "containers", "workloads", "datacenters"] as const);
    const key = pick([...ids(part), ...was[part].map((o) => o.id)]);
    const then = was[part].find((o) => o.id === key);
    fleet[part] = fleet[part].filter((o) => o.id !== key);
    if (then) fleet[part].push(structuredClone(then));
  };
  const moveHost = () => {
    const host = pick(fleet.hosts);
    delete host.datacenter;
    host.rack = chance(0.85) ? pick(ids("racks")) : "r-dangling";
    if (host.rack === "r-dangling" && chance(0.5)) host.datacenter = pick(ids("datacenters"));
  };
  const mutations = [
    () => fleet.virtualMachines.push(placeVm({ id: newKey("v-new"), tenant: tenant(), workload: workload(), dedicated: chance(0.2) })),
    () => fleet.containers.push(placeContainer({ id: newKey("c-new"), tenant: tenant(), workload: workload(), runtime: pick(["runc", "gvisor", "kata"]) })),
    intrude,
    replaceVm,
    putBack,
    putBack,
    moveHost,
    moveHost,
    () => remove("virtualMachines"),
    () => remove("containers"),
    () => placeVm(pick(fleet.virtualMachines)),
    () => placeContainer(pick(fleet.containers)),
    () => Object.assign(unit(), { tenant: tenant(), workload: workload() }),
    () => Object.assign(pick(fleet.containers), { runtime: pick(["runc", "crun", "gvisor", "kata"]) }),
    () => Object.assign(pick(fleet.virtualMachines), { dedicated: chance(0.5) }),
    () => Object.assign(pick(fleet.hosts), { dedicatedTo: chance(0.5) ? tenant() : null, placementGroup: chance(0.3) ? pick(["g1", "g2"]) : null }),
    () => Object.assign(pick(fleet.racks), { powerDomains: ["p1", "p2", "p3"].filter(() => chance(0.4)), networkDomains: ["n1", "n2"].filter(() => chance(0.4)) }),
    () => Object.assign(pick(fleet.racks), { datacenter: pick(ids("datacenters")) }),
    () => Object.assign(pick(fleet.datacenters), { hazardZones: ["z1", "z2", "z3"].filter(() => chance(0.3)), region: pick(["ra", "rb", null]) }),
    () => Object.assign(pick(fleet.tenants), { organization: pick(["o1", "o2", "o3"]) }),
    () => Object.assign(pick(fleet.workloads), { minimumIsolation: pick(LEVELS) }),
    () => Object.assign(pick(fleet.workloads), { minimumIsolation: pick(LEVELS) }),
    () => Object.assign(pick(fleet.workloads), { minimumIsolation: pick(LEVELS) }),
    () => Object.assign(pick(fleet.workloads), { tenant: pick(ids("tenants")) }),
    () => Object.assign(pick(fleet.workloads), { tenant: pick(ids("tenants")) }),
    () => Object.assign(pick(fleet.containers), { privileged: chance(0.5) }),
  ];
  return () => {
    (chance(0.3) ? pick(mutations.slice(0, 12)) : pick(mutations))();
    uniqueKeys();
    // No VM sits in a container that sits in a VM (a cycle).
    const inVm = new Set(fleet.containers.filter((c) => c.virtualMachine).map((c) => c.id));
    for (const vm of fleet.virtualMachines) if (vm.container && inVm.has(vm.container)) delete vm.container;
  };
}

const run = <T>(steps: Generator<void, T>): T => {
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
};

/**
 * The service's warm-up (isolation-index.ts `warm`), its index built in steps of `every` units:
 * on these small fleets the service's steps of 64 would build it in one, and no sync could land
 * part way through.
 */
function* warm(topology: Topology, stale: () => boolean, every: number): Generator<void, void> {
  yield* flattenTopologySteps(topology, yield* unitsIndexSteps(topology));
  for (const steps of [sharedPlacesSteps(topology, every), replicasSteps(topology)] as Generator<void, unknown>[]) {
    for (let step = steps.next(); !step.done; step = steps.next()) {
      if (stale()) return;
      yield;
    }
  }
  forgetPredecessor(topology);
  forgetPatchOrigin(topology);
}

const fresh = (fleet: Fleet) => buildTopology(structuredClone(fleet));
const plainChain = (c: Chain) => JSON.stringify({ ...c, tail: null });

function findingsOf(report: FleetReport) {
  const found = run(reportFindingsSteps(report, []));
  const facts = run(found.factsSteps(found.digests.keys()));
  return { pairs: found.digests.pairs, facts: [...facts] };
}

const plainFindings = (f: ReturnType<typeof findingsOf>) => ({ digests: [...f.pairs].map(([w, tenants]) => [w, [...tenants]]), facts: f.facts });

const tallied = () => ({ acrossMiddles: 0, keptAcross: 0, lateBuilds: 0, interleaved: 0, reportsAcross: 0, rowsCarriedAcross: 0, digestsAcross: 0, stoppedWalks: 0 });
type Tally = ReturnType<typeof tallied>;

/** What the simulated service holds: its stages, the kept report and its digests; and tallies of what was carried how. */
class Service {
  stages: Stage[] = [];
  kept: { report: FleetReport; stage: Stage; pairs: Map<string, Map<string, number>> };
  /** Stages whose index was compared with a fresh build. */
  private checked = new WeakSet<Stage>();

  constructor(
    first: Stage,
    private readonly policy: Policy,
    private readonly r: () => number,
    readonly tally: Tally,
  ) {
    this.stages.push(first);
    run(warm(first.topology, () => false, 64));
    const report = fleetReport(first.topology, policy);
    this.kept = { report, stage: first, pairs: findingsOf(report).pairs };
  }

  get current(): Stage {
    return this.stages[this.stages.length - 1];
  }

  /** A sync patched in: the warm-up under way is overtaken (it returns at its next step), the new one starts. */
  sync(fleet: Fleet): Stage {
    const before = this.current;
    const stage: Stage = { topology: patchedTopology(before.topology, before.fleet, fleet), fleet: structuredClone(fleet), origin: before, warmUp: null, stale: false, reported: false };
    this.stages.push(stage);
    if (before.warmUp) {
      before.stale = true;
      run(before.warmUp);
      before.warmUp = null;
    }
    stage.warmUp = warm(stage.topology, () => stage.stale, 1 + Math.floor(this.r() * 8));
    return stage;
  }

  /** Up to `n` steps of the stage's warm-up; whether it ended. */
  step(stage: Stage, n: number): boolean {
    for (let i = 0; i < n && stage.warmUp; i++) if (stage.warmUp.next().done) stage.warmUp = null;
    return stage.warmUp === null;
  }

  /** Verdicts asked of the stage: some units' chains made. */
  verdicts(stage: Stage) {
    for (const u of [...unitsIndex(stage.topology).byTenant.values()].flat()) if (this.r() < 0.3) cachedChainOf(stage.topology, u);
  }

  /** The report of a stage, patched from the kept one (which builds the stage's index if its warm-up did not), against a full scan. */
  report(stage: Stage, label: string) {
    const kept = this.kept;
    const stats = patchStats();
    const report = run(patchedReportSteps(kept.report, stage.topology, this.policy, stats, 1));
    const places = builtSharedPlaces(stage.topology)!;
    const across = carryOf(places)?.from.deref() === kept.report.places && kept.stage !== stage.origin;
    this.checkIndex(stage, label);
    const full = fleetReport(fresh(stage.fleet), this.policy);
    expect(rowsOf(report), `${label} report`).toEqual(rowsOf(full));
    const found = findingsOf(report);
    expect(plainFindings(found), `${label} findings`).toEqual(plainFindings(findingsOf(full)));
    if (across && stats.full === null) {
      this.tally.reportsAcross++;
      this.tally.rowsCarriedAcross += stats.carried;
      for (const [workload, digests] of found.pairs) if (kept.pairs.get(workload) === digests) this.tally.digestsAcross++;
    }
    this.kept = { report, stage, pairs: found.pairs };
    stage.reported = true;
  }

  /** A built index of the stage, once: equal to a fresh build's but for its numbering, every unit's chain the one walked anew; how it was carried, tallied. */
  checkIndex(stage: Stage, label: string) {
    const index = builtSharedPlaces(stage.topology);
    if (!index || this.checked.has(stage)) return;
    this.checked.add(stage);
    const topology = fresh(stage.fleet);
    expect(canonicalPlaces(index), `${label} index`).toEqual(canonicalPlaces(sharedPlaces(topology)));
    expect(
      index.units.map((f) => plainChain(f.chain)),
      `${label} chains`,
    ).toEqual(index.units.map((f) => plainChain(chainOf(topology, f.ref))));
    const carry = carryOf(index);
    const from = carry?.from.deref();
    if (!carry || !from || (stage.origin && from === builtSharedPlaces(stage.origin.topology))) return;
    this.tally.acrossMiddles++;
    // Kept units whose chain has a tail (a unit on nothing keeps its chain on its own node and datacenter alone).
    for (const f of from.units) if (carry.unitMap[f.index] !== -1 && f.chain.tail !== null) this.tally.keptAcross++;
  }

  /** The stage's replicas and violations, as the warm-up (or the violations' own steps) made them, against a fresh build's. */
  checkReplicas(stage: Stage, label: string) {
    const topology = fresh(stage.fleet);
    const replicas = (t: Topology) => stage.fleet.workloads.map((w) => [w.id, replicasOf(t, w.id)]);
    expect(replicas(stage.topology), `${label} replicas`).toEqual(replicas(topology));
    expect(antiAffinityViolations(stage.topology), `${label} violations`).toEqual(antiAffinityViolations(topology));
  }
}

/** A random fleet with more workloads than randomInventory's four, and anti-affinity rules on some. */
function fleetOf(seed: number, r: () => number): Fleet {
  const fleet = randomInventory(seed, { known: false, dedication: true, placementGroups: true, platform: true, contradictions: true, hosts: 8, units: 40 }) as unknown as Fleet;
  for (let w = 0; w < 8; w++) fleet.workloads.push({ id: `w-more${w}`, tenant: `t${1 + (w % 3)}`, minimumIsolation: LEVELS[Math.floor(r() * LEVELS.length)] });
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  for (const w of fleet.workloads) if (r() < 0.5) w.antiAffinity = [r() < 0.5 ? { level: pick(ANTI_AFFINITY_LEVELS), maxPerDomain: 1, mode: "HARD" } : { level: pick(ANTI_AFFINITY_LEVELS), maxSkew: 1, mode: "SOFT" }];
  for (const unit of [...fleet.virtualMachines, ...fleet.containers]) if (unit.workload && r() < 0.7) unit.workload = pick(fleet.workloads).id;
  return fleet;
}

const SEEDS = 60;
const ROUNDS = 14;

describe("warm-ups overtaken by the next sync", () => {
  it("leave every index, report, digest, replica and violation carried across them equal to a fresh build's", () => {
    const t = tallied();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = rng(seed * 15485863);
      const fleet = fleetOf(seed, r);
      const service = new Service({ topology: fresh(fleet), fleet: structuredClone(fleet), origin: null, warmUp: null, stale: false, reported: true }, POLICIES[seed % POLICIES.length], r, t);
      const mutate = mutator(fleet, r, () => service.stages.at(-2)?.fleet ?? null);
      for (let round = 0; round < ROUNDS; round++) {
        const label = `seed ${seed} round ${round}`;
        for (let i = 0, n = r() < 0.7 ? 1 : 2; i < n; i++) mutate();
        const middle = service.current;
        const stage = service.sync(fleet);
        // Now and then what a middle took over is let go without its index (its walk back stops there: built anew).
        if (middle.origin && !builtSharedPlaces(middle.topology) && r() < 0.05) {
          forgetPatchOrigin(middle.topology);
          service.tally.stoppedWalks++;
        }
        service.checkIndex(middle, `${label} (middle)`);
        if (r() < 0.1) forgetPredecessor(middle.topology);
        // Verdicts on the middle still (a view of it held by a request) and on the new one.
        if (r() < 0.2) service.verdicts(middle);
        if (r() < 0.4) service.verdicts(stage);
        // The warm-up runs a while: none of it, some, or to its end (the next sync then overtakes it, or not).
        const budget = [0, 1 + Math.floor(r() * 6), 1 + Math.floor(r() * 40), Infinity][Math.floor(r() * 4)];
        // A view of the middle asks its report meanwhile: the middle's index is built late, from the kept report's.
        const late = !middle.reported && middle.origin !== null && r() < 0.3;
        if (late) {
          const before = Math.floor(r() * Math.min(budget, 30));
          service.step(stage, before);
          if (before > 0 && stage.warmUp) service.tally.interleaved++;
          if (!builtSharedPlaces(middle.topology)) service.tally.lateBuilds++;
          service.report(middle, `${label} (middle, late)`);
          if (r() < 0.5) service.checkReplicas(middle, `${label} (middle, late)`);
        }
        const ended = service.step(stage, budget);
        if (r() < 0.3) service.verdicts(stage);
        service.checkIndex(stage, label);
        // A report now awaits the warm-up's end: only once it ended (else a later round asks it, late).
        if (ended) {
          service.checkReplicas(stage, label);
          if (r() < 0.6) service.report(stage, label);
        }
        // Or a view of the middle asks its report only now: patched from the newer one's kept report.
        if (!middle.reported && middle.origin !== null && r() < 0.15) service.report(middle, `${label} (middle, after the next)`);
      }
    }
    // Indexes carried across middles whose index was never built kept units whose chain has a tail: else the
    // comparison proved nothing about the carry across them (only units on nothing, re-entered or not).
    expect(t.acrossMiddles).toBeGreaterThan(SEEDS * 2);
    expect(t.keptAcross).toBeGreaterThan(SEEDS * 20);
    // Middles' indexes built late by their report, some while the next warm-up was under way.
    expect(t.lateBuilds).toBeGreaterThan(SEEDS);
    expect(t.interleaved).toBeGreaterThan(SEEDS / 3);
    // Reports patched from a kept report whose index the new one was carried from, across middles: rows and digests carried.
    expect(t.reportsAcross).toBeGreaterThan(SEEDS / 2);
    expect(t.rowsCarriedAcross).toBeGreaterThan(SEEDS * 5);
    expect(t.digestsAcross).toBeGreaterThan(SEEDS / 6);
    expect(t.stoppedWalks).toBeGreaterThan(0);
  });
});

/** Probe: whether an index is carried into the next one (its numbering kept: shared-places.ts `fewPlacesLeft`), by a sibling patched from it with no change. */
function carriesOn(topology: Topology, fleet: Fleet): boolean {
  return carryOf(sharedPlaces(patchedTopology(topology, fleet, fleet))) !== undefined;
}

function placeCount(index: SharedPlaces): number {
  return TABLES.reduce((sum, name) => sum + index[name].keys.length, 0);
}

describe("an index carried across a middle never built", () => {
  it("is built anew when the nearest index built before it keeps no numbering, not carried from one further back", () => {
    const { fleet, pod } = podsFleet();
    let [topology, at] = [buildTopology(structuredClone(fleet)), structuredClone(fleet)];
    sharedPlaces(topology);
    const tally = { carried: 0, anew: 0, widest: 0 };
    for (let round = 0; round < 60; round++) {
      const numbered = carriesOn(topology, at);
      const built = sharedPlaces(topology);
      // Two syncs, the warm-up between them overtaken before it built anything.
      let was = structuredClone(fleet);
      fleet.containers.splice(0, 3, ...Array.from({ length: 3 }, pod));
      const middle = patchedTopology(topology, was, fleet);
      was = structuredClone(fleet);
      fleet.containers.splice(0, 3, ...Array.from({ length: 3 }, pod));
      cachedChainOf(middle, { kind: "virtualMachine", key: "v0" });
      const next = patchedTopology(middle, was, fleet);
      const index = sharedPlaces(next);
      // Its origin still held, as after a warm-up overtaken in the replicas or an index a report built: a walk back could go on past it.
      forgetPredecessor(next);
      const carry = carryOf(index);
      expect(carry !== undefined, `round ${round}`).toBe(numbered);
      if (carry) expect(carry.from.deref() === built, `round ${round}`).toBe(true);
      tally[numbered ? "carried" : "anew"]++;
      const freshIndex = sharedPlaces(buildTopology(structuredClone(fleet)));
      expect(canonicalPlaces(index), `round ${round}`).toEqual(canonicalPlaces(freshIndex));
      tally.widest = Math.max(tally.widest, placeCount(index) / placeCount(freshIndex));
      [topology, at] = [next, structuredClone(fleet)];
    }
    // Both ways were taken, and the places of pods gone were let go.
    expect(tally.carried).toBeGreaterThan(30);
    expect(tally.anew).toBeGreaterThan(3);
    expect(tally.widest).toBeLessThan(2.5);
  });
});

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

describe("the keys changed across patches", () => {
  it("join every patch's, and are not known once a middle topology is gone: the report is then patched comparing every key", async () => {
    const fleet = randomInventory(7, { known: false, dedication: true, hosts: 6, units: 30 }) as unknown as Fleet;
    const first = buildTopology(structuredClone(fleet));
    const report = fleetReport(first, DEFAULT_POLICY);
    // Two patches; the middle topology is held only by the last one's origin, until its warm-up lets it go.
    const { last, gone } = (() => {
      let was = structuredClone(fleet);
      fleet.workloads[0].tenant = "t3";
      fleet.tenants.push({ id: "t-new", organization: "o9" });
      const middle = patchedTopology(first, was, fleet);
      was = structuredClone(fleet);
      fleet.workloads[0].tenant = "t2";
      fleet.workloads[1].minimumIsolation = "RACK";
      const last = patchedTopology(middle, was, fleet);
      expect(keysChangedSince(last, middle)!.workloads.slice().sort()).toEqual(["w1", "w2"]);
      expect(keysChangedSince(middle, last)).toBeNull();
      return { last, gone: new WeakRef(middle) };
    })();
    const keys = keysChangedSince(last, first)!;
    expect([...keys.workloads].sort()).toEqual(["w1", "w2"]);
    expect(keys.tenants).toEqual(["t-new"]);
    forgetPatchOrigin(last);
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(gone.deref()).toBeUndefined();
    expect(keysChangedSince(last, first)).toBeNull();
    const stats = patchStats();
    const patched = run(patchedReportSteps(report, last, DEFAULT_POLICY, stats, 1));
    expect(stats.full).toBeNull();
    expect(rowsOf(patched)).toEqual(rowsOf(fleetReport(buildTopology(structuredClone(fleet)), DEFAULT_POLICY)));
  });
});

describe("chains across a middle whose warm-up never began", () => {
  it("are taken over through it, so the index carried across it keeps the units no patch touched", () => {
    let [kept, untouched] = [0, 0];
    for (let seed = 1; seed <= 10; seed++) {
      const fleet = randomInventory(seed, { known: false, dedication: true, placementGroups: true, hosts: 6, units: 40 }) as unknown as Fleet;
      const first = buildTopology(structuredClone(fleet));
      sharedPlaces(first);
      // Two one-row syncs; the middle made no chain and no index before the last was patched.
      let was = structuredClone(fleet);
      Object.assign(fleet.containers[0], { runtime: "kata" });
      const middle = patchedTopology(first, was, fleet);
      was = structuredClone(fleet);
      Object.assign(fleet.containers[1], { runtime: "gvisor" });
      const last = patchedTopology(middle, was, fleet);
      const index = sharedPlaces(last);
      const carry = carryOf(index)!;
      expect(carry.from.deref()).toBe(builtSharedPlaces(first));
      kept += carry.unitMap.filter((u) => u !== -1).length;
      untouched += builtSharedPlaces(first)!.units.length - 2;
      const fresh = buildTopology(structuredClone(fleet));
      expect(canonicalPlaces(index), `seed ${seed}`).toEqual(canonicalPlaces(sharedPlaces(fresh)));
      expect(rowsOf(fleetReport(last, DEFAULT_POLICY)), `seed ${seed}`).toEqual(rowsOf(fleetReport(fresh, DEFAULT_POLICY)));
    }
    // Made anew in the last topology instead, every chain with a tail was a new object: those units were entered anew (a fifth kept).
    expect(kept / untouched).toBeGreaterThan(0.9);
  });
});
