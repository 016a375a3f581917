import { spawnSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnv, startServe, type ServeProcess } from "../support/cli-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * How tracing is switched, as an operator switches it: `tenancy serve` with
 * OTEL_EXPORTER_OTLP_ENDPOINT exports its spans with OTLP to that endpoint (a receiver here,
 * OTLP/HTTP JSON), and without it the OpenTelemetry SDK is never even loaded.
 */
const TOKEN = "tracing-switch-admin-token-0123456789";

/** Which of the SDK's CommonJS files a process has loaded after the service's tracing preload. */
function sdkFilesLoaded(env: NodeJS.ProcessEnv): number {
  const script = `
    await import("./src/observability/preload-tracing.ts");
    const { createRequire } = await import("node:module");
    console.log(Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes("@opentelemetry/sdk-node")).length);`;
  const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { env, encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  return Number(run.stdout.trim());
}

describe("tracing off", () => {
  it("never loads the SDK without an OTLP endpoint, and loads it with one", () => {
    expect(sdkFilesLoaded(childEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: undefined, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined }))).toBe(0);
    expect(sdkFilesLoaded(childEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9", OTEL_SDK_DISABLED: "true" }))).toBe(0);
    expect(sdkFilesLoaded(childEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9" }))).toBeGreaterThan(0);
  });
});

describe("tracing on: OTEL_EXPORTER_OTLP_ENDPOINT", () => {
  let t: TestDatabase;
  let serve: ServeProcess;
  let receiver: http.Server;
  const received: { path: string; spans: { name: string; traceId: string }[] }[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    receiver = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        const resourceSpans = (JSON.parse(body).resourceSpans ?? []) as { scopeSpans: { spans: { name: string; traceId: string }[] }[] }[];
        received.push({ path: request.url ?? "", spans: resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)) });
        response.setHeader("content-type", "application/json");
        response.end("{}");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_BSP_SCHEDULE_DELAY: "100" };
    serve = await startServe(childEnv({ DATABASE_URL: t.url, PORT: "0", HOST: "127.0.0.1", TENANCY_ADMIN_TOKEN: TOKEN, ...otel }), 120_000);
  }, 180_000);
  afterAll(async () => {
    serve?.child.kill("SIGTERM");
    await serve?.exited;
    receiver?.close();
    await t?.drop();
  });

  it("exports the request's spans, its SQL statements among them, to the endpoint's /v1/traces", async () => {
    const response = await fetch(serve.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query: '{ isolation(workload: "none", tenant: "none") { outcome } }' }),
    });
    const traceId = response.headers.get("x-request-id");
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const names = () =>
      received
        .flatMap((r) => r.spans)
        .filter((s) => s.traceId === traceId)
        .map((s) => s.name);
    const expected = ["POST", "graphql.resolve isolation", "tenancy.verdict"];
    // Spans arrive in batches as they end (the server span last, after the response): wait for them.
    const complete = () => expected.every((n) => names().includes(n)) && names().some((n) => n.startsWith("pg.query"));
    for (let i = 0; i < 200 && !complete(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(received.every((r) => r.path === "/v1/traces")).toBe(true);
    expect(names()).toEqual(expect.arrayContaining(expected));
    expect(names().some((n) => n.startsWith("pg.query"))).toBe(true);
  });
});
