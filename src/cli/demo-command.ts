import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { migrate } from "../db/migrator.ts";
import { demoSnapshots } from "../inventory/demo-inventory.ts";
import { commandAction } from "./command-action.ts";
import { formatSyncReport } from "./sync-report.ts";
import { databaseSyncTarget, serviceSyncTarget, type SyncTarget } from "./sync-target.ts";
import { withDatabase } from "./with-database.ts";

/*
 * `tenancy demo`: loads the demo inventory (examples/demo/). `--remove` takes it out again so
 * that real data is not blocked by it (the demo owns datacenters, tenants and ids a real
 * estate may use): each demo source syncs a complete, empty snapshot, so everything it
 * described leaves in one recorded run per source, and the sources keep their history.
 */
export function addDemoCommand(program: Command) {
  program
    .command("demo")
    .summary("load the demo inventory, or remove it (--remove)")
    .option("--remove", "remove the demo's sources' inventory, so real data is not blocked by it")
    .action(
      commandAction((o: { remove?: boolean }) => {
        const work = (target: SyncTarget) => (o.remove ? removeDemo(target) : loadDemo(target));
        return withDatabase(
          loadConfig(),
          async (db) => {
            await migrate(db.sql);
            return work(databaseSyncTarget(db.sql));
          },
          { viaService: (client) => work(serviceSyncTarget(client)) },
        );
      }),
    );
}

async function loadDemo(target: SyncTarget): Promise<number> {
  for (const { snapshot } of await demoSnapshots()) {
    const result = await target(snapshot, {});
    if (result.status === "REFUSED" || result.status === "FAILED") {
      console.error(formatSyncReport(result));
      return 1;
    }
    console.log(formatSyncReport(result));
  }
  return 0;
}

async function removeDemo(target: SyncTarget): Promise<number> {
  let failed = 0;
  // Last synced first: nothing the later demo sources reference dangles on the way.
  for (const { snapshot } of (await demoSnapshots()).reverse()) {
    const result = await target({ source: snapshot.source, complete: true }, { allowMassRemoval: true });
    const ok = result.status === "APPLIED" || result.status === "UNCHANGED";
    if (!ok) failed++;
    (ok ? console.log : console.error)(formatSyncReport(result));
  }
  if (failed === 0) console.log("the demo inventory is removed; its sources stay listed with their runs, and the demo is not loaded again into this database");
  return failed > 0 ? 1 : 0;
}
