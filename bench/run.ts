/**
 * `npm run bench`: the performance table of the README. Runs against PostgreSQL
 * (BENCH_DATABASE_URL, else DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres),
 * in a scratch database it creates and drops. Sizes: `npm run bench -- S` or `-- S M` (default).
 *
 * Wall-clock figures on a shared machine are noisy, so each target is a ratio between two
 * figures measured in the same run (the sync against a raw COPY of the same rows, say).
 */
import { randomBytes } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { pino } from "pino";
import { migrate } from "../src/db/migrator.ts";
import { openDatabase } from "../src/db/open-database.ts";
import { TABLES, textArrayLiteral } from "../src/inventory/inventory-tables.ts";
import { INVENTORY_KINDS } from "../src/inventory/snapshot.ts";
import { syncInventory } from "../src/inventory/sync-inventory.ts";
import { validateSnapshot } from "../src/inventory/validate-snapshot.ts";
import { startService } from "../src/service.ts";
import { changeFleet, FLEET_SIZES, generateFleet, rowCount, type Fleet } from "./fleet.ts";

const adminUrl = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
const sizes = process.argv.slice(2).filter((a) => a in FLEET_SIZES);
const rows: string[][] = [];

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const time = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
};

/** The physical floor: COPY the same rows into empty copies of the tables (same indexes). */
async function rawCopy(url: string, document: Fleet): Promise<number> {
  // The rows as the sync writes them: validated, defaults applied.
  const validation = validateSnapshot(document);
  if (!validation.ok) throw new Error(`the generated fleet is not valid: ${JSON.stringify(validation.problems.slice(0, 3))}`);
  const fleet = validation.snapshot;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("DROP SCHEMA IF EXISTS floor CASCADE; CREATE SCHEMA floor");
    for (const kind of INVENTORY_KINDS) await client.query(`CREATE TABLE floor.${TABLES[kind].table} (LIKE public.${TABLES[kind].table} INCLUDING ALL)`);
    const start = performance.now();
    await client.query("BEGIN");
    for (const kind of INVENTORY_KINDS) {
      const spec = TABLES[kind];
      const columns = ["key", "source", ...spec.columns.map((c) => c.column)];
      const records = fleet[kind] as unknown as Record<string, unknown>[];
      const lines = function* () {
        for (const record of records) {
          const values = [copyText(record.id as string), copyText(fleet.source)];
          for (const column of spec.columns) {
            const value = record[column.field];
            if (value === undefined || value === null) values.push("\\N");
            else if (column.type === "text[]") values.push(copyText(textArrayLiteral(value as string[])));
            else if (column.type === "jsonb") values.push(copyText(JSON.stringify(value)));
            else values.push(copyText(String(value)));
          }
          yield values.join("\t") + "\n";
        }
      };
      await pipeline(Readable.from(lines()), client.query(copyFrom(`COPY floor.${spec.table} (${columns.join(", ")}) FROM STDIN`)));
    }
    await client.query("COMMIT");
    const elapsed = performance.now() - start;
    await client.query("DROP SCHEMA floor CASCADE");
    return elapsed;
  } finally {
    await client.end();
  }
}

const copyText = (s: string) => s.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n");

async function nestedQueryLatency(url: string, runs: number) {
  const service = await startService(
    { port: 0, host: "127.0.0.1", databaseUrl: url, dataDir: "unused", adminToken: undefined, logLevel: "silent", maxBodyBytes: 1 << 20, loadDemoOnCreate: false },
    pino({ level: "silent" }),
  );
  const query = `query($after: String) { racks(first: 5, after: $after) { pageInfo { endCursor } nodes { key datacenter { key }
    hosts { nodes { key virtualMachines { nodes { key tenant { organization } workload { key }
      containers { nodes { key runtime } } } } } } } } }`;
  const latencies: number[] = [];
  try {
    let after: string | null = null;
    for (let i = 0; i < runs + 5; i++) {
      const start = performance.now();
      const response = await fetch(service.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables: { after } }) });
      const body = (await response.json()) as { data: { racks: { pageInfo: { endCursor: string | null } } }; errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      if (i >= 5) latencies.push(performance.now() - start); // the first few warm up
      after = body.data.racks.pageInfo.endCursor;
    }
  } finally {
    await service.close();
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

async function benchSize(name: string) {
  const size = FLEET_SIZES[name];
  const fleet = generateFleet(size);
  const total = rowCount(fleet);
  const dbName = `tenancy_bench_${randomBytes(4).toString("hex")}`;
  await admin(`CREATE DATABASE ${dbName}`);
  const url = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
  const db = await openDatabase({ databaseUrl: url, poolSize: 4 });
  try {
    await migrate(db.sql);
    const floor = await rawCopy(url, fleet);
    const [initial, initialMs] = await time(() => syncInventory(db.sql, fleet));
    if (initial.status !== "APPLIED") throw new Error(`initial sync ${initial.status}: ${JSON.stringify(initial.errors.slice(0, 3))}`);
    await db.sql.exec("VACUUM ANALYZE");
    const [same, sameMs] = await time(() => syncInventory(db.sql, fleet));
    if (same.status !== "UNCHANGED") throw new Error(`no-change resync ${same.status}`);
    const changed = changeFleet(fleet, 0.01);
    const [delta, deltaMs] = await time(() => syncInventory(db.sql, changed));
    const latency = await nestedQueryLatency(url, 100);

    const ratio = initialMs / floor;
    const resync = sameMs / initialMs;
    rows.push(
      [name, "raw COPY of the same rows (floor)", `${total} rows`, seconds(floor), `${Math.round(total / (floor / 1000))} rows/s`, ""],
      [name, "initial sync", `${total} rows`, seconds(initialMs), `${Math.round(total / (initialMs / 1000))} rows/s`, `${ratio.toFixed(2)}× COPY (target ≤ 3×) ${ratio <= 3 ? "✓" : "✗"}`],
      [name, "no-change resync", `${same.totals.unchanged} unchanged`, seconds(sameMs), "", `${(resync * 100).toFixed(0)} % of initial (target ≤ 25 %) ${resync <= 0.25 ? "✓" : "✗"}`],
      [name, "1 % change resync", `${delta.totals.updated} updated`, seconds(deltaMs), "", `${((deltaMs / initialMs) * 100).toFixed(0)} % of initial`],
      [name, "nested query (5 racks → hosts → VMs → containers), HTTP", "100 requests", `p50 ${latency.p50.toFixed(1)} ms`, `p99 ${latency.p99.toFixed(1)} ms`, ""],
    );
  } finally {
    await db.close();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
}

for (const name of sizes.length ? sizes : ["S", "M"]) {
  process.stderr.write(`bench: fleet ${name}…\n`);
  await benchSize(name);
}
const header = ["fleet", "measure", "work", "time", "rate / p99", "against target"];
const table = [header, header.map(() => "---"), ...rows];
console.log(table.map((r) => `| ${r.join(" | ")} |`).join("\n"));
