import { describe, expect, it } from "vitest";
import { buildTopology } from "../../src/domain/build-topology.ts";
import { datacenterSeparation } from "../../src/domain/separation.ts";

/*
 * Rule 3 for two different datacenters, case by case (docs/separation.md): a datacenter that
 * lists no hazard zones has unknown ones, and its region stands in for them only against
 * another datacenter's known region.
 */
const topology = buildTopology({
  datacenters: [
    { id: "z1-r1", region: "r1", hazardZones: ["flood:x", "quake:a"] },
    { id: "z1-r2", region: "r2", hazardZones: ["flood:x"] },
    { id: "z2-r1", region: "r1", hazardZones: ["flood:y"] },
    { id: "z3", hazardZones: ["flood:z"] },
    { id: "n-r1", region: "r1" },
    { id: "n-r1b", region: "r1" },
    { id: "n-r2", region: "r2" },
    { id: "n", region: null },
    { id: "n2", region: null },
    { id: "moon-n", planet: "moon" },
  ],
});

const CASES: [string, string, string, string, string, string][] = [
  ["different planets", "n", "moon-n", "PLANET", "PLANET", "NOTHING"],
  ["both list zones, one in common (across regions)", "z1-r1", "z1-r2", "DATACENTER", "DATACENTER", "HAZARD_ZONE flood:x"],
  ["both list zones, none in common", "z1-r1", "z2-r1", "HAZARD_ZONE", "HAZARD_ZONE", "PLANET earth"],
  ["both list zones, none in common, a region missing", "z1-r1", "z3", "HAZARD_ZONE", "HAZARD_ZONE", "PLANET earth"],
  ["both list none, same region", "n-r1", "n-r1b", "DATACENTER", "DATACENTER", "REGION r1"],
  ["both list none, different known regions", "n-r1", "n-r2", "HAZARD_ZONE", "HAZARD_ZONE", "PLANET earth"],
  ["both list none, one region missing", "n-r1", "n", "DATACENTER", "HAZARD_ZONE", "POSSIBLE_HAZARD_ZONE n-r1 / n"],
  ["both list none, no region at all", "n", "n2", "DATACENTER", "HAZARD_ZONE", "POSSIBLE_HAZARD_ZONE n / n2"],
  ["one lists none, different known regions", "n-r2", "z2-r1", "HAZARD_ZONE", "HAZARD_ZONE", "PLANET earth"],
  ["one lists none, same region", "n-r1", "z2-r1", "DATACENTER", "HAZARD_ZONE", "POSSIBLE_HAZARD_ZONE n-r1 / z2-r1"],
  ["one lists none and has no region", "n", "z1-r1", "DATACENTER", "HAZARD_ZONE", "POSSIBLE_HAZARD_ZONE n / z1-r1"],
  ["one lists none, the other lists zones and no region", "n-r1", "z3", "DATACENTER", "HAZARD_ZONE", "POSSIBLE_HAZARD_ZONE n-r1 / z3"],
];

const text = (s: ReturnType<typeof datacenterSeparation>["shared"]) => (s.kind === "POSSIBLE_HAZARD_ZONE" ? `${s.kind} ${s.key} / ${s.other}` : s.kind === "NOTHING" ? "NOTHING" : "key" in s ? `${s.kind} ${s.key}` : s.kind);

describe("rule 3: datacenters that list no hazard zones", () => {
  it.each(CASES)("%s (%s / %s)", (_case, a, b, actual, possible, shared) => {
    const forward = datacenterSeparation(topology, a, b);
    expect({ actual: forward.actual, possible: forward.possible, shared: text(forward.shared) }).toEqual({ actual, possible, shared });
    // The same from the other side; the shared thing names the datacenter that lists none.
    const backward = datacenterSeparation(topology, b, a);
    expect([backward.actual, backward.possible]).toEqual([actual, possible]);
    if (forward.shared.kind === "POSSIBLE_HAZARD_ZONE" && topology.datacenters.get(b)!.hazardZones.length > 0) expect(text(backward.shared)).toBe(shared);
  });
});
