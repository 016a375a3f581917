import { readFile } from "node:fs/promises";
import { describeJsonError } from "./locate-json-error.ts";
import { readStdin } from "./read-stdin.ts";

/** A file that could not be read, or is not JSON; the message names the file and, for bad JSON, the line and column. */
export class JsonFileError extends Error {
  constructor(
    message: string,
    readonly reason: "unreadable" | "invalid",
  ) {
    super(message);
  }
}

/** The JSON document in `file` (- for standard input). */
export async function readJsonFile(file: string): Promise<unknown> {
  const text =
    file === "-"
      ? await readStdin()
      : await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
          throw new JsonFileError(`cannot read ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`, "unreadable");
        });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new JsonFileError(`${file} is not valid JSON: ${describeJsonError(text, error as Error)}`, "invalid");
  }
}
