/**
 * `npm run bench`: the performance table of the README. Runs against PostgreSQL
 * (BENCH_DATABASE_URL, else DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres),
 * in a scratch database it creates and drops. Sizes: `npm run bench -- S` or `-- S M` (default).
 *
 * Wall-clock figures on a shared machine are noisy, so each target is a ratio between two
 * figures measured in the same run (the sync against a raw COPY of the same rows, say).
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { migrate } from "../src/db/migrator.ts";
import { openDatabase } from "../src/db/open-database.ts";
import { TABLES, textArrayLiteral } from "../src/inventory/inventory-tables.ts";
import { INVENTORY_KINDS } from "../src/inventory/snapshot.ts";
import { syncInventory } from "../src/inventory/sync-inventory.ts";
import { validateSnapshot } from "../src/inventory/validate-snapshot.ts";
import { childEnv, startServe } from "../test/support/cli-process.ts";
import { adminQuery } from "../test/support/admin-query.ts";
import { fleetReport } from "../src/domain/fleet-report.ts";
import { DEFAULT_POLICY } from "../src/domain/policy.ts";
import { loadTopology } from "../src/isolation/load-topology.ts";
import { cachedChainOf } from "../src/domain/separation.ts";
import autocannon from "autocannon";
import { changeFleet, FLEET_SIZES, generateFleet, random, rowCount, type Fleet } from "./fleet.ts";

const adminUrl = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
const sizes = process.argv.slice(2).filter((a) => a in FLEET_SIZES);
const rows: string[][] = [];

const admin = (sql: string) => adminQuery(adminUrl, sql);

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
  const query = `query($after: String) { racks(first: 5, after: $after) { pageInfo { endCursor } nodes { key datacenter { key }
    hosts { nodes { key virtualMachines { nodes { key tenant { organization } workload { key }
      containers { nodes { key runtime } } } } } } } } }`;
  const latencies: number[] = [];
  let after: string | null = null;
  for (let i = 0; i < runs + 5; i++) {
    const start = performance.now();
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables: { after } }) });
    const body = (await response.json()) as { data: { racks: { pageInfo: { endCursor: string | null } } }; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    if (i >= 5) latencies.push(performance.now() - start); // the first few warm up
    after = body.data.racks.pageInfo.endCursor;
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

/** Latency under load from a load generator (autocannon), 4 connections for a few seconds. */
async function loadTest(url: string, body: () => string, seconds: number) {
  const result = await autocannon({
    url,
    connections: 4,
    duration: seconds,
    requests: [{ method: "POST", headers: { "content-type": "application/json" }, setupRequest: (request) => ({ ...request, body: body() }) }],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load test: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  return { p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total };
}

const reportRuns: Record<string, { ms: number; visits: number }> = {};

/** The hand-written floors: one GROUP BY each, over the same tables. */
const FLOOR_SCAN = `SELECT u.workload, u.host, count(*) FROM (
    SELECT v.workload, v.host FROM virtual_machine v WHERE v.workload IS NOT NULL
    UNION ALL
    SELECT c.workload, coalesce(c.host, v.host) FROM container c LEFT JOIN virtual_machine v ON v.key = c.virtual_machine WHERE c.workload IS NOT NULL
  ) u WHERE u.host IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1`;
const FLOOR_WHAT_IF = `SELECT coalesce(r.datacenter, h.datacenter, v.datacenter) AS datacenter, v.workload, count(*)
    FROM virtual_machine v LEFT JOIN host h ON h.key = v.host LEFT JOIN rack r ON r.key = h.rack
   WHERE v.workload IS NOT NULL GROUP BY 1, 2`;

async function graphql(url: string, query: string): Promise<any> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { data?: unknown; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function benchAntiAffinity(name: string, db: Awaited<ReturnType<typeof openDatabase>>, url: string, fleet: Fleet): Promise<string[][]> {
  await db.sql.query(FLOOR_SCAN); // warm the database's caches for a fair floor
  const [, floorScanMs] = await time(() => db.sql.query(FLOOR_SCAN));
  const [scan, scanMs] = await time(() => graphql(url, "{ antiAffinityViolations(first: 1) { totalCount } }"));
  const [, floorWhatIfMs] = await time(() => db.sql.query(FLOOR_WHAT_IF));
  const [whatIfs, whatIfMs] = await time(async () => {
    let touched = 0;
    for (const dc of fleet.datacenters) {
      const data = await graphql(url, `{ failureImpact(level: DATACENTER, domain: "${dc.id}") { workloads { losesAll } } }`);
      touched += data.failureImpact.workloads.length;
    }
    return touched;
  });
  const ratio = scanMs / floorScanMs;
  return [
    [name, "floor: one SQL GROUP BY (replicas per workload and host)", "", seconds(floorScanMs), "", ""],
    [name, "anti-affinity violations, whole fleet, first request (computed), HTTP", `${scan.antiAffinityViolations.totalCount} violations`, seconds(scanMs), "", `${ratio.toFixed(1)}× floor (target ≤ 2×) ${ratio <= 2 ? "✓" : "✗"}`],
    [name, "floor: one SQL GROUP BY (replicas per datacenter and workload)", "", seconds(floorWhatIfMs), "", ""],
    [name, "what-if for each datacenter, HTTP", `${fleet.datacenters.length} datacenters, ${whatIfs} workload impacts`, seconds(whatIfMs), "", `${(whatIfMs / floorWhatIfMs).toFixed(1)}× floor`],
  ];
}

async function benchIsolation(name: string, db: Awaited<ReturnType<typeof openDatabase>>, url: string, fleet: Fleet): Promise<string[][]> {
  const heapBefore = process.memoryUsage().heapUsed;
  const [loaded, loadMs] = await time(() => loadTopology(db.sql));
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  // The scan itself, in-process on the loaded topology (chains walked first, as the service
  // does at load): its time against how much of the co-located population it visits.
  for (const key of loaded.topology.virtualMachines.keys()) cachedChainOf(loaded.topology, { kind: "virtualMachine", key });
  for (const key of loaded.topology.containers.keys()) cachedChainOf(loaded.topology, { kind: "container", key });
  const stats = { visits: 0 };
  const counts = { NOT_ISOLATED: 0, UNPROVEN: 0 };
  const [report, scanMs] = await time(async () => fleetReport(loaded.topology, DEFAULT_POLICY, stats));
  for (const entry of report) counts[entry.outcome]++;

  // Warm the service's index, then load it: a trivial query (the floor) and random verdicts.
  const warm = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: `{ isolation(workload: "workload-0", tenant: "tenant-1") { outcome } }` }) });
  if (!warm.ok) throw new Error(`warm-up verdict failed: ${warm.status} ${await warm.text()}`);
  const rnd = random(99);
  const floor = await loadTest(url, () => JSON.stringify({ query: "{ __typename }" }), 5);
  const verdictQuery = `query($w: String!, $t: String!) { isolation(workload: $w, tenant: $t) { outcome actual possible explanation } }`;
  const verdicts = await loadTest(
    url,
    () => JSON.stringify({ query: verdictQuery, variables: { w: fleet.workloads[Math.floor(rnd() * fleet.workloads.length)].id, t: fleet.tenants[Math.floor(rnd() * fleet.tenants.length)].id } }),
    5,
  );
  const ratio = verdicts.p99 / Math.max(floor.p99, 1);
  // The full report as a user gets it: the service computes it on the first request.
  const [reportBody, reportMs] = await time(async () => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ isolationReport(first: 1) { totalCount } }" }) });
    return (await response.json()) as { data?: { isolationReport: { totalCount: number } }; errors?: unknown };
  });
  if (!reportBody.data || reportBody.data.isolationReport.totalCount !== counts.NOT_ISOLATED + counts.UNPROVEN) {
    throw new Error(`the service's report disagrees with the in-process one: ${JSON.stringify(reportBody)}`);
  }
  reportRuns[name] = { ms: scanMs, visits: stats.visits };
  const rows = [
    [name, "isolation index load (whole fleet into memory)", `${rowCount(fleet)} rows, +${heapMb.toFixed(0)} MB heap`, seconds(loadMs), "", ""],
    [name, "trivial query `{ __typename }` under load (floor)", `${floor.requests} requests`, `p50 ${floor.p50} ms`, `p99 ${floor.p99} ms`, ""],
    [name, "single verdict, random pairs, under load", `${verdicts.requests} requests`, `p50 ${verdicts.p50} ms`, `p99 ${verdicts.p99} ms`, `${ratio.toFixed(1)}× floor p99 (target ≤ 3× on M)${name === "M" ? (ratio <= 3 ? " ✓" : " ✗") : ""}`],
    [name, "isolation report scan, in-process", `${counts.NOT_ISOLATED} not isolated, ${counts.UNPROVEN} unproven; ${stats.visits} co-located checks`, seconds(scanMs), "", ""],
    [name, "full isolation report, first request (computed), HTTP", `${counts.NOT_ISOLATED + counts.UNPROVEN} pairs`, seconds(reportMs), "", name === "M" ? `target < 10 s ${reportMs < 10_000 ? "✓" : "✗"}` : ""],
  ];
  if (name === "M" && reportRuns.S) {
    const growth = reportMs / reportRuns.S.ms;
    const population = stats.visits / reportRuns.S.visits;
    rows.push([name, "report scan growth S → M", "", `${growth.toFixed(1)}× time`, `${population.toFixed(1)}× co-located checks`, growth <= population * 1.25 ? "no faster than the population (±25 %) ✓" : "faster than the population ✗"]);
  }
  return rows;
}

/**
 * Start-up: `tenancy serve` spawned on the fleet's database until /readyz answers 200. The
 * compiled build (NODE_ENV=production) when `npm run build` has made dist/, else tsx.
 */
async function startUpToReady(url: string): Promise<string[]> {
  const compiled = existsSync("dist/cli/main.js");
  const started = performance.now();
  const service = await startServe(childEnv({ DATABASE_URL: url, PORT: "0", NODE_ENV: compiled ? "production" : "development" }), 120_000);
  while ((await fetch(service.url.replace("/graphql", "/readyz")).catch(() => null))?.status !== 200) await new Promise((r) => setTimeout(r, 20));
  const ms = performance.now() - started;
  service.child.kill("SIGTERM");
  await service.exited;
  return ["start-up to /readyz", compiled ? "compiled build (dist/)" : "TypeScript through tsx (no dist/)", seconds(ms), "", ""];
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
    const startUp = await startUpToReady(url);
    // The service in its own process, as in production: the load generator here must not
    // share its event loop.
    const service = await startServe(childEnv({ DATABASE_URL: url, PORT: "0", LOG_LEVEL: "info" }), 120_000);
    let latency: { p50: number; p99: number };
    let isolation: string[][];
    try {
      latency = await nestedQueryLatency(service.url, 100);
      isolation = [...(await benchIsolation(name, db, service.url, fleet)), ...(await benchAntiAffinity(name, db, service.url, fleet))];
    } finally {
      service.child.kill("SIGTERM");
      await service.exited;
    }

    const ratio = initialMs / floor;
    const resync = sameMs / initialMs;
    rows.push(
      [name, "raw COPY of the same rows (floor)", `${total} rows`, seconds(floor), `${Math.round(total / (floor / 1000))} rows/s`, ""],
      [name, "initial sync", `${total} rows`, seconds(initialMs), `${Math.round(total / (initialMs / 1000))} rows/s`, `${ratio.toFixed(2)}× COPY (target ≤ 3×) ${ratio <= 3 ? "✓" : "✗"}`],
      [name, "no-change resync", `${same.totals.unchanged} unchanged`, seconds(sameMs), "", `${(resync * 100).toFixed(0)} % of initial (target ≤ 25 %) ${resync <= 0.25 ? "✓" : "✗"}`],
      [name, "1 % change resync", `${delta.totals.updated} updated`, seconds(deltaMs), "", `${((deltaMs / initialMs) * 100).toFixed(0)} % of initial`],
      [name, ...startUp],
      [name, "nested query (5 racks → hosts → VMs → containers), HTTP", "100 requests", `p50 ${latency.p50.toFixed(1)} ms`, `p99 ${latency.p99.toFixed(1)} ms`, ""],
      ...isolation,
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
