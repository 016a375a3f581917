import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backgroundSlices, STARVATION_BOUND_MS } from "../../src/isolation/background-slices.ts";
import { findingsUpToDate } from "../../src/findings/update-findings.ts";
import { requestsInProgress } from "../../src/isolation/requests-in-progress.ts";
import { runInSlices } from "../../src/isolation/run-in-slices.ts";
import { serviceMetrics } from "../../src/observability/service-metrics.ts";
import { fleetSnapshot } from "../support/snapshots.ts";
import { startSyncedService, type SyncedService } from "../support/synced-service.ts";
import { gqlAs } from "../support/token-client.ts";

/*
 * Background work (the warm-up after each sync) against requests, over HTTP, on a fleet of
 * some 4,000 units: while one request stays in progress the whole time (a sync waiting for
 * its source's lock) and four clients keep asking `{ __typename }` and verdicts, the warm-up
 * runs only on its starvation bound, yet finishes; and a report asked meanwhile promotes it, so
 * it is answered even with no bound at all. A request whose body is still coming is not in
 * progress: background work runs at full speed meanwhile. Counts of requests and slices, and
 * ratios of them, never times.
 */
const ADMIN = "admin-background-priority-0123456789";
const VERDICT = `query($w: String!, $t: String!) { isolation(workload: $w, tenant: $t) { outcome } }`;
let s: SyncedService;
/** How long each of the stretches compared runs (their ratio is what is checked). */
const WINDOW_MS = 500;

beforeAll(async () => {
  const snapshot = fleetSnapshot("fleet", 400, 2, 4, "f-");
  (snapshot as Record<string, unknown>).workloads = [{ id: "f-w", tenant: "f-tenant", antiAffinity: [{ level: "HOST" }] }];
  // A small workload (host 0's containers) against the rest of its tenant: a verdict of some 30,000 pairs.
  for (const c of snapshot.containers.slice(0, 8)) c.workload = "f-w";
  s = await startSyncedService(ADMIN, snapshot);
  await verdict();
  await warmUpsDone();
}, 120_000);
afterAll(async () => {
  backgroundSlices.boundMs = STARVATION_BOUND_MS;
  await s?.close();
});

async function verdict() {
  const { body } = await gqlAs(s.service.url, s.tokens.compliance, VERDICT, { w: "f-w", t: "f-tenant" });
  expect(body.errors).toBeUndefined();
}

async function warmUps(): Promise<number> {
  return (await serviceMetrics.indexWarmUpsInProgress.get()).values[0]?.value ?? 0;
}

async function warmUpsDone() {
  while ((await warmUps()) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** A one-row sync of a source of its own (the admin may sync any): the next verdict patches the index, then its warm-up starts. */
let probes = 0;
async function oneRowSync() {
  const { body } = await gqlAs(s.service.url, ADMIN, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: { source: "probe", containers: [{ id: `probe-${probes++}`, tenant: "f-tenant" }] } });
  expect(body.data.syncInventory.status).toBe("APPLIED");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the server has `id`'s request (its headers), with the server's side of it. */
function arrival(id: string): Promise<http.IncomingMessage> {
  return new Promise((resolve) => {
    const listener = (request: http.IncomingMessage) => {
      if (request.headers["x-request-id"] !== id) return;
      s.service.http.httpServer.off("request", listener);
      resolve(request);
    };
    s.service.http.httpServer.on("request", listener);
  });
}

/**
 * A request in progress until `release`: its body read, its work waiting. A dry-run sync of a
 * source whose sync lock the test holds, as another replica's sync of that source would.
 */
let helds = 0;
async function heldRequest(): Promise<{ held(): boolean; release(): Promise<void> }> {
  const source = `held-${helds++}`;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => (locked = resolve));
  const holding = s.t.db.sql.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('tenancy-sync:' || $1, 0))`, [source]);
    locked();
    await released;
  });
  await lockTaken;
  let answered = false;
  const answer = gqlAs(s.service.url, ADMIN, `mutation($s: JSON!) { syncInventory(snapshot: $s, dryRun: true) { status } }`, { s: { source } }).finally(() => (answered = true));
  while (!(await syncWaitsForLock())) await sleep(10);
  return {
    /** Still waiting for its answer: still in progress on the server. */
    held: () => !answered,
    async release() {
      release();
      await holding;
      expect((await answer).body.errors).toBeUndefined();
    },
  };
}

/** A statement of this database waits for an advisory lock: the held sync's. */
async function syncWaitsForLock(): Promise<boolean> {
  const [row] = await s.t.db.sql.query<{ waiting: boolean }>(`SELECT exists(SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS waiting`);
  return row.waiting;
}

/**
 * `{ __typename }` over a real connection, its body trickled a byte every `everyMs` until
 * `finish()`, which sends the rest and returns the answer's status and body. Resolves once the
 * server reads the body (its authorization, work, is done by then).
 */
async function trickledRequest(everyMs: number) {
  const id = `trickled-${helds++}`;
  const body = `{"query":"{ __typename }"${" ".repeat(2_000)}}`;
  const arrived = arrival(id);
  const request = http.request(new URL(s.service.url), {
    method: "POST",
    headers: { authorization: `Bearer ${s.tokens.compliance}`, "content-type": "application/json", "content-length": String(body.length), "x-request-id": id },
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on("error", reject);
    request.on("response", (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk)).on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
  });
  let sent = 10;
  request.write(body.slice(0, sent));
  const received = await arrived;
  // The body's reader resumes the stream (read-body.ts) once the request is authorized.
  if (!received.readableFlowing) await new Promise((resolve) => received.once("resume", resolve));
  const timer = setInterval(() => {
    if (sent < body.length - 1) request.write(body[sent++]);
  }, everyMs);
  return {
    /** Bytes sent so far. */
    sent: () => sent,
    finish() {
      clearInterval(timer);
      request.end(body.slice(sent));
      return answer;
    },
  };
}

/** Background work of 1 ms steps, counted, run in slices by the service's scheduler until `stop`. */
function countedBackgroundWork() {
  const done = { steps: 0 };
  let stopped = false;
  function* steps(): Generator<void, void> {
    while (!stopped) {
      const until = performance.now() + 1;
      while (performance.now() < until);
      done.steps++;
      yield;
    }
  }
  const running = runInSlices(steps(), backgroundSlices.work());
  return {
    done,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** Four clients asking `{ __typename }` and verdicts until `stop`; counts the answers, and those given while background work waited. */
function load() {
  let stopped = false;
  const answered = { all: 0, whileBackgroundWaited: 0 };
  const client = async (i: number) => {
    while (!stopped) {
      const { body } = i % 2 === 0 ? await gqlAs(s.service.url, s.tokens.compliance, `{ __typename }`) : await gqlAs(s.service.url, s.tokens.compliance, VERDICT, { w: "f-w", t: "f-tenant" });
      expect(body.errors).toBeUndefined();
      answered.all++;
      if (backgroundSlices.waiting > 0) answered.whileBackgroundWaited++;
    }
  };
  const clients = Promise.all([0, 1, 2, 3].map(client));
  return {
    answered,
    async stop() {
      stopped = true;
      await clients;
    },
  };
}

describe("background work against requests over HTTP", () => {
  it("runs at full speed while a request's body trickles in: a request waiting for its client is not in progress", async () => {
    // Nothing else in the background: the findings of the sync before are up to date, the warm-up done.
    while (!(await findingsUpToDate(s.service.db.sql))) await sleep(20);
    await warmUpsDone();
    const work = countedBackgroundWork();
    const granted = { ...backgroundSlices.granted };
    /** The steps the work does in the same stretch of time. */
    const stepsInWindow = async () => {
      const from = work.done.steps;
      await sleep(WINDOW_MS);
      return work.done.steps - from;
    };
    // With no request, with the trickled one, with none again.
    const idleBefore = await stepsInWindow();
    const trickled = await trickledRequest(10);
    const overdue = backgroundSlices.granted.overdue;
    const sentFrom = trickled.sent();
    const whileTrickled = await stepsInWindow();
    const inProgress = requestsInProgress.now;
    const bytes = trickled.sent() - sentFrom;
    const overdueMeanwhile = backgroundSlices.granted.overdue - overdue;
    const answer = await trickled.finish();
    const idleAfter = await stepsInWindow();
    await work.stop();
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { __typename: "Query" } });
    expect(bytes).toBeGreaterThan(5);
    expect(inProgress).toBe(0);
    // Every slice meanwhile ran as if idle, none on its bound; counted, the request held the work to one slice per bound (a sixth).
    expect(overdueMeanwhile).toBe(0);
    expect(backgroundSlices.granted.idle).toBeGreaterThan(granted.idle);
    // As fast as with no request (this machine's noise aside); held to its bound it was a fifth.
    expect(whileTrickled / ((idleBefore + idleAfter) / 2)).toBeGreaterThan(0.5);
  });

  it("answers requests while the warm-up is pending, and the warm-up still finishes under continuous load, on its bound only", async () => {
    const held = await heldRequest();
    const clients = load();
    const granted = { ...backgroundSlices.granted };
    await oneRowSync();
    await verdict(); // patches the index: the warm-up of the patched topology starts
    let warming = true;
    // Not a time: a cap on the requests answered meanwhile, far above what the warm-up needs.
    while (clients.answered.all < 100_000 && (warming = (await warmUps()) > 0)) await new Promise((resolve) => setImmediate(resolve));
    await clients.stop();
    expect(held.held()).toBe(true);
    const grantedMeanwhile = { ...backgroundSlices.granted };
    await held.release();
    expect(warming).toBe(false);
    expect(clients.answered.whileBackgroundWaited).toBeGreaterThan(0);
    // A request was in progress throughout: no slice ran as if idle, every one ran on its bound.
    expect(grantedMeanwhile.idle).toBe(granted.idle);
    expect(grantedMeanwhile.overdue).toBeGreaterThan(granted.overdue);
  });

  it("answers a report awaiting a starved warm-up: the report promotes it (no starvation bound at all here)", async () => {
    const held = await heldRequest();
    backgroundSlices.boundMs = Number.POSITIVE_INFINITY;
    try {
      await oneRowSync();
      await verdict();
      expect(await warmUps()).toBe(1);
      const { body } = await gqlAs(s.service.url, s.tokens.compliance, `{ isolationReport(first: 5) { totalCount } }`);
      expect(body.errors).toBeUndefined();
      expect(await warmUps()).toBe(0);
      expect(requestsInProgress.now).toBeGreaterThan(0);
    } finally {
      backgroundSlices.boundMs = STARVATION_BOUND_MS;
      await held.release();
    }
  });
  it("answers a report patched from a kept report the findings update is still computing, starved: that one is promoted too", async () => {
    // The findings update of the syncs before has finished (its digests are background work too).
    while (!(await findingsUpToDate(s.service.db.sql))) await new Promise((resolve) => setTimeout(resolve, 20));
    const held = await heldRequest();
    backgroundSlices.boundMs = Number.POSITIVE_INFINITY;
    try {
      const before = s.service.http.isolationIndex.keptReport;
      await oneRowSync();
      // The findings update follows the sync: its report of this version is background work, starved here.
      while (s.service.http.isolationIndex.keptReport === before) await new Promise((resolve) => setTimeout(resolve, 10));
      await oneRowSync();
      await verdict();
      const { body } = await gqlAs(s.service.url, s.tokens.compliance, `{ isolationReport(first: 5) { totalCount } }`);
      expect(body.errors).toBeUndefined();
      expect(requestsInProgress.now).toBeGreaterThan(0);
    } finally {
      backgroundSlices.boundMs = STARVATION_BOUND_MS;
      await held.release();
    }
  });
});
