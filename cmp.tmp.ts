import { FLEET_SIZES, generateFleet } from "./bench/fleet.ts";
import { validateSnapshot } from "./src/inventory/validate-snapshot.ts";
const old = await import("/tmp/oldval/validate-snapshot.ts");
const doc = JSON.parse(JSON.stringify(generateFleet(FLEET_SIZES.S)));
const t = { old: [] as number[], new: [] as number[] };
for (let i = 0; i < 25; i++) {
  for (const [name, f] of [["old", old.validateSnapshot], ["new", validateSnapshot]] as const) {
    (globalThis as any).gc?.(); const s = performance.now(); const r = f(doc); const ms = performance.now() - s;
    if (!r.ok) throw new Error("bad");
    if (i >= 3) t[name].push(ms);
  }
}
for (const [n, ts] of Object.entries(t)) { ts.sort((a, b) => a - b); console.log(n, "median", ts[ts.length >> 1].toFixed(1), "best", ts[0].toFixed(1)); }
