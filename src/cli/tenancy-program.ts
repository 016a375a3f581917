import { Command } from "commander";
import { addAnswerCommands } from "./answer-commands.ts";
import { addDemoCommand } from "./demo-command.ts";
import { addMigrateCommand } from "./migrate-command.ts";
import { addPlaceCommand } from "./place-command.ts";
import { addQueryCommand } from "./query-command.ts";
import { addServeCommand } from "./serve-command.ts";
import { addSyncCommand } from "./sync-command.ts";
import { addTokenCommand } from "./token-command.ts";

/*
 * The `tenancy` command line, on commander: every command has its own `--help` (which never
 * acts), and wrong usage prints that command's usage. Exit codes (src/cli/main.ts): 0 done,
 * 1 refused or failed, 2 wrong usage, 3 configuration error or database/service unreachable.
 */
export function tenancyProgram(): Command {
  const program = new Command("tenancy")
    .description(
      "Tenancy Scale: isolation verdicts over a multi-cloud inventory.\n" +
        "The database is DATABASE_URL when set, else the embedded one in TENANCY_DATA_DIR (.tenancy-data);\n" +
        "commands that answer questions talk to the service at TENANCY_URL with TENANCY_TOKEN.",
    )
    // Set before the commands are added, so that every command inherits them.
    .exitOverride()
    .showHelpAfterError()
    .allowExcessArguments(false);
  addServeCommand(program);
  addMigrateCommand(program);
  addSyncCommand(program);
  addDemoCommand(program);
  addTokenCommand(program);
  addQueryCommand(program);
  addAnswerCommands(program);
  addPlaceCommand(program);
  return program;
}
