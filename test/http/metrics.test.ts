import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnv, startServe, type ServeProcess } from "../support/cli-process.ts";
import { ScrapedMetrics } from "../support/scraped-metrics.ts";
import { campusSnapshot } from "../support/snapshots.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { createToken } from "../support/token-client.ts";

/*
 * What an SRE's Prometheus sees, from the real `tenancy serve`: after a sync, a verdict, a
 * report page, an error, a refused request, a query over its cost budget and one over its rate,
 * /metrics is parsed by a Prometheus text-format parser and each series checked against what
 * those requests did. Request ids are checked in
 * the response headers, the error extensions and the service's own log lines.
 */
const TOKEN = "metrics-test-admin-token-0123456789";
const auth = { authorization: `Bearer ${TOKEN}` };
let t: TestDatabase;
let serve: ServeProcess;
let scrape: ScrapedMetrics;
let syncedBetween: [number, number];
const responses: Record<string, { status: number; requestId: string | null; body: any }> = {};

async function post(name: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = auth) {
  const response = await fetch(serve.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query, variables }) });
  responses[name] = { status: response.status, requestId: response.headers.get("x-request-id"), body: await response.json() };
  return responses[name];
}

// geology's container inside biology's VM: one NOT_ISOLATED pair for the verdict and the report.
const snapshot = campusSnapshot({
  tenants: [
    { id: "biology", organization: "university" },
    { id: "geology", organization: "university" },
  ],
  containers: [
    { id: "c-1", virtualMachine: "vm-1", runtime: "runc", tenant: "biology" },
    { id: "c-3", virtualMachine: "vm-1", runtime: "gvisor", tenant: "geology" },
  ],
});

beforeAll(async () => {
  t = await createTestDatabase();
  // A compliance token may spend a cost of 1 and send 1 request a second: easy to exceed.
  const limits = { TENANCY_COST_BUDGET_COMPLIANCE: "1", TENANCY_RATE_LIMIT_COMPLIANCE: "1" };
  serve = await startServe(childEnv({ DATABASE_URL: t.url, PORT: "0", HOST: "127.0.0.1", TENANCY_ADMIN_TOKEN: TOKEN, LOG_LEVEL: "info", ...limits }));
  const before = Date.now() / 1000;
  await post("sync", "mutation Sync($s: JSON!) { syncInventory(snapshot: $s) { status totals { created } } }", { s: snapshot }, { ...auth, "x-request-id": "bug-report-42" });
  syncedBetween = [before - 1, Date.now() / 1000 + 1];
  await post("verdict", 'query Verdict { isolation(workload: "genome-pipeline", tenant: "geology") { outcome } }');
  await post("report", "query Report { isolationReport(first: 10) { totalCount nodes { outcome } } }");
  await post("missing", 'query Missing { isolation(workload: "no-such-workload", tenant: "geology") { outcome } }', {}, { ...auth, traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" });
  await post("refused", "query Refused { sources { totalCount } }", {}, {});
  const compliance = { authorization: `Bearer ${await createToken(serve.url, TOKEN, { name: "auditor", role: "COMPLIANCE" })}` };
  await post("costly", "query Costly { isolationReport(first: 10) { totalCount nodes { outcome } } }", {}, compliance);
  // Its next requests within the second are over its rate (a loaded machine may need a few).
  for (let i = 0; i < 20 && responses.limited?.status !== 429; i++) await post("limited", "query Limited { __typename }", {}, compliance);
  const page = await fetch(serve.url.replace("/graphql", "/metrics"), { headers: auth });
  expect(page.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  scrape = new ScrapedMetrics(await page.text());
}, 120_000);
afterAll(async () => {
  serve?.child.kill("SIGTERM");
  await serve?.exited;
  await t.drop();
});

describe("/metrics and the findings", () => {
  it("counts the unresolved findings by kind, state and severity once the findings caught up with the sync", async () => {
    const pairs = responses.report.body.data.isolationReport.totalCount;
    let open = 0;
    // The findings follow a sync within seconds (each replica polls): wait for them, then count.
    for (let i = 0; i < 60 && open < pairs; i++) {
      const page = await fetch(serve.url.replace("/graphql", "/metrics"), { headers: auth });
      const now = new ScrapedMetrics(await page.text());
      open = now.samples("tenancy_findings", { kind: "ISOLATION", state: "OPEN" }).reduce((sum, sample) => sum + Number(sample.value), 0);
      if (open < pairs) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(open).toBe(pairs);
  });
});

describe("/metrics after a sync, a verdict, a report page, an error and a refused request", () => {
  it("did what the scrape is checked against", () => {
    expect(responses.sync.body.data.syncInventory.status).toBe("APPLIED");
    expect(responses.verdict.body.data.isolation.outcome).toBe("NOT_ISOLATED");
    expect(responses.report.body.data.isolationReport.totalCount).toBeGreaterThan(0);
    expect(responses.missing.body.errors[0].extensions.code).toBe("NOT_FOUND");
    expect(responses.refused.status).toBe(401);
    expect(responses.costly.body.errors[0].extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "cost" });
    expect(responses.limited.status).toBe(429);
  });

  it("counts HTTP requests by route and status, times them by outcome, and counts the refusals", () => {
    // sync, verdict, report, missing, createApiToken, and the rate-limited caller's requests before its 429.
    const limitedOk = scrape.value("tenancy_http_requests_total", { route: "/graphql", status: "200" }) - 5;
    expect(limitedOk).toBeGreaterThanOrEqual(0);
    expect(limitedOk).toBeLessThan(20);
    expect(scrape.value("tenancy_http_requests_total", { route: "/graphql", status: "401" })).toBe(1);
    expect(scrape.value("tenancy_http_refusals_total", { route: "/graphql", reason: "unauthenticated" })).toBe(1);
    expect(scrape.type("tenancy_http_request_duration_seconds")).toBe("HISTOGRAM");
    expect(scrape.histogram("tenancy_http_request_duration_seconds", { route: "/graphql", outcome: "ok" }).count).toBe(5 + limitedOk);
    // The 401 and the 429 (the cost refusal is a 400: GraphQL refused it, not HTTP).
    expect(scrape.histogram("tenancy_http_request_duration_seconds", { route: "/graphql", outcome: "refused" }).count).toBe(2);
    expect(scrape.value("tenancy_http_refusals_total", { route: "/graphql", reason: "rate_limited" })).toBe(1);
    const ok = scrape.histogram("tenancy_http_request_duration_seconds", { route: "/graphql", outcome: "ok" });
    expect(ok.sum).toBeGreaterThan(0);
    expect(ok.sum).toBeLessThan(120);
  });

  it("times GraphQL operations by operation name, type and outcome, and counts errors by code", () => {
    expect(scrape.histogram("tenancy_graphql_operation_duration_seconds", { operation: "Sync", type: "mutation", outcome: "ok" }).count).toBe(1);
    expect(scrape.histogram("tenancy_graphql_operation_duration_seconds", { operation: "Verdict", type: "query", outcome: "ok" }).count).toBe(1);
    expect(scrape.histogram("tenancy_graphql_operation_duration_seconds", { operation: "Report", type: "query", outcome: "ok" }).count).toBe(1);
    expect(scrape.histogram("tenancy_graphql_operation_duration_seconds", { operation: "Missing", outcome: "client_error" }).count).toBe(1);
    // The refused request never reached GraphQL.
    expect(scrape.samples("tenancy_graphql_operation_duration_seconds_count", { operation: "Refused" })).toEqual([]);
    expect(scrape.value("tenancy_graphql_errors_total", { code: "NOT_FOUND" })).toBe(1);
  });

  it("counts the query over its cost budget as a refusal, by limit", () => {
    expect(scrape.value("tenancy_graphql_refusals_total", { limit: "cost" })).toBe(1);
    expect(scrape.samples("tenancy_graphql_refusals_total")).toHaveLength(1);
    expect(scrape.value("tenancy_graphql_errors_total", { code: "QUERY_TOO_COMPLEX" })).toBe(1);
    expect(scrape.histogram("tenancy_graphql_operation_duration_seconds", { operation: "Costly", outcome: "refused" }).count).toBe(1);
  });

  it("counts verdicts by outcome, times them, and records the report scan and its findings", () => {
    const report = responses.report.body.data.isolationReport;
    const notIsolated = report.nodes.filter((n: { outcome: string }) => n.outcome === "NOT_ISOLATED").length;
    // The one verdict asked for; the report's rows are the scan's, counted as report entries.
    const verdicts = scrape.samples("tenancy_verdicts_total").reduce((n, s) => n + Number(s.value), 0);
    expect(verdicts).toBe(1);
    expect(scrape.value("tenancy_verdicts_total", { outcome: "NOT_ISOLATED" })).toBe(1);
    // Timed: the verdict answered (the missing workload's was refused, not timed), within its request.
    const timed = scrape.histogram("tenancy_verdict_duration_seconds");
    expect(timed.count).toBe(1);
    expect(timed.sum).toBeGreaterThan(0);
    expect(timed.sum).toBeLessThanOrEqual(scrape.histogram("tenancy_graphql_operation_duration_seconds", { operation: "Verdict" }).sum);
    // One scan per inventory version: the findings' update (src/findings) may also have scanned
    // the empty inventory the service started with, before the sync.
    expect(scrape.histogram("tenancy_report_scan_duration_seconds").count).toBeGreaterThanOrEqual(1);
    expect(scrape.histogram("tenancy_report_scan_duration_seconds").count).toBeLessThanOrEqual(2);
    expect(scrape.value("tenancy_report_entries", { outcome: "NOT_ISOLATED" })).toBe(notIsolated);
  });

  it("reports the source's last success, status, duration and objects written, and the inventory version", () => {
    const created = responses.sync.body.data.syncInventory.totals.created;
    const source = { source: snapshot.source };
    const success = scrape.value("tenancy_source_last_success_timestamp_seconds", source);
    expect(success).toBeGreaterThanOrEqual(syncedBetween[0]);
    expect(success).toBeLessThanOrEqual(syncedBetween[1]);
    expect(scrape.value("tenancy_source_last_status", { ...source, status: "APPLIED" })).toBe(1);
    expect(scrape.samples("tenancy_source_last_status", source)).toHaveLength(1);
    expect(scrape.value("tenancy_source_last_sync_objects_written", source)).toBe(created);
    const duration = scrape.value("tenancy_source_last_sync_duration_seconds", source);
    expect(duration).toBeGreaterThanOrEqual(0);
    expect(duration).toBeLessThan(syncedBetween[1] - syncedBetween[0]);
    expect(scrape.value("tenancy_inventory_version")).toBe(1);
    expect(scrape.value("tenancy_database_up")).toBe(1);
  });

  it("times the syncs this process ran by source and status, and counts the objects they wrote", () => {
    const source = { source: snapshot.source };
    const synced = scrape.histogram("tenancy_sync_duration_seconds", { ...source, status: "APPLIED" });
    expect(synced.count).toBe(1);
    expect(synced.sum).toBeGreaterThan(0);
    expect(synced.sum).toBeLessThan(syncedBetween[1] - syncedBetween[0]);
    expect(scrape.value("tenancy_sync_objects_written_total", { ...source, change: "created" })).toBe(responses.sync.body.data.syncInventory.totals.created);
    expect(scrape.value("tenancy_sync_objects_written_total", { ...source, change: "removed" })).toBe(0);
  });

  it("times index reloads, shows none in progress, and sizes the index", () => {
    expect(scrape.histogram("tenancy_isolation_index_reload_duration_seconds", { outcome: "ok" }).count).toBeGreaterThanOrEqual(1);
    expect(scrape.samples("tenancy_isolation_index_reload_duration_seconds_count", { outcome: "failed" })).toEqual([]);
    expect(scrape.value("tenancy_isolation_index_reloads_in_progress")).toBe(0);
    expect(scrape.value("tenancy_isolation_index_objects", { kind: "containers" })).toBe(2);
    expect(scrape.value("tenancy_isolation_index_objects", { kind: "tenants" })).toBe(2);
    expect(scrape.value("tenancy_isolation_index_inventory_version")).toBe(scrape.value("tenancy_inventory_version"));
    // An estimate (the heap's growth over the load): never negative, never more than the heap.
    const heap = scrape.value("tenancy_isolation_index_heap_bytes_estimate");
    expect(heap).toBeGreaterThanOrEqual(0);
    expect(heap).toBeLessThan(scrape.value("nodejs_heap_size_used_bytes"));
  });

  it("has the process's default metrics: event loop lag, GC, heap, handles", () => {
    expect(scrape.value("nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
    expect(scrape.type("nodejs_gc_duration_seconds")).toBe("HISTOGRAM");
    expect(scrape.samples("nodejs_heap_space_size_used_bytes").length).toBeGreaterThan(0);
    expect(scrape.value("process_resident_memory_bytes")).toBeGreaterThan(10_000_000);
    expect(scrape.value("nodejs_active_handles_total")).toBeGreaterThan(0);
  });
});

describe("request ids", () => {
  const logLines = () =>
    serve
      .logs()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));

  it("keeps the caller's x-request-id, returns it, and puts it in the request's log lines", () => {
    expect(responses.sync.requestId).toBe("bug-report-42");
    const synced = logLines().find((l) => l.msg === "sync finished");
    expect(synced?.requestId).toBe("bug-report-42");
    // Lines outside any request carry none.
    expect(logLines().find((l) => l.msg === "serving GraphQL")?.requestId).toBeUndefined();
  });

  it("takes the trace id of a traceparent, and names it in the errors' extensions", () => {
    expect(responses.missing.requestId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(responses.missing.body.errors[0].extensions.requestId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });

  it("names it in a refusal's extensions too", () => {
    expect(responses.refused.body.errors[0].extensions).toEqual({ code: "UNAUTHENTICATED", requestId: responses.refused.requestId });
  });

  it("gives every other request a fresh one", () => {
    const ids = [responses.verdict.requestId, responses.report.requestId, responses.refused.requestId];
    // Tracing is off here: a UUID (with tracing on it is the request's trace id, tracing.test.ts).
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(3);
  });
});
