import { readJsonFile } from "../cli/read-json-file.ts";
import type { Connector, ConnectorOptions, ConnectorResult } from "./connector.ts";

/** A connector that reads exports only was given none. */
export class ExportFileError extends Error {}

/**
 * Runs one connector: the provider's export files when given, else the live provider through
 * its SDK or API. Throws (nothing to sync) when any file or any part of the live read fails.
 */
export async function collectSnapshot(connector: Connector, options: ConnectorOptions, files: readonly string[]): Promise<ConnectorResult> {
  let documents: unknown[];
  if (files.length > 0) {
    documents = [];
    for (const file of files) documents.push(await readJsonFile(file));
  } else {
    if (!connector.fetch) throw new ExportFileError(`${connector.name} reads exports only: pass --file (${connector.exportFormat})`);
    documents = await connector.fetch(options);
  }
  return connector.map(documents, options);
}
