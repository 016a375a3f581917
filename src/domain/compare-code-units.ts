import type { UnitRef } from "./topology.ts";

/*
 * The one order of keys and units in every answer: by UTF-16 code units, as Array.prototype.sort
 * orders strings, the same on every machine (localeCompare's order depends on the locale and
 * the ICU data, so two replicas could list one answer in two orders).
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Units by kind, then key, both by code units. */
export function compareUnitRef(a: UnitRef, b: UnitRef): number {
  return compareCodeUnits(a.kind, b.kind) || compareCodeUnits(a.key, b.key);
}
