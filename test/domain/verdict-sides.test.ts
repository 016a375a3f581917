import { describe, expect, it } from "vitest";
import { buildTopology } from "../../src/domain/build-topology.ts";
import { DEFAULT_POLICY } from "../../src/domain/policy.ts";
import type { Topology } from "../../src/domain/topology.ts";
import { forgetPredecessor } from "../../src/domain/separation.ts";
import { unitsIndex } from "../../src/domain/units-index.ts";
import { isolationVerdict, type Verdict } from "../../src/domain/verdict.ts";
import { randomInventory, rng } from "../support/random-inventory.ts";
import { mutationKit } from "../support/mutation-kit.ts";
import { patchedTopology, type Fleet } from "../support/patched-fleet.ts";

/*
 * A verdict remembers a tenant's side (its units' chains and workloads) per topology and units
 * list (src/domain/verdict-sides.ts). A patched topology keeps the lists no sync touched while
 * the places under them move: a side remembered per list alone would answer with the old
 * racks and datacenters, a false separation. Every verdict is asked before each patch (so every
 * side is remembered) and after it, and compared with a topology built afresh. The second test
 * asks only some verdicts, in no set order, over loops in the way up, with every record's own
 * source and sync time: a side remembered with what it read (sources, workloads) per list alone,
 * or a chain made otherwise for being asked at another moment, would show there.
 */
const SYNCED = new Date(Date.UTC(2026, 10, 1));

function mutator(fleet: Fleet, r: () => number) {
  const { pick, chance, ids, tenant, workload, placeVm, placeContainer, unit } = mutationKit(fleet, r);
  const mutations = [
    () => {
      const host = pick(fleet.hosts);
      delete host.datacenter;
      host.rack = chance(0.85) ? pick(ids("racks")) : "r-dangling";
    },
    () => Object.assign(pick(fleet.racks), { datacenter: pick(ids("datacenters")) }),
    () => Object.assign(pick(fleet.racks), { powerDomains: ["p1", "p2"].filter(() => chance(0.5)), networkDomains: ["n1", "n2"].filter(() => chance(0.5)) }),
    () => Object.assign(pick(fleet.datacenters), { hazardZones: ["z1", "z2", "z3"].filter(() => chance(0.3)), region: pick(["ra", "rb", null]) }),
    () => Object.assign(pick(fleet.hosts), { dedicatedTo: chance(0.5) ? tenant() : null }),
    () => placeVm(pick(fleet.virtualMachines)),
    () => placeContainer(pick(fleet.containers)),
    () => Object.assign(unit(), { tenant: tenant(), workload: workload() }),
  ];
  // Places most often: they change what a kept list's units share, the list itself untouched.
  return () => (chance(0.7) ? pick(mutations.slice(0, 5)) : pick(mutations))();
}

function everyVerdict(topology: Topology, fleet: Fleet) {
  const freshness = new Map([...new Set([...topology.containers.values(), ...topology.virtualMachines.values()].map((u) => u.source))].map((s) => [s, SYNCED]));
  const shown = (v: Verdict) => ({ ...v, evidence: v.evidence(5), weakest: v.weakest });
  return fleet.workloads.flatMap((w) => fleet.tenants.map((t) => shown(isolationVerdict(topology, w.id, t.id, DEFAULT_POLICY, freshness))));
}

describe("a verdict's remembered sides", () => {
  it("follow a patched topology whose kept lists' places moved: every verdict as on a fresh build", () => {
    let keptListsChanged = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed * 104729);
      const fleet = randomInventory(seed, { known: false, dedication: true, placementGroups: true, hosts: 8, units: 40 }) as unknown as Fleet;
      const mutate = mutator(fleet, r);
      let topology = buildTopology(structuredClone(fleet));
      for (let round = 0; round < 8; round++) {
        const before = everyVerdict(topology, fleet);
        const was = structuredClone(fleet);
        mutate();
        const patched = patchedTopology(topology, was, fleet);
        const after = everyVerdict(patched, fleet);
        expect(after, `seed ${seed} round ${round}`).toEqual(everyVerdict(buildTopology(structuredClone(fleet)), fleet));
        // The case this test is for: a tenant's list kept by the patch, its verdicts changed.
        const kept = (tenant: string) => unitsIndex(patched).byTenant.get(tenant) === unitsIndex(topology).byTenant.get(tenant);
        keptListsChanged += after.filter((v, i) => kept(v.tenant) && unitsIndex(patched).byTenant.has(v.tenant) && (v.actual !== before[i].actual || v.possible !== before[i].possible)).length;
        topology = patched;
      }
    }
    expect(keptListsChanged).toBeGreaterThan(20);
  });

  it("answer as a fresh build whatever was asked before, with sources of their own, loops in the way up and units changing hands", () => {
    // Each record its own source synced at its own time, so `inventoryAsOf` tells which sources a verdict read.
    const freshness = (fleet: Fleet) => new Map(Object.values(fleet).flatMap((records) => records.filter((x) => x.source).map((x) => [x.source as string, syncedAt(x.source)] as const)));
    const syncedAt = (source: string) => new Date(Date.UTC(2026, 0, 1 + (([...source].reduce((h, c) => h * 31 + c.charCodeAt(0), 7) >>> 0) % 300)));
    const verdicts = (topology: Topology, fleet: Fleet, asked: readonly (readonly [string, string])[]) =>
      asked.map(([w, t]) => {
        const v = isolationVerdict(topology, w, t, DEFAULT_POLICY, freshness(fleet));
        return { ...v, evidence: v.evidence(v.pairCount), weakest: v.weakest };
      });
    let keptListsReadOtherSources = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const r = rng(seed * 7919);
      const fleet = randomInventory(seed, { known: false, dedication: true, placementGroups: true, contradictions: true, hosts: 6, units: 25 }) as unknown as Fleet;
      for (const records of Object.values(fleet)) for (const x of records) if (r() < 0.7) x.source = `s-${x.id}`;
      const { pick, chance, tenant, intrude, remove } = mutationKit(fleet, r);
      const mutations = [
        mutator(fleet, r),
        // Another source's word for a place or a unit: the same units lists, other sources read.
        () => Object.assign(pick([...fleet.hosts, ...fleet.racks, ...fleet.datacenters, ...fleet.virtualMachines, ...fleet.containers]), { source: `s${Math.floor(r() * 9)}` }),
        // A loop in the way up: a VM in a container (sometimes one in that very VM).
        () => {
          const [vm, container] = [pick(fleet.virtualMachines), pick(fleet.containers)];
          if (!vm || !container) return;
          for (const k of ["host", "datacenter"]) delete vm[k];
          vm.container = container.id;
          if (chance(0.6)) {
            delete container.host;
            container.virtualMachine = vm.id;
          }
        },
        () => Object.assign(pick(fleet.workloads), { tenant: tenant() }),
        () => intrude(),
        () => remove(pick(["virtualMachines", "containers", "hosts", "racks"] as const)),
      ];
      const pairs = (f: Fleet) => {
        const tenants = new Set([...f.tenants, ...f.virtualMachines, ...f.containers].map((x) => (x.tenant ?? x.id) as string));
        return f.workloads.flatMap((w) => [...tenants].map((t) => [w.id, t] as const)).filter(() => chance(0.6));
      };
      let topology = buildTopology(structuredClone(fleet));
      for (let round = 0; round < 8; round++) {
        // Some verdicts asked (some sides remembered, some chains made), in no set order; the predecessor's chains sometimes let go.
        verdicts(topology, fleet, pairs(fleet));
        if (chance(0.3)) forgetPredecessor(topology);
        const was = structuredClone(fleet);
        for (let n = 1 + Math.floor(r() * 3); n > 0; n--) pick(mutations)();
        const patched = patchedTopology(topology, was, fleet);
        const asked = pairs(fleet);
        const asBefore = verdicts(
          topology,
          was,
          asked.filter(([w]) => topology.workloads.has(w)),
        );
        const after = verdicts(patched, fleet, asked);
        expect(after, `seed ${seed} round ${round}`).toEqual(verdicts(buildTopology(structuredClone(fleet)), fleet, asked));
        // The topology patched from still answers as it did.
        const before = pairs(was);
        expect(verdicts(topology, was, before), `seed ${seed} round ${round}, the topology before`).toEqual(verdicts(buildTopology(structuredClone(was)), was, before));
        // The case this test adds: a tenant's list kept by the patch, the sources its verdicts rest on changed.
        const kept = (t: string) => unitsIndex(patched).byTenant.get(t) !== undefined && unitsIndex(patched).byTenant.get(t) === unitsIndex(topology).byTenant.get(t);
        keptListsReadOtherSources += after.filter((v) => kept(v.tenant) && asBefore.some((b) => b.workload === v.workload && b.tenant === v.tenant && b.inventoryAsOf?.getTime() !== v.inventoryAsOf?.getTime())).length;
        topology = patched;
      }
    }
    expect(keptListsReadOtherSources).toBeGreaterThan(10);
  });
});
