import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { migrate, migrationStatus } from "../db/migrator.ts";
import { commandAction } from "./command-action.ts";
import { withDatabase } from "./with-database.ts";

/** `tenancy migrate`: applies pending migrations and says what it did. */
export function addMigrateCommand(program: Command) {
  program
    .command("migrate")
    .summary("apply pending database migrations")
    .action(
      commandAction(() =>
        withDatabase(
          loadConfig(),
          async (db) => {
            const applied = await migrate(db.sql);
            const status = await migrationStatus(db.sql);
            console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "database is up to date");
            console.log(`${status.applied.length} migration(s) applied in ${db.location}`);
            return 0;
          },
          // A running service migrated its database when it started.
          { whenServed: "It applied every migration when it started; to apply new ones, restart it" },
        ),
      ),
    );
}
