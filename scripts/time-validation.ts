/*
 * How long validating the bench's S fleet (50k containers, 10k VMs) takes: a measuring script
 * for changes to the snapshot's declaration, not a benchmark row and not a test. Run
 * `node --expose-gc --import tsx scripts/time-validation.ts [rounds] [module…]`; each module
 * (default: src/inventory/validate-snapshot.ts) must export `validateSnapshot`. Several modules
 * (an older version saved elsewhere, say) are timed in turns on the same document, so a busy
 * machine slows them alike. Prints each one's median and best.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { FLEET_SIZES, generateFleet } from "../bench/fleet.ts";

type Validate = (document: unknown) => { ok: boolean };

const rounds = Number(process.argv[2] ?? 15);
const modules = process.argv.length > 3 ? process.argv.slice(3) : ["src/inventory/validate-snapshot.ts"];
const validators: [string, Validate][] = [];
for (const file of modules) {
  const module = (await import(pathToFileURL(path.resolve(file)).href)) as { validateSnapshot: Validate };
  validators.push([file, module.validateSnapshot]);
}
const document = JSON.parse(JSON.stringify(generateFleet(FLEET_SIZES.S))) as ReturnType<typeof generateFleet>;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const times = new Map<string, number[]>(modules.map((file) => [file, []]));
for (let i = 0; i < rounds + 3; i++) {
  for (const [file, validate] of validators) {
    gc(); // a collection owed by the previous round is not this one's
    const start = performance.now();
    const result = validate(document);
    const ms = performance.now() - start;
    if (!result.ok) throw new Error(`${file} refused the fleet`);
    if (i >= 3) times.get(file)!.push(ms); // the first rounds warm the JIT up
  }
}
for (const [file, ms] of times) {
  ms.sort((a, b) => a - b);
  console.log(`${file}: S fleet (${document.containers.length} containers), median ${ms[ms.length >> 1].toFixed(1)} ms, best ${ms[0].toFixed(1)} ms over ${rounds} rounds`);
}
