import { readFile } from "node:fs/promises";
import { describeJsonError } from "../cli/locate-json-error.ts";
import type { Connector, ConnectorOptions, ConnectorResult } from "./connector.ts";

/** A provider file that could not be read or is not JSON. */
export class ExportFileError extends Error {}

/**
 * Runs one connector: the provider's export files when given, else the live provider through
 * its SDK or API. Throws (nothing to sync) when any file or any part of the live read fails.
 */
export async function collectSnapshot(connector: Connector, options: ConnectorOptions, files: readonly string[]): Promise<ConnectorResult> {
  let documents: unknown[];
  if (files.length > 0) {
    documents = [];
    for (const file of files) documents.push(await readExport(file));
  } else {
    if (!connector.fetch) throw new ExportFileError(`${connector.name} reads exports only: pass --file (${connector.exportFormat})`);
    documents = await connector.fetch(options);
  }
  return connector.map(documents, options);
}

async function readExport(file: string): Promise<unknown> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new ExportFileError(`cannot read ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
  });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ExportFileError(`${file} is not valid JSON: ${describeJsonError(text, error as Error)}`);
  }
}
