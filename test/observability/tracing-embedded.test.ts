import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServeProcess } from "../support/cli-process.ts";
import { ancestry, finishedSpans, startTracedServe, type ExportedSpan } from "../support/traced-serve.ts";

/*
 * Traces on the embedded database (PGlite), which has no pg driver for OpenTelemetry to
 * instrument: the service's own statements get `pglite.query` spans, inside the verdict's.
 */
let dataDir: string;
let serve: ServeProcess;
let spans: ExportedSpan[];
let requestId: string | null;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "tenancy-traced-pglite-"));
  serve = await startTracedServe({ DATABASE_URL: undefined, TENANCY_DATA_DIR: dataDir, TENANCY_DEMO: "off", TENANCY_ADMIN_TOKEN: undefined });
  const response = await fetch(serve.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: '{ isolation(workload: "w", tenant: "t") { outcome } }' }) });
  requestId = response.headers.get("x-request-id");
  spans = await finishedSpans(serve);
}, 180_000);
afterAll(async () => {
  serve?.child.kill("SIGTERM");
  await serve?.exited;
  await rm(dataDir, { recursive: true, force: true });
});

describe("tracing on the embedded database", () => {
  it("puts the verdict's statement in the request's trace as a pglite.query span", () => {
    const trace = spans.filter((s) => s.traceId === requestId);
    const statement = trace.find((s) => s.name === "pglite.query" && /isolation_policy/.test(String(s.attributes["db.statement"])));
    expect(statement, trace.map((s) => s.name).join(", ")).toBeDefined();
    const chain = ancestry(spans, statement!).map((s) => s.name);
    expect(chain).toContain("tenancy.verdict");
    expect(chain.at(-1)).toBe("POST");
    // No pg driver, so no pg spans.
    expect(spans.filter((s) => s.scope === "@opentelemetry/instrumentation-pg")).toEqual([]);
  });
});
