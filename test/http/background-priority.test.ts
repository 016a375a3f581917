import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backgroundSlices, STARVATION_BOUND_MS } from "../../src/isolation/background-slices.ts";
import { findingsUpToDate } from "../../src/findings/update-findings.ts";
import { requestsInProgress } from "../../src/isolation/requests-in-progress.ts";
import { serviceMetrics } from "../../src/observability/service-metrics.ts";
import { fleetSnapshot } from "../support/snapshots.ts";
import { startSyncedService, type SyncedService } from "../support/synced-service.ts";
import { gqlAs } from "../support/token-client.ts";

/*
 * Background work (the warm-up after each sync) against requests, over HTTP, on a fleet of
 * some 4,000 units: while one request stays in progress the whole time (a sync whose body is
 * still coming) and four clients keep asking `{ __typename }` and verdicts, the warm-up runs
 * only on its starvation bound, yet finishes; and a report asked meanwhile promotes it, so it
 * is answered even with no bound at all. Counts of requests and slices, never times.
 */
const ADMIN = "admin-background-priority-0123456789";
const VERDICT = `query($w: String!, $t: String!) { isolation(workload: $w, tenant: $t) { outcome } }`;
let s: SyncedService;

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

/** A sync whose body is still coming: a request in progress (the server has it) until `release`. */
let helds = 0;
async function heldRequest(): Promise<{ held(): boolean; release(): void }> {
  const id = `held-${helds++}`;
  const arrived = new Promise<void>((resolve) => {
    const listener = (request: http.IncomingMessage) => {
      if (request.headers["x-request-id"] !== id) return;
      s.service.http.httpServer.off("request", listener);
      resolve();
    };
    s.service.http.httpServer.on("request", listener);
  });
  const request = http.request(new URL(s.service.url), { method: "POST", headers: { authorization: `Bearer ${s.tokens.sync}`, "content-type": "application/json", "content-length": "100000", "x-request-id": id } });
  request.on("error", () => undefined);
  let answered = false;
  request.on("response", () => (answered = true));
  request.write('{"query":"');
  await arrived;
  return {
    /** Still waiting for its answer: still in progress on the server. */
    held: () => !answered,
    release: () => request.destroy(),
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
    held.release();
    expect(warming).toBe(false);
    expect(clients.answered.whileBackgroundWaited).toBeGreaterThan(0);
    // A request was in progress throughout: no slice ran as if idle, every one ran on its bound.
    expect(backgroundSlices.granted.idle).toBe(granted.idle);
    expect(backgroundSlices.granted.overdue).toBeGreaterThan(granted.overdue);
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
      held.release();
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
      held.release();
    }
  });
});
