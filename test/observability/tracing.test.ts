import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServeProcess } from "../support/cli-process.ts";
import { campusSnapshot } from "../support/snapshots.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { ancestry as ancestryIn, finishedSpans, startTracedServe, type ExportedSpan } from "../support/traced-serve.ts";

/*
 * Traces of the real `tenancy serve` on real PostgreSQL, with the tracing start an operator
 * preloads and its spans kept by an InMemorySpanExporter (test/support/in-memory-tracing.ts):
 * one trace runs from the HTTP request through GraphQL and the verdict to the SQL statement,
 * an incoming traceparent is continued, and the request id is the trace's id.
 */
const TOKEN = "tracing-test-admin-token-0123456789";
const auth = { authorization: `Bearer ${TOKEN}` };
const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";

let t: TestDatabase;
let serve: ServeProcess;
let spans: ExportedSpan[];
const answers: Record<string, { requestId: string | null; body: any }> = {};

async function post(name: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(serve.url, { method: "POST", headers: { "content-type": "application/json", ...auth, ...headers }, body: JSON.stringify({ query, variables }) });
  answers[name] = { requestId: response.headers.get("x-request-id"), body: await response.json() };
}

const ancestry = (span: ExportedSpan) => ancestryIn(spans, span);
const inTrace = (traceId: string | null) => spans.filter((s) => s.traceId === traceId);

beforeAll(async () => {
  t = await createTestDatabase();
  serve = await startTracedServe({ DATABASE_URL: t.url, TENANCY_ADMIN_TOKEN: TOKEN });
  await post("sync", "mutation Sync($s: JSON!) { syncInventory(snapshot: $s) { status } }", { s: campusSnapshot() }, { "x-request-id": "bug-report-7" });
  await post("verdict", 'query Verdict { isolation(workload: "genome-pipeline", tenant: "biology") { outcome } }', {}, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` });
  await post("report", "query Report { isolationReport(first: 5) { totalCount } }");
  await post("missing", 'query Missing { isolation(workload: "no-such-workload", tenant: "biology") { outcome } }');
  await post("sources", "query Sources { sources(first: 5) { totalCount nodes { key } } }");
  // A scheduler token rides in the path (kube-scheduler cannot send a header): never in a span.
  await fetch(new URL(`/scheduler/cluster-1/token/${TOKEN}/filter`, serve.url), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  spans = await finishedSpans(serve);
}, 180_000);
afterAll(async () => {
  serve?.child.kill("SIGTERM");
  await serve?.exited;
  await t?.drop();
});

describe("secrets in a path", () => {
  it("keeps a scheduler token given in the path out of every span", () => {
    const scheduler = spans.filter((s) => JSON.stringify(s.attributes).includes("/scheduler/"));
    expect(scheduler.length, "the scheduler request's server span").toBeGreaterThan(0);
    expect(JSON.stringify(spans)).not.toContain(TOKEN);
    expect(JSON.stringify(scheduler)).toContain("/token/…");
  });
});

describe("a verdict's trace", () => {
  it("continues the caller's traceparent: the HTTP server span's parent is the caller's span", () => {
    expect(answers.verdict.body.data.isolation.outcome).toBeDefined();
    const server = inTrace(CALLER_TRACE).find((s) => s.scope === "@opentelemetry/instrumentation-http" && s.parentSpanId === CALLER_SPAN);
    expect(server?.parentIsRemote).toBe(true);
    expect(server?.attributes["http.route"] ?? server?.attributes["url.path"] ?? server?.attributes["http.target"]).toMatch(/\/graphql/);
  });

  it("runs from the HTTP request through GraphQL and the verdict to the SQL statement", () => {
    const verdict = inTrace(CALLER_TRACE).find((s) => s.name === "tenancy.verdict");
    expect(verdict?.attributes).toMatchObject({ "tenancy.workload": "genome-pipeline", "tenancy.tenant": "biology", "tenancy.verdict.outcome": answers.verdict.body.data.isolation.outcome });
    // The statement that reads the inventory version, the policy and the sources' freshness.
    const statement = inTrace(CALLER_TRACE).find((s) => s.scope === "@opentelemetry/instrumentation-pg" && /isolation_policy/.test(String(s.attributes["db.statement"] ?? s.attributes["db.query.text"])));
    expect(statement, "the view's SQL statement in the caller's trace").toBeDefined();
    const chain = ancestry(statement!).map((s) => s.name);
    expect(chain).toContain("tenancy.verdict");
    expect(chain).toContain("graphql.resolve isolation");
    expect(chain.at(-1)).toBe(inTrace(CALLER_TRACE).find((s) => s.parentSpanId === CALLER_SPAN)?.name);
    expect(ancestry(statement!).at(-1)?.parentSpanId).toBe(CALLER_SPAN);
  });

  it("traces the index update that follows the sync (a load or a per-sync patch), with its own statements", () => {
    // After a sync the index is brought up to date before any verdict asks: by the background
    // update on the inventory NOTIFY or by the findings update the sync schedules (src/findings),
    // each in its own trace; a verdict that finds the index current loads nothing. An index that
    // was current before the sync patches the sync's rows in rather than loading everything.
    const load = spans.find((s) => (s.name === "tenancy.index.load" || s.name === "tenancy.index.patch") && s.attributes["tenancy.index.workloads"] === 1);
    expect(load).toBeDefined();
    expect(load!.attributes["tenancy.index.workloads"]).toBe(1);
    expect(spans.some((s) => s.parentSpanId === load!.spanId && s.scope === "@opentelemetry/instrumentation-pg")).toBe(true);
  });

  it("names the request by its trace: the response's x-request-id and the error's extensions", () => {
    expect(answers.verdict.requestId).toBe(CALLER_TRACE);
    // Without a traceparent the request id is the id of the trace the service started.
    const missing = answers.missing.body.errors[0];
    expect(missing.extensions.code).toBe("NOT_FOUND");
    expect(missing.extensions.requestId).toBe(answers.missing.requestId);
    expect(inTrace(answers.missing.requestId).map((s) => s.name)).toContain("tenancy.verdict");
    const failed = inTrace(answers.missing.requestId).find((s) => s.name === "tenancy.verdict");
    expect(failed?.status).toBe(2); // SpanStatusCode.ERROR
  });

  it("keeps a caller's x-request-id, and names the trace beside it in the log lines", () => {
    expect(answers.sync.requestId).toBe("bug-report-7");
    const lines = serve
      .logs()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
    const synced = lines.find((l) => l.msg === "sync finished");
    expect(synced?.requestId).toBe("bug-report-7");
    expect(inTrace(synced?.traceId).map((s) => s.name)).toContain("tenancy.sync");
  });
});

describe("the service's own spans", () => {
  it("traces a sync with its phases, its statements inside it", () => {
    const sync = spans.find((s) => s.name === "tenancy.sync");
    expect(sync?.attributes).toMatchObject({ "tenancy.source": "dcim-ams", "tenancy.sync.status": "APPLIED", "tenancy.sync.dry_run": false });
    const children = spans.filter((s) => s.parentSpanId === sync!.spanId);
    const phases = children.filter((s) => s.name.startsWith("tenancy.sync.phase ")).map((s) => s.name);
    expect(phases).toEqual(expect.arrayContaining(["tenancy.sync.phase validating", "tenancy.sync.phase checking ownership", "tenancy.sync.phase writing hosts"]));
    expect(children.filter((s) => s.scope === "@opentelemetry/instrumentation-pg" && /^pg\.query/.test(s.name)).length).toBeGreaterThan(5);
  });

  it("traces Prisma's statements too (Prisma 7 runs over pg through @prisma/adapter-pg)", () => {
    expect(answers.sources.body.data.sources.totalCount).toBe(1);
    const statements = inTrace(answers.sources.requestId).filter((s) => s.scope === "@opentelemetry/instrumentation-pg" && s.name.startsWith("pg.query"));
    const text = statements.map((s) => String(s.attributes["db.statement"] ?? s.attributes["db.query.text"]));
    // Prisma's own SQL: schema-qualified, quoted table names.
    expect(
      text.some((sql) => /"public"\."source"/.test(sql)),
      text.join("\n"),
    ).toBe(true);
    for (const statement of statements) expect(ancestry(statement).map((s) => s.name)).toContain("graphql.resolve sources");
  });

  it("traces the fleet report's scan in the work that first needed it: after a sync, the findings update", () => {
    expect(answers.report.body.data.isolationReport.totalCount).toBeGreaterThanOrEqual(0);
    const scan = spans.find((s) => s.name === "tenancy.report.scan" && ancestry(s).some((a) => a.name === "tenancy.findings.update" || a.traceId === answers.report.requestId));
    expect(scan, "the scan, under the findings update or the report request").toBeDefined();
    expect(scan?.attributes["tenancy.report.not_isolated"]).toBe(answers.report.body.data.isolationReport.totalCount - Number(scan?.attributes["tenancy.report.unproven"]));
  });
});
