import fc from "fast-check";
import { expect } from "vitest";
import type { ConnectorResult } from "../../src/connectors/connector.ts";
import { buildTopology } from "../../src/domain/build-topology.ts";
import { rank, type IsolationLevel } from "../../src/domain/scale.ts";
import { separation } from "../../src/domain/separation.ts";
import type { Topology, UnitRef } from "../../src/domain/topology.ts";
import { validateSnapshot } from "../../src/inventory/validate-snapshot.ts";

/*
 * The inventory several connectors' snapshots make together, as the sync would store it: each
 * valid, no id of one kind in two sources (the sync would refuse it), datacenters the union of
 * their descriptions (a place many sources see).
 */
export function topologyOf(results: readonly ConnectorResult[]): Topology {
  const input: Record<string, Record<string, unknown>[]> = { datacenters: [], racks: [], hosts: [], virtualMachines: [], containers: [], tenants: [], workloads: [] };
  const owner = new Map<string, string>();
  for (const { snapshot } of results) {
    const checked = validateSnapshot(snapshot);
    expect(checked.ok ? [] : checked.problems).toEqual([]);
    for (const kind of Object.keys(input)) {
      for (const record of (snapshot as unknown as Record<string, Record<string, unknown>[]>)[kind]) {
        const id = `${kind}:${String(record.id)}`;
        if (kind !== "datacenters") expect(owner.get(id) ?? snapshot.source, `${id} synced by two sources`).toBe(snapshot.source);
        owner.set(id, snapshot.source);
        input[kind].push({ ...record, source: snapshot.source });
      }
    }
  }
  return buildTopology(input);
}

/** The level proven between two units: what must never exceed what the provider data proves. */
export const actual = (topology: Topology, a: UnitRef, b: UnitRef): IsolationLevel => separation(topology, a, b).actual;

/** Fails naming the pair when `actual` proves more than `atMost`. */
export function expectAtMost(topology: Topology, a: UnitRef, b: UnitRef, atMost: IsolationLevel, why: string): void {
  const level = actual(topology, a, b);
  if (rank(level) > rank(atMost)) throw new Error(`${a.key} and ${b.key} ${why}, so at most ${atMost} is proven, but the inventory says ${level}`);
}

export const vm = (key: string): UnitRef => ({ kind: "virtualMachine", key });
export const container = (key: string): UnitRef => ({ kind: "container", key });

/** The documents in an order fast-check picks: a connector must not care. */
export const shuffled = <T>(items: readonly T[]) => fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });

/** A snapshot with every collection in id order (Kubernetes nodes by name), so that two that say the same compare equal. */
const recordKey = (r: { id: string } | { name: string }) => ("id" in r ? r.id : r.name);
export const canonical = (result: ConnectorResult) =>
  Object.fromEntries(Object.entries(result.snapshot).map(([k, v]) => [k, Array.isArray(v) ? [...(v as ({ id: string } | { name: string })[])].sort((x, y) => (recordKey(x) < recordKey(y) ? -1 : recordKey(x) > recordKey(y) ? 1 : 0)) : v]));

/** The files reversed and rotated by `n`: another order of the same exports. */
export const rotated = <T>(items: readonly T[], n: number): T[] => {
  const reversed = [...items].reverse();
  const k = n % Math.max(1, reversed.length);
  return [...reversed.slice(k), ...reversed.slice(0, k)];
};

export const RUNS = { numRuns: 100 };
