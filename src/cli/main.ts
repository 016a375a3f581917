import { CommanderError } from "commander";
import { ConfigError } from "../config.ts";
import { ServiceError } from "./service-client.ts";
import { tenancyProgram } from "./tenancy-program.ts";
import { DatabaseBusyError } from "./with-database.ts";
import { terminalText } from "./terminal-text.ts";

/*
 * `tenancy <command>`. Exit codes: 0 done, 1 the work was refused or failed (a sync's
 * snapshot was refused, say), 2 wrong usage, 3 configuration error, database or service
 * unreachable, or the embedded database held by another process.
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2; // commander printed the usage already
  if (error instanceof DatabaseBusyError || error instanceof ServiceError) {
    console.error(`tenancy: ${error.message}`);
    return 3;
  }
  if ((error as { graphqlErrors?: unknown }).graphqlErrors) {
    console.error(`tenancy: the service refused: ${terminalText((error as Error).message)}`);
    return 1;
  }
  if (error instanceof ConfigError) {
    console.error(`tenancy: configuration: ${error.message}`);
    return 3;
  }
  if (["ECONNREFUSED", "ENOTFOUND", "3D000", "28P01", "28000"].includes((error as { code?: string }).code ?? "")) {
    console.error(`tenancy: cannot reach the database: ${(error as Error).message}`);
    return 3;
  }
  console.error(`tenancy: ${(error as Error).stack ?? String(error)}`);
  return 1;
}

tenancyProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.exitCode = exitCodeOf(error);
  });
