import type { Command } from "commander";
import { UsageError } from "./usage-error.ts";

/*
 * A command's action: its exit code becomes the process's, and a UsageError it throws is
 * reported by commander like any other usage error (exit 2, with that command's own usage).
 */
export function commandAction<A extends unknown[]>(work: (...args: A) => Promise<number>) {
  return async function (this: Command, ...args: A) {
    try {
      process.exitCode = await work(...args);
    } catch (error) {
      if (error instanceof UsageError) this.error(`error: ${error.message}`, { exitCode: 2, code: "tenancy.usage" });
      throw error;
    }
  };
}

/** A repeatable option's values, in order. */
export const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
