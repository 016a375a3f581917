import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { SqlClient } from "../db/sql-client.ts";
import { syncInventory, type SyncResult } from "./sync-inventory.ts";
import { compareCodeUnits } from "../domain/compare-code-units.ts";

/*
 * The demo inventory (examples/demo/*.json): a university's biology and geology groups sharing
 * a campus datacenter, two companies in a public cloud with hidden hosts, a bank's ledger
 * crowded behind one PDU in a colocation, and one rack on the moon. Each file is one source's
 * snapshot, synced the same way as any other.
 */
export const DEMO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../examples/demo");

// Order matters only for warnings: sources that others reference are synced first.
const DEMO_ORDER = ["dcim-campus.json", "aws-acme.json", "aws-globex.json", "dcim-moon.json", "dcim-fra.json"];

export async function loadDemoInventory(sql: SqlClient): Promise<SyncResult[]> {
  const results: SyncResult[] = [];
  for (const { file, snapshot } of await demoSnapshots()) {
    const result = await syncInventory(sql, snapshot);
    if (result.status === "REFUSED" || result.status === "FAILED") {
      throw new Error(`demo snapshot ${file} was ${result.status.toLowerCase()}: ${result.errors.map((e) => `${e.path.join(".")}: ${e.message}`).join("; ")}`);
    }
    results.push(result);
  }
  return results;
}

/** The demo's snapshots, in the order they are synced. */
export async function demoSnapshots(): Promise<{ file: string; snapshot: { source: string } & Record<string, unknown> }[]> {
  const files = (await readdir(DEMO_DIR)).filter((f) => f.endsWith(".json"));
  files.sort((a, b) => rank(a) - rank(b) || compareCodeUnits(a, b));
  return Promise.all(files.map(async (file) => ({ file, snapshot: JSON.parse(await readFile(path.join(DEMO_DIR, file), "utf8")) as { source: string } & Record<string, unknown> })));
}

function rank(file: string): number {
  const index = DEMO_ORDER.indexOf(file);
  return index === -1 ? DEMO_ORDER.length : index;
}

/** True when the database has never seen a sync: the demo may be loaded without harm. */
export async function isPristine(sql: SqlClient): Promise<boolean> {
  const [row] = await sql.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM sync_run) AS any`);
  return !row.any;
}
