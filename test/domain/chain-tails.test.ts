import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildTopology, type TopologyInput } from "../../src/domain/build-topology.ts";
import { PARTS, patchTopologySteps, type Part, type TopologyChanges } from "../../src/domain/patch-topology.ts";
import { rank } from "../../src/domain/scale.ts";
import { cachedChainOf, chainOf, type Chain } from "../../src/domain/separation.ts";
import { sharedPlaces } from "../../src/domain/shared-places.ts";
import type { Topology, UnitRef } from "../../src/domain/topology.ts";
import { unitsIndex } from "../../src/domain/units-index.ts";
import { randomInventory, rng } from "../support/random-inventory.ts";

/*
 * `cachedChainOf` makes a unit's chain as its own link over the next unit's remembered chain,
 * and the shared-places index works a shared tail's places out once. A tail that were not
 * exactly the next unit's way up (a cycle, a dangling unit, an order of asking) would put a
 * unit under the wrong VM or host: a false separation. Both are checked here against the plain
 * walk on random inventories, with containment cycles added (validation rules them out, but a
 * topology must not loop on them).
 */
const seeds = fc.integer({ min: 1, max: 2 ** 31 - 1 });

/** A random inventory, some VMs moved into a container that (at some depth) sits on them. */
function withCycles(seed: number): TopologyInput {
  const input = randomInventory(seed, { known: false, dedication: true, placementGroups: true });
  const r = rng(seed ^ 0x5bd1e995);
  for (const vm of input.virtualMachines ?? []) {
    const onIt = (input.containers ?? []).filter((c) => c.virtualMachine === (vm.id as string));
    if (onIt.length > 0 && r() < 0.3) {
      delete vm.host;
      delete vm.datacenter;
      vm.container = onIt[Math.floor(r() * onIt.length)].id;
    }
  }
  return input;
}

/** Every unit, host and a few dangling ids, in an order drawn from the seed. */
function unitsInRandomOrder(t: Topology, seed: number): UnitRef[] {
  const refs: UnitRef[] = [
    ...[...t.containers.keys()].map((key) => ({ kind: "container" as const, key })),
    ...[...t.virtualMachines.keys()].map((key) => ({ kind: "virtualMachine" as const, key })),
    ...[...t.hosts.keys()].map((key) => ({ kind: "host" as const, key })),
    { kind: "virtualMachine", key: "v-dangling" },
    { kind: "host", key: "h-dangling" },
  ];
  const r = rng(seed);
  for (let i = refs.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [refs[i], refs[j]] = [refs[j], refs[i]];
  }
  return refs;
}

const walked = (chain: Chain) => ({ ...chain, tail: null });

describe("chains made over their next unit's chain", () => {
  it("equal the plain walk, whatever order units are asked in, cycles and dangling ids included; a tail is exactly the links above", () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const t = buildTopology(withCycles(seed));
        for (const unit of unitsInRandomOrder(t, seed)) {
          const chain = cachedChainOf(t, unit);
          expect(walked(chain), `${unit.kind}:${unit.key}`).toEqual(chainOf(t, unit));
          if (chain.tail === null) continue;
          expect(chain.tail.links).toEqual(chain.links.slice(1));
          const next = chain.links[1];
          expect(walked(chain.tail)).toEqual(chainOf(t, { kind: next.kind, key: next.key }));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("give every unit of the shared-places index its own chain's places in `below`, with the strongest wall below each", () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const t = buildTopology(withCycles(seed));
        // Chains asked for in a random order first: the index must not depend on which came first.
        for (const unit of unitsInRandomOrder(t, seed)) cachedChainOf(t, unit);
        const index = sharedPlaces(t);
        for (const f of index.units) {
          const chain = chainOf(t, f.ref);
          const from = index.linkStart[f.index];
          expect(index.linkStart[f.index + 1] - from).toBe(chain.links.length);
          let strongest = 0;
          chain.ids.forEach((id, k) => {
            if (k > 0) strongest = Math.max(strongest, rank(chain.links[k - 1].boundary));
            expect(index.below.keys[index.links[from + k]], `${id} of ${f.ref.key}`).toBe(id);
            expect(index.linkStrongest[from + k]).toBe(strongest);
          });
          expect(index.belowUnit[index.links[from]]).toBe(chain.links[0].synced ? f.index : -1);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** The inventory with some units, hosts, racks and datacenters moved, removed or added. */
function changed(input: TopologyInput, seed: number): TopologyInput {
  const r = rng(seed ^ 0x2545f491);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const copy = JSON.parse(JSON.stringify(input)) as Required<TopologyInput>;
  const ids = (xs: { id?: string }[]) => xs.map((x) => x.id as string);
  for (const c of copy.containers)
    if (r() < 0.2) Object.assign(c, r() < 0.5 && copy.virtualMachines.length > 0 ? { virtualMachine: pick(ids(copy.virtualMachines)), host: undefined } : { host: pick([...ids(copy.hosts), "h-new"]), virtualMachine: undefined });
  for (const v of copy.virtualMachines) if (r() < 0.2) Object.assign(v, { host: pick([...ids(copy.hosts), "h-new"]), container: undefined, datacenter: undefined });
  for (const h of copy.hosts) if (r() < 0.2) Object.assign(h, r() < 0.5 ? { rack: pick([...ids(copy.racks), "r-new"]) } : { dedicatedTo: pick(["t1", "t2", null]) });
  for (const rack of copy.racks) if (r() < 0.2) rack.datacenter = pick(ids(copy.datacenters));
  // A datacenter's description (its sources are on every chain in it), or the datacenter gone.
  for (const dc of copy.datacenters) if (r() < 0.2) Object.assign(dc, r() < 0.5 ? { hazardZones: [] } : { sources: ["s2", "s3"] });
  if (r() < 0.2) copy.datacenters = copy.datacenters.slice(1);
  if (r() < 0.3) copy.hosts = copy.hosts.filter(() => r() < 0.8);
  if (r() < 0.5) copy.hosts.push({ id: "h-new", rack: pick([...ids(copy.racks), "r-new"]) });
  if (r() < 0.5) copy.racks.push({ id: "r-new", datacenter: pick(ids(copy.datacenters)), powerDomains: ["p1"], networkDomains: [] });
  if (r() < 0.5) copy.containers.push({ id: "c-new", tenant: "t1", runtime: "runc", virtualMachine: pick([...ids(copy.virtualMachines), "v-none"]) });
  return copy;
}

/** What a sync from `a` to `b` hands the patch: every key whose row differs, and the rows as they are now. */
function changesBetween(a: TopologyInput, b: TopologyInput): TopologyChanges {
  const keys = {} as Record<Part, string[]>;
  const rows = {} as Record<Part, unknown[]>;
  for (const part of PARTS) {
    const before = new Map((a[part] ?? []).map((x) => [x.id as string, JSON.stringify(x)]));
    const after = new Map((b[part] ?? []).map((x) => [x.id as string, x]));
    keys[part] = [...new Set([...before.keys(), ...after.keys()])].filter((key) => before.get(key) !== (after.has(key) ? JSON.stringify(after.get(key)) : undefined));
    rows[part] = keys[part].filter((key) => after.has(key)).map((key) => after.get(key));
  }
  return { keys, rows: rows as unknown as TopologyChanges["rows"] };
}

describe("chains a patched topology takes over from the one it was patched from", () => {
  it("are the chains a fresh build of the changed inventory walks, over several patches", () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        let input = randomInventory(seed, { known: false, dedication: true, placementGroups: true });
        let t = buildTopology(input);
        for (let round = 0; round < 3; round++) {
          // The older topology's chains made (its warm-up), some of them only: the rest are made fresh.
          for (const unit of unitsInRandomOrder(t, seed + round)) if (round === 0 || rng(seed + unit.key.length)() < 0.8) cachedChainOf(t, unit);
          const next = changed(input, seed + round);
          const steps = patchTopologySteps(t, unitsIndex(t), changesBetween(input, next));
          let step = steps.next();
          while (!step.done) step = steps.next();
          const fresh = buildTopology(next);
          for (const unit of unitsInRandomOrder(step.value.topology, seed ^ round)) {
            expect(walked(cachedChainOf(step.value.topology, unit)), `round ${round}: ${unit.kind}:${unit.key}`).toEqual(chainOf(fresh, unit));
          }
          [input, t] = [next, step.value.topology];
        }
      }),
      { numRuns: 300 },
    );
  });
});
