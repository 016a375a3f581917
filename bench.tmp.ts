import { z } from "zod";
import { FLEET_SIZES, generateFleet } from "./bench/fleet.ts";
import { INVENTORY } from "./src/inventory/snapshot.ts";
import { optionalText, text } from "./src/inventory/inventory-fields.ts";
const doc = JSON.parse(JSON.stringify(generateFleet(FLEET_SIZES.S)));
const cts = doc.containers;
const mk = (rt: z.ZodType) => z.array(z.strictObject({ id: text(), virtualMachine: optionalText(), host: optionalText(), runtime: rt, tenant: text(), workload: optionalText() }));
const variants: Record<string, z.ZodType> = {
  current: z.array(INVENTORY.containers.schema),
  noTransform: mk(optionalText()),
  overwrite: mk(optionalText().overwrite((v) => v ?? "runc")),
  preprocess: mk(z.preprocess((v) => v ?? undefined, text().default("runc"))),
  transformOnly: mk(z.string().nullish().transform((v) => v ?? "runc")),
};
const t: Record<string, number[]> = {};
for (let i = 0; i < 30; i++) for (const [n, s] of Object.entries(variants)) { (globalThis as any).gc(); const st = performance.now(); s.safeParse(cts); (t[n] ??= []).push(performance.now() - st); }
for (const [n, ts] of Object.entries(t)) { ts.sort((a, b) => a - b); console.log(n.padEnd(14), "median", ts[15].toFixed(1), "best", ts[0].toFixed(1)); }
