import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildTopology, type TopologyInput } from "../../src/domain/build-topology.ts";
import { rank } from "../../src/domain/scale.ts";
import { cachedChainOf, chainOf, type Chain } from "../../src/domain/separation.ts";
import { sharedPlaces } from "../../src/domain/shared-places.ts";
import type { Topology, UnitRef } from "../../src/domain/topology.ts";
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
