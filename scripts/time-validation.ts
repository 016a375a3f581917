/*
 * How long validating the bench's S fleet (50k containers, 10k VMs) takes: a measuring script
 * for changes to the snapshot's schema, not a benchmark row. Run with
 * `node --import tsx scripts/time-validation.ts [rounds]`; prints the median and the best.
 */
import { FLEET_SIZES, generateFleet } from "../bench/fleet.ts";
import { validateSnapshot } from "../src/inventory/validate-snapshot.ts";

const rounds = Number(process.argv[2] ?? 15);
const document = JSON.parse(JSON.stringify(generateFleet(FLEET_SIZES.S)));
const times: number[] = [];
for (let i = 0; i < rounds + 3; i++) {
  const start = performance.now();
  const result = validateSnapshot(document);
  const ms = performance.now() - start;
  if (!result.ok) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
  if (i >= 3) times.push(ms); // the first rounds warm the JIT up
}
times.sort((a, b) => a - b);
console.log(`validateSnapshot, S fleet (${document.containers.length} containers): median ${times[times.length >> 1].toFixed(1)} ms, best ${times[0].toFixed(1)} ms over ${rounds} rounds`);
