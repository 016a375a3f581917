import { describe, expect, it } from "vitest";
import { buildTopology } from "../../src/domain/build-topology.ts";
import { DEFAULT_POLICY } from "../../src/domain/policy.ts";
import type { Topology } from "../../src/domain/topology.ts";
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
 * side is remembered) and after it, and compared with a topology built afresh.
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
});
