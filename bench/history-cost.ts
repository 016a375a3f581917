import { createHmac, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { migrate } from "../src/db/migrator.ts";
import { openDatabase, type Database } from "../src/db/open-database.ts";
import { findingsUpToDate } from "../src/findings/update-findings.ts";
import { syncInventory } from "../src/inventory/sync-inventory.ts";
import { adminQuery } from "../test/support/admin-query.ts";
import { childEnv, startServe, type ServeProcess } from "../test/support/cli-process.ts";
import { changeFleet, random, type Fleet } from "./fleet.ts";

/*
 * `npm run bench -- S history`: issue 14's targets, each a ratio of two figures measured in
 * this run (the machine is shared). Every database here is a clone of one freshly migrated
 * template, so each initial sync starts from the same empty tables:
 *
 * - what history costs a sync: initial syncs with the history triggers and without them
 *   (disabled, and the history_xact column's default dropped, in a scratch clone only), in
 *   alternating order; a no-change resync against the initial sync; the bytes
 *   inventory_row_version takes per changed row after a resync that changes a known number;
 * - an asOf verdict in the service: the first for a moment against the index's load (the
 *   service's own reload histogram), later ones' p99 against a current verdict's p99, both
 *   sequential over HTTP, interleaved;
 * - notification latency: a local receiver registered as a webhook (createWebhook, admin
 *   token), then syncs that each open a finding; from the sync's answer to the signed POST.
 */

/** The issue's targets. */
const TARGETS = { withHistory: 1.3, resync: 0.25, firstAsOf: 3, laterAsOf: 3, notifyMs: 5000 };
const ROUNDS = 3;
const VERDICTS = 200;
const NOTIFICATIONS = 5;

const ok = (met: boolean) => (met ? "✓" : "✗");
/** A time; a wait that ran out is Infinity, shown as what it is. */
const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : "> 60 s (none within the wait)");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  return [await work(), performance.now() - start];
}

export async function historyCost(name: string, adminUrl: string, fleet: Fleet): Promise<string[][]> {
  const template = `tenancy_bench_history_${randomBytes(4).toString("hex")}`;
  const urlOf = (db: string) => Object.assign(new URL(adminUrl), { pathname: `/${db}` }).toString();
  await adminQuery(adminUrl, `CREATE DATABASE ${template}`);
  const clones: string[] = [];
  const clone = async () => {
    const db = `${template}_${clones.length}`;
    clones.push(db);
    await adminQuery(adminUrl, `CREATE DATABASE ${db} TEMPLATE ${template}`);
    return urlOf(db);
  };
  try {
    const migrated = await openDatabase({ databaseUrl: urlOf(template), poolSize: 2 });
    await migrate(migrated.sql).finally(() => migrated.close());
    const sync = await syncCost(name, fleet, clone);
    const mainUrl = await clone();
    const main = await openDatabase({ databaseUrl: mainUrl, poolSize: 4 });
    try {
      const moments = await historyOf(main, fleet);
      const service = await serviceRows(name, main, mainUrl, moments.at, fleet);
      return [...sync, ...storageRows(name, moments), ...service];
    } finally {
      await main.close();
    }
  } finally {
    // A failed drop is reported, not thrown: thrown from here it would hide the error that ended the run.
    for (const db of [...clones, template]) {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch((error: unknown) => process.stderr.write(`could not drop ${db}: ${error instanceof Error ? error.message : String(error)}\n`));
    }
  }
}

/** Makes a clone keep no history: its triggers off, the row stamp's default gone (as before the migration). */
async function withoutHistory(db: Database) {
  const triggers = await db.sql.query<{ relation: string; trigger: string }>(
    `SELECT tgrelid::regclass::text AS relation, tgname AS trigger FROM pg_trigger
      WHERE tgfoid IN ('inventory_history_capture'::regproc, 'source_sync_capture'::regproc)`,
  );
  const stamped = await db.sql.query<{ relation: string }>(`SELECT table_name AS relation FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'history_xact'`);
  if (triggers.length === 0 || stamped.length === 0) throw new Error("no history triggers found: has migration 20261201030000_inventory_history changed?");
  for (const t of triggers) await db.sql.exec(`ALTER TABLE ${t.relation} DISABLE TRIGGER "${t.trigger}"`);
  for (const s of stamped) await db.sql.exec(`ALTER TABLE "${s.relation}" ALTER COLUMN history_xact DROP DEFAULT`);
}

/** Initial syncs with and without history, alternating which goes first, each followed by a no-change resync. */
async function syncCost(name: string, fleet: Fleet, clone: () => Promise<string>): Promise<string[][]> {
  const initial = { with: [] as number[], without: [] as number[] };
  const resyncs = { with: [] as number[], without: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of round % 2 === 0 ? (["with", "without"] as const) : (["without", "with"] as const)) {
      const db = await openDatabase({ databaseUrl: await clone(), poolSize: 4 });
      try {
        if (variant === "without") await withoutHistory(db);
        const [first, ms] = await timed(() => syncInventory(db.sql, fleet));
        if (first.status !== "APPLIED") throw new Error(`initial sync ${first.status}: ${JSON.stringify(first.errors.slice(0, 3))}`);
        initial[variant].push(ms);
        await db.sql.exec("VACUUM ANALYZE"); // as the bench's own resync row does (autovacuum would, soon)
        const [again, againMs] = await timed(() => syncInventory(db.sql, fleet));
        if (again.status !== "UNCHANGED") throw new Error(`no-change resync ${again.status}`);
        resyncs[variant].push(againMs);
      } finally {
        await db.close();
      }
    }
  }
  const cost = median(initial.with) / median(initial.without);
  const resync = median(resyncs.with) / median(initial.with);
  const spread = (xs: number[]) => `${seconds(Math.min(...xs))}–${seconds(Math.max(...xs))}`;
  return [
    [
      name,
      `history: initial sync with history ÷ without (triggers off), median of ${ROUNDS} each`,
      `${spread(initial.with)} vs ${spread(initial.without)}`,
      `with ${seconds(median(initial.with))}`,
      `without ${seconds(median(initial.without))}`,
      `${cost.toFixed(2)}× (target ≤ ${TARGETS.withHistory}×) ${ok(cost <= TARGETS.withHistory)}`,
    ],
    [
      name,
      "history: no-change resync ÷ initial sync (with history; resync without history beside it)",
      `${spread(resyncs.with)} vs ${spread(resyncs.without)}`,
      `with ${seconds(median(resyncs.with))}`,
      `without ${seconds(median(resyncs.without))}`,
      `${(resync * 100).toFixed(0)} % of initial (target ≤ ${TARGETS.resync * 100} %) ${ok(resync <= TARGETS.resync)}`,
    ],
  ];
}

interface History {
  /** Moments whose inventory versions are neither each other's nor the current one. */
  at: Date[];
  changed: number;
  kept: number;
  bytes: number;
  jsonBytes: number;
}

/** Initial sync, then two changing resyncs: a known number of changed rows, and two past moments. */
async function historyOf(db: Database, fleet: Fleet): Promise<History> {
  const applied = async (document: Fleet) => {
    const result = await syncInventory(db.sql, document);
    if (result.status !== "APPLIED") throw new Error(`sync ${result.status}: ${JSON.stringify(result.errors.slice(0, 3))}`);
    await sleep(20); // a moment strictly between two versions
    return result;
  };
  await applied(fleet);
  await db.sql.exec("VACUUM ANALYZE");
  const first = new Date();
  const delta = await applied(changeFleet(fleet, 0.05));
  const changed = delta.totals.updated + delta.totals.removed;
  const [size] = await db.sql.query<{ kept: string; bytes: string; json: string }>(
    `SELECT count(*) AS kept, pg_total_relation_size('inventory_row_version') AS bytes, coalesce(sum(pg_column_size("row")), 0) AS json FROM inventory_row_version`,
  );
  const second = new Date();
  await applied(changeFleet(fleet, 0.01, 8)); // the current version: neither moment's
  return { at: [first, second], changed, kept: Number(size.kept), bytes: Number(size.bytes), jsonBytes: Number(size.json) };
}

function storageRows(name: string, h: History): string[][] {
  return [
    [
      name,
      "history: storage per changed row (5 % change resync), inventory_row_version with its indexes",
      `${h.changed} rows changed, ${h.kept} kept`,
      `${(h.bytes / Math.max(1, h.changed)).toFixed(0)} B per changed row`,
      `row JSON ${(h.jsonBytes / Math.max(1, h.kept)).toFixed(0)} B`,
      "stated (no target)",
    ],
  ];
}

/** The service on the main clone, with an admin token: asOf verdicts, then notifications. */
async function serviceRows(name: string, db: Database, url: string, moments: Date[], fleet: Fleet): Promise<string[][]> {
  const token = randomBytes(24).toString("hex");
  const env = childEnv({
    DATABASE_URL: url,
    PORT: "0",
    LOG_LEVEL: "info",
    TENANCY_ADMIN_TOKEN: token,
    TENANCY_DEMO: "off",
    // The receiver is local: its loopback network is allowed, as an operator would allow an internal one.
    TENANCY_WEBHOOK_ALLOW_NETWORKS: "127.0.0.0/8",
    // The first asOf of a moment builds a past topology: on M, or on a loaded machine, longer than an admin request's 15 s.
    TENANCY_DEADLINE_MS_ADMIN: "300000",
  });
  // HISTORY_PROFILE=file: the service's CPU profile over the notification syncs, written there (to see where a notification's time goes).
  const profileTo = process.env.HISTORY_PROFILE;
  const service = await startServe(env, 120_000, profileTo ? ["tsx", "./bench/cpu-profiler.ts"] : undefined);
  try {
    const gql = graphqlAs(service.url, token);
    const asOf = await asOfRows(name, db, service, token, moments, fleet);
    const profile = profileTo ? profiled(service) : null;
    const notifications = await notificationRows(name, db, gql, service.logs);
    profile?.stop();
    if (profile && profileTo) writeFileSync(profileTo, JSON.stringify(await profile));
    return [...asOf, ...notifications];
  } finally {
    service.child.kill("SIGTERM");
    await service.exited;
  }
}

type Gql = (query: string, variables?: Record<string, unknown>) => Promise<any>;

/** Starts the service's profiler (bench/cpu-profiler.ts); the profile, once `stop` is sent. */
function profiled(service: ServeProcess): Promise<unknown> & { stop(): void } {
  const profile = new Promise<unknown>((resolve, reject) => service.child.once("message", (m: { profile?: unknown; error?: string }) => (m.profile ? resolve(m.profile) : reject(new Error(`the service's profiler: ${m.error}`)))));
  service.child.send("start");
  return Object.assign(profile, { stop: () => service.child.send("stop") });
}

function graphqlAs(url: string, token: string): Gql {
  return async (query, variables) => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data?: unknown; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
}

/** The service's own index loads so far (its reload histogram): count and total seconds. */
async function indexLoads(service: ServeProcess, token: string) {
  const text = await (await fetch(service.url.replace(/\/graphql$/, "/metrics"), { headers: { authorization: `Bearer ${token}` } })).text();
  const read = (series: string) => Number(new RegExp(`^tenancy_isolation_index_reload_duration_seconds_${series}(?:\\{[^}]*\\})? ([0-9.e+-]+)`, "m").exec(text)?.[1] ?? NaN);
  return { count: read("count"), seconds: read("sum") };
}

const VERDICT = `query($w: String!, $t: String!, $at: DateTime) { isolation(workload: $w, tenant: $t, asOf: $at) { outcome actual possible } }`;

/** Waits (at most `limitMs`) until the findings are up to date: the first update of a fleet opens every finding, minutes on M. */
async function settled(db: Database, limitMs = 120_000) {
  for (let waited = 0; waited < limitMs && !(await findingsUpToDate(db.sql)); waited += 100) await sleep(100);
}

async function asOfRows(name: string, db: Database, service: ServeProcess, token: string, moments: Date[], fleet: Fleet): Promise<string[][]> {
  const gql = graphqlAs(service.url, token);
  const rnd = random(99);
  const pair = () => ({ w: fleet.workloads[Math.floor(rnd() * fleet.workloads.length)].id, t: fleet.tenants[Math.floor(rnd() * fleet.tenants.length)].id });
  await gql(VERDICT, pair()); // the index loads on the first verdict
  await settled(db, 900_000); // and the findings of the fleet are computed once: let them be, so neither side pays for them
  const loads = await indexLoads(service, token);
  const loadMs = (loads.seconds / loads.count) * 1000;
  const firsts: number[] = [];
  for (const at of moments) firsts.push((await timed(() => gql(VERDICT, { ...pair(), at: at.toISOString() })))[1]);
  const current: number[] = [];
  const past: number[] = [];
  for (let i = 0; i < 20; i++) await gql(VERDICT, { ...pair(), at: moments[i % 2].toISOString() }); // warm both paths
  for (let i = 0; i < VERDICTS; i++) {
    current.push((await timed(() => gql(VERDICT, pair())))[1]);
    past.push((await timed(() => gql(VERDICT, { ...pair(), at: moments[i % moments.length].toISOString() })))[1]);
  }
  const first = Math.max(...firsts) / loadMs;
  const later = quantile(past, 0.99) / quantile(current, 0.99);
  return [
    [name, "history: the service's index load (reload histogram, mean)", `${loads.count} load${loads.count === 1 ? "" : "s"}`, seconds(loadMs), "", ""],
    [
      name,
      `history: first asOf verdict of a moment (${moments.length} past moments, slowest) ÷ index load`,
      `${firsts.map((ms) => seconds(ms)).join(", ")}`,
      seconds(Math.max(...firsts)),
      "",
      `${first.toFixed(2)}× (target ≤ ${TARGETS.firstAsOf}×) ${ok(first <= TARGETS.firstAsOf)}`,
    ],
    [
      name,
      "history: later asOf verdicts ÷ current verdicts, sequential HTTP, random pairs",
      `${VERDICTS} + ${VERDICTS} requests`,
      `p50 ${quantile(past, 0.5).toFixed(1)} vs ${quantile(current, 0.5).toFixed(1)} ms`,
      `p99 ${quantile(past, 0.99).toFixed(1)} vs ${quantile(current, 0.99).toFixed(1)} ms`,
      `${later.toFixed(2)}× p99 (target ≤ ${TARGETS.laterAsOf}×) ${ok(later <= TARGETS.laterAsOf)}`,
    ],
  ];
}

interface Arrival {
  /** Wall clock (ms), to compare with the event's time as the database wrote it. */
  at: number;
  signed: boolean;
  body: { event: { change: string; at: string }; finding: { workload: string; tenant: string | null } };
}

/** A local receiver that checks each delivery's signature and notes when it arrived. */
async function receiver(secret: string) {
  const arrivals: Arrival[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const at = Date.now();
      const raw = Buffer.concat(chunks).toString("utf8");
      const timestamp = String(request.headers["x-tenancy-request-timestamp"]);
      const expected = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${raw}`).digest("hex")}`;
      arrivals.push({ at, signed: request.headers["x-tenancy-signature"] === expected, body: JSON.parse(raw) });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/tenancy`;
  return { url, arrivals, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** A partial snapshot of a source of its own: a workload's container on a bare host beside another organization's. */
function crowding(i: number) {
  const host = `bench-notify-host-${i}`;
  return {
    source: "bench-notify",
    tenants: [
      { id: "bench-notify-a", organization: "bench-notify-org-a" },
      { id: "bench-notify-b", organization: "bench-notify-org-b" },
    ],
    workloads: [{ id: `bench-notify-w${i}`, tenant: "bench-notify-a" }],
    hosts: [{ id: host, datacenter: "dc-0" }],
    containers: [
      { id: `bench-notify-a${i}`, host, tenant: "bench-notify-a", workload: `bench-notify-w${i}` },
      { id: `bench-notify-b${i}`, host, tenant: "bench-notify-b" },
    ],
  };
}

/** The service's last `count` findings updates as it logged them: what each waited for and took (findings-updater.ts). */
function updateTimes(logs: string, count: number) {
  const updates = logs
    .split("\n")
    .filter((line) => line.includes('"findings updated"'))
    .map((line) => JSON.parse(line) as { compared: string; ms: { index: number; report: number; digests: number; write: number } })
    .slice(-count);
  const med = (phase: keyof (typeof updates)[number]["ms"]) => seconds(median(updates.map((u) => u.ms[phase])));
  return { compared: [...new Set(updates.map((u) => u.compared))].join(", "), index: med("index"), report: med("report"), digests: med("digests"), write: med("write") };
}

async function notificationRows(name: string, db: Database, gql: Gql, logs: () => string): Promise<string[][]> {
  const secret = randomBytes(16).toString("hex");
  const hook = await receiver(secret);
  try {
    const created = await gql(`mutation($url: String!, $secret: String!) { createWebhook(input: { url: $url, secret: $secret, filter: { tenant: "bench-notify-b", changes: [OPENED] } }) { webhook { id } userErrors { path message } } }`, {
      url: hook.url,
      secret,
    });
    if (!created.createWebhook.webhook) throw new Error(`createWebhook: ${JSON.stringify(created.createWebhook.userErrors)}`);
    const latencies: number[] = [];
    const recorded: number[] = [];
    for (let i = 0; i < NOTIFICATIONS; i++) {
      await settled(db);
      const synced = await gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { path message } } }`, { s: crowding(i) });
      const answered = Date.now();
      if (synced.syncInventory.status !== "APPLIED") throw new Error(`notification sync ${synced.syncInventory.status}: ${JSON.stringify(synced.syncInventory.userErrors)}`);
      const mine = () => hook.arrivals.find((a) => a.body.finding.workload === `bench-notify-w${i}` && a.body.event.change === "OPENED");
      for (let waited = 0; !mine() && waited < 60_000; waited += 10) await sleep(10);
      const arrival = mine();
      latencies.push(arrival ? arrival.at - answered : Infinity);
      recorded.push(arrival ? Date.parse(arrival.body.event.at) - answered : Infinity);
    }
    if (hook.arrivals.some((a) => !a.signed)) throw new Error("a delivery's signature did not verify");
    const [open] = await db.sql.query<{ n: string }>(`SELECT count(*) AS n FROM finding WHERE state <> 'RESOLVED'`);
    const worst = Math.max(...latencies);
    const times = updateTimes(logs(), NOTIFICATIONS);
    return [
      [
        name,
        "history: sync's answer → webhook delivery (finding OPENED), local receiver",
        `${NOTIFICATIONS} syncs, ${hook.arrivals.length} signed deliveries`,
        `p50 ${seconds(quantile(latencies, 0.5))}`,
        `max ${seconds(worst)}`,
        `target ≤ ${TARGETS.notifyMs / 1000} s ${ok(worst <= TARGETS.notifyMs)}`,
      ],
      [name, "history: of which sync's answer → finding event written (the findings update)", `${Number(open.n)} open findings in the fleet`, `p50 ${seconds(quantile(recorded, 0.5))}`, `max ${seconds(Math.max(...recorded))}`, ""],
      [
        name,
        "history: the findings update's time (median of the syncs' updates): the index's reload; the report, with the warm-up it waits for; the digests; comparing and writing",
        `compared: ${times.compared}`,
        `reload ${times.index}, report ${times.report}`,
        `digests ${times.digests}, write ${times.write}`,
        "",
      ],
    ];
  } finally {
    await hook.close();
  }
}
