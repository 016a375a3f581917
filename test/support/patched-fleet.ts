import type { FleetReport } from "../../src/domain/fleet-report.ts";
import { PARTS, patchTopologySteps } from "../../src/domain/patch-topology.ts";
import type { Topology } from "../../src/domain/topology.ts";
import { rememberUnitsIndex, unitsIndex } from "../../src/domain/units-index.ts";

/*
 * Random fleets as plain records changed sync after sync, and the topology patched as the
 * service patches it (test/domain/patch-report.test.ts, test/domain/carried-places.test.ts).
 */
export type Rec = Record<string, any> & { id: string };
export type Fleet = Record<"datacenters" | "racks" | "hosts" | "virtualMachines" | "containers" | "tenants" | "workloads", Rec[]>;

/**
 * The topology `before` (built from fleet `was`) patched with what a sync from `was` to `now`
 * hands the index: every key whose row differs, the rows as they are now, and the units that
 * name a changed workload (patch-topology.ts); its units index remembered, as the index does.
 */
export function patchedTopology(before: Topology, was: Fleet, now: Fleet): Topology {
  const keys = {} as Record<keyof Fleet, string[]>;
  const rows = {} as Record<keyof Fleet, Rec[]>;
  for (const part of PARTS) {
    const old = new Map(was[part].map((x) => [x.id, JSON.stringify(x)]));
    const fresh = new Map(now[part].map((x) => [x.id, x]));
    keys[part] = [...new Set([...old.keys(), ...fresh.keys()])].filter((key) => old.get(key) !== (fresh.has(key) ? JSON.stringify(fresh.get(key)) : undefined));
    rows[part] = keys[part].filter((key) => fresh.has(key)).map((key) => fresh.get(key)!);
  }
  const workloads = new Set(keys.workloads);
  for (const part of ["virtualMachines", "containers"] as const) {
    const named = now[part].filter((u) => workloads.has(u.workload) && !keys[part].includes(u.id));
    rows[part].push(...named);
  }
  const steps = patchTopologySteps(before, unitsIndex(before), { keys, rows });
  let step = steps.next();
  while (!step.done) step = steps.next();
  rememberUnitsIndex(step.value.topology, step.value.units);
  return step.value.topology;
}

/** A report's rows, to compare two reports by. */
export function rowsOf(report: FleetReport) {
  return Array.from({ length: report.count }, (_, row) => ({
    pair: `${report.workload(row)} ${report.tenant(row)}`,
    levels: [report.required(row), report.actual(row), report.possible(row)],
    weakest: [report.unit(row).ref, report.other(row).ref],
  }));
}
