/*
 * `node --expose-gc --import tsx bench/warm-cost.ts [S|M|L] [database-url]`: the warm-up of a
 * loaded topology against the warm-up of the same one patched by a one-row sync, in one process
 * (CPU time and wall time of each, and their ratio), as the service does it (isolation-index.ts
 * `warm`). Given a database URL it reuses the fleet synced there (and keeps it); without one it
 * syncs the fleet into a new database and drops it at the end.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { migrate } from "../src/db/migrator.ts";
import { openDatabase } from "../src/db/open-database.ts";
import { syncInventory } from "../src/inventory/sync-inventory.ts";
import { loadTopology } from "../src/isolation/load-topology.ts";
import { readInventoryChanges } from "../src/isolation/read-inventory-changes.ts";
import { warm } from "../src/isolation/isolation-index.ts";
import { patchTopologySteps } from "../src/domain/patch-topology.ts";
import { rememberUnitsIndex, unitsIndex, unitsIndexSteps } from "../src/domain/units-index.ts";
import { adminQuery } from "../test/support/admin-query.ts";
import { findPostgresServer } from "../test/support/postgres-server.ts";
import { FLEET_SIZES, generateFleet } from "./fleet.ts";

const [name = "M", given] = process.argv.slice(2);
const server = await findPostgresServer(["BENCH_DATABASE_URL", "DATABASE_URL"]);
const dbName = `tenancy_warm_${randomBytes(4).toString("hex")}`;
const url = given ?? Object.assign(new URL(server.url), { pathname: `/${dbName}` }).toString();
if (!given) await adminQuery(server.url, `CREATE DATABASE ${dbName}`);
const db = await openDatabase({ databaseUrl: url, poolSize: 2 });

function drain<T>(steps: Generator<void, T>): T {
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** Wall and CPU milliseconds of `work`, and the major (mark-compact) collections' pause within it. */
function measure(label: string, work: () => void) {
  global.gc?.();
  const cpu = process.cpuUsage();
  const start = performance.now();
  work();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const heap = process.memoryUsage().heapUsed / 2 ** 20;
  console.log(`${label}: wall ${(wall / 1000).toFixed(2)} s, CPU ${(cpuMs / 1000).toFixed(2)} s, heap after ${heap.toFixed(0)} MB`);
  return cpuMs;
}

try {
  if (!given || process.env.SETUP) {
    await migrate(db.sql);
    const result = await syncInventory(db.sql, generateFleet(FLEET_SIZES[name]));
    if (result.status !== "APPLIED") throw new Error(`sync ${result.status}`);
    await db.sql.exec("VACUUM ANALYZE");
    console.log(`synced fleet ${name} into ${url}`);
  }
  const loaded = await loadTopology(db.sql);
  drain(unitsIndexSteps(loaded.topology));
  const loadCpu = measure("warm-up after a load", () => drain(warm(loaded.topology, () => false)));
  let before = loaded;
  let patchCpu = 0;
  for (let n = 0; n < Number(process.env.SYNCS ?? 2); n++) {
    const probe = `warm-probe-${randomBytes(4).toString("hex")}`;
    const result = await syncInventory(db.sql, { source: "bench-warm", containers: [{ id: probe, tenant: "tenant-0" }] });
    if (result.status !== "APPLIED") throw new Error(`probe sync ${result.status}`);
    const read = await readInventoryChanges(db.sql, before.version, 10_000);
    if ("reload" in read) throw new Error(`probe sync not patchable: ${read.reload}`);
    const { topology, units } = drain(patchTopologySteps(before.topology, unitsIndex(before.topology), read.changes));
    rememberUnitsIndex(topology, units);
    const session = process.env.PROFILE ? new Session() : null;
    if (session) {
      session.connect();
      await session.post("Profiler.enable");
      await session.post("Profiler.start");
    }
    patchCpu = measure(`warm-up after one-row sync ${n + 1}`, () => drain(warm(topology, () => false)));
    if (session) writeFileSync(`${process.env.PROFILE}-${n + 1}.cpuprofile`, JSON.stringify((await session.post("Profiler.stop")).profile));
    before = { topology, version: read.version };
  }
  console.log(`patched / loaded CPU: ${(patchCpu / loadCpu).toFixed(2)}`);
} finally {
  await db.close();
  if (!given) await adminQuery(server.url, `DROP DATABASE ${dbName} WITH (FORCE)`);
}
