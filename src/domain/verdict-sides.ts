import { cachedChainOf, workloadOf, type Chain } from "./separation.ts";
import type { Topology, UnitRef } from "./topology.ts";
import { getOrInsert } from "./get-or-insert.ts";

/*
 * A verdict's sides: units with their ways up. A tenant's side is remembered per topology and
 * units list (units-index.ts): a verdict would otherwise look each of its units' chain and
 * workload up in maps of the whole fleet's units, a cache miss each, and on fleet M that cost
 * more than comparing its thousand pairs. Per topology, not per list alone: a patched topology
 * keeps the lists no sync touched, while the chains they lead to may have changed.
 */
export interface Side {
  units: readonly UnitRef[];
  /** Each unit's way up (separation.ts `cachedChainOf`), in the order of `units`. */
  chains: readonly Chain[];
  /** Every source any chain read, once each: what the verdict's freshness rests on. */
  sources: readonly string[];
}

/** A units list as a side, with what it takes to leave a workload's own units out of it. */
interface ListedSide extends Side {
  /** Each unit's workload, in the order of `units`. */
  workloads: readonly (string | null)[];
  /** The workloads any unit of the list belongs to. */
  present: ReadonlySet<string>;
}

const remembered = new WeakMap<Topology, WeakMap<readonly UnitRef[], ListedSide>>();

/** The side of every unit in `units`, worked out now: a workload's few units, not worth remembering. */
export function sideOf(topology: Topology, units: readonly UnitRef[]): Side {
  const chains = units.map((unit) => cachedChainOf(topology, unit));
  return { units, chains, sources: sourcesOf(chains) };
}

/**
 * The units of `units` that are not `workload`'s: the other side of the workload's verdict (its
 * own units are one trust domain with it, never a pair). The list's own side when it holds none.
 */
export function sideWithout(topology: Topology, units: readonly UnitRef[], workload: string): Side {
  const listed = listedSide(topology, units);
  if (!listed.present.has(workload)) return listed;
  const kept: UnitRef[] = [];
  const chains: Chain[] = [];
  for (let i = 0; i < listed.units.length; i++) {
    if (listed.workloads[i] === workload) continue;
    kept.push(listed.units[i]);
    chains.push(listed.chains[i]);
  }
  return { units: kept, chains, sources: sourcesOf(chains) };
}

function listedSide(topology: Topology, units: readonly UnitRef[]): ListedSide {
  const ofTopology = getOrInsert(remembered, topology, () => new WeakMap());
  return getOrInsert(ofTopology, units, () => {
    const chains = units.map((unit) => cachedChainOf(topology, unit));
    const workloads = units.map((unit) => workloadOf(topology, unit));
    const present = new Set(workloads.filter((w): w is string => w !== null));
    return { units, chains, sources: sourcesOf(chains), workloads, present };
  });
}

function sourcesOf(chains: readonly Chain[]): string[] {
  const sources = new Set<string>();
  for (const chain of chains) for (const source of chain.sources) sources.add(source);
  return [...sources];
}
