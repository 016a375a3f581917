import { readFileSync } from "node:fs";
import type { GraphQLRequestContextWillSendResponse } from "@apollo/server";
import type { SqlClient } from "../src/db/sql-client.ts";
import { useMetrics } from "../src/graphql/plugins/use-metrics.ts";
import { Metrics } from "../src/http/metrics.ts";
import { inSpan, currentTraceId } from "../src/observability/in-span.ts";
import { serviceMetrics } from "../src/observability/service-metrics.ts";
import { openDatabase } from "../src/db/open-database.ts";
import { findingsUpToDate } from "../src/findings/update-findings.ts";
import { metricsShare, type CpuProfile } from "./metrics-share.ts";
import { childEnv, startServe, type ServeProcess } from "../test/support/cli-process.ts";

type LoadTest = (url: string, body: () => string, seconds: number) => Promise<{ requests: number; p50: number; p99: number }>;

/** The bound the issue sets on what metrics and (off) tracing may cost of verdict throughput. */
const MAX_COST = 0.05;
const ROUNDS = 10;
const SECONDS = 2;
/** Turns of verdicts the metrics service is profiled over. */
const PROFILED_TURNS = 3;

/**
 * What observability costs a verdict, as ratios measured in one run: the same verdict load
 * against four services on the same database (metrics on, TENANCY_METRICS=off twice, and
 * tracing on with an in-memory exporter), taking short turns in a rotating order so that the
 * machine's drift hits each alike; then where the metrics service's CPU went (a CPU profile of
 * a few more turns); and the no-op tracer's price per span (tracing off), in-process.
 *
 * On a shared machine the requests served in a turn swing with everyone else's load, so the
 * on/off comparison is judged on the service process's own CPU time per verdict
 * (/proc/PID/stat), which is what bounds the throughput a replica can sustain; the throughput
 * ratio is shown beside it. CPU time per verdict itself swings with the load too: the two
 * metrics-off services, identical, compared with each other, show by how much in that run.
 */
export async function observabilityCost(name: string, url: string, verdictBody: () => string, loadTest: LoadTest): Promise<string[][]> {
  const env = (extra: Record<string, string>) => childEnv({ DATABASE_URL: url, PORT: "0", LOG_LEVEL: "info", ...extra });
  // Every service gets the profiler's preload (idle until asked), so that they differ only in what is compared.
  const profiled = ["tsx", "./bench/cpu-profiler.ts"];
  const variants: Record<string, Promise<ServeProcess>> = {
    metrics: startServe(env({}), 120_000, profiled),
    bare: startServe(env({ TENANCY_METRICS: "off" }), 120_000, profiled),
    bare2: startServe(env({ TENANCY_METRICS: "off" }), 120_000, profiled),
    traced: startServe(env({}), 120_000, [...profiled, "./bench/in-memory-tracing.ts"]),
  };
  const services = Object.fromEntries(await Promise.all(Object.entries(variants).map(async ([k, v]) => [k, await v] as const))) as Record<string, ServeProcess>;
  try {
    for (const service of Object.values(services)) {
      // Warm: the index loaded (the first verdict waits for it), then the JIT.
      await fetch(service.url, { method: "POST", headers: { "content-type": "application/json" }, body: verdictBody() });
      await loadTest(service.url, verdictBody, 2);
    }
    // Background work goes on after the first verdict: the index's warm-up (the report's shared
    // places, the replicas) and, on a fresh inventory, the findings' first update (a fleet report
    // and S's 159k findings written: tens of seconds of CPU, in slices, in whichever service
    // claims it). A turn must not pay for any of it.
    await findingsWritten(url);
    await settled(Object.values(services));
    process.stderr.write(`${new Date().toISOString()} bench ${name}: observability, ${ROUNDS} rounds of ${Object.keys(services).length} turns\n`);
    const { served, cpu } = await rotatingTurns(services, verdictBody, loadTest);
    const perVerdict = (variant: string) => cpu[variant] / served[variant];
    process.stderr.write(`${new Date().toISOString()} bench ${name}: observability, the metrics service profiled\n`);
    // A profile that fails says so in its row rather than losing the others.
    const share = await profiledShare(services.metrics, verdictBody, loadTest).catch((error: unknown) => ({ share: NaN, workMs: NaN, error: String(error).split("\n")[0] }));
    // The baseline: both metrics-off services together.
    served.off = served.bare + served.bare2;
    cpu.off = cpu.bare + cpu.bare2;
    const spanNs = noOpSpanNs();
    const metricsNs = await metricsNsPerVerdict();
    const verdict = (cost: number) => `cost ${(cost * 100).toFixed(1)} % (target < ${MAX_COST * 100} %) ${cost < MAX_COST ? "✓" : "✗"}`;
    const compare = (a: string, b: string) => [
      `${served[a]} vs ${served[b]} verdicts, ${ROUNDS}×${SECONDS} s each${b === "off" ? " (off: two services)" : ""}`,
      `CPU per verdict ${(perVerdict(a) * 1e6).toFixed(0)} vs ${(perVerdict(b) * 1e6).toFixed(0)} µs: ${(perVerdict(b) / perVerdict(a)).toFixed(3)}× capacity`,
      `throughput ${(served[a] / (b === "off" ? served[b] / 2 : served[b])).toFixed(3)}×`,
    ];
    const of = `of ${(perVerdict("off") * 1e6).toFixed(0)} µs CPU per verdict`;
    return [
      [name, "verdicts, metrics on ÷ TENANCY_METRICS=off (tracing off)", ...compare("metrics", "off"), verdict(1 - perVerdict("off") / perVerdict("metrics"))],
      [name, "verdicts, TENANCY_METRICS=off ÷ an identical service (the run's noise)", ...compare("bare2", "bare"), `differs by ${((1 - perVerdict("bare") / perVerdict("bare2")) * 100).toFixed(1)} % (no target)`],
      [
        name,
        "metrics on: share of the service's CPU in metrics code (CPU profile)",
        `${PROFILED_TURNS}×${SECONDS} s of verdicts`,
        `${share.workMs.toFixed(0)} ms on CPU`,
        "",
        "error" in share ? `not measured: ${share.error}` : verdict(share.share),
      ],
      [name, "verdicts, tracing on (batch, in-memory exporter) ÷ off (metrics on)", ...compare("traced", "metrics"), `cost ${((1 - perVerdict("metrics") / perVerdict("traced")) * 100).toFixed(1)} % (tracing on: no target)`],
      [name, "metrics: a verdict request's series updates, in-process", `${metricsNs.toFixed(0)} ns per verdict`, of, "", verdict(metricsNs / 1e9 / perVerdict("off"))],
      [name, "tracing off: a verdict's no-op span and trace-id reads, in-process", `${spanNs.toFixed(0)} ns per verdict`, of, "", verdict(spanNs / 1e9 / perVerdict("off"))],
    ];
  } finally {
    for (const service of Object.values(services)) service.child.kill("SIGTERM");
    await Promise.all(Object.values(services).map((s) => s.exited));
  }
}

/** ROUNDS rounds of one turn per service, each round starting one service later. */
async function rotatingTurns(services: Record<string, ServeProcess>, verdictBody: () => string, loadTest: LoadTest) {
  const order = Object.keys(services);
  const served = Object.fromEntries(order.map((k) => [k, 0]));
  const cpu = Object.fromEntries(order.map((k) => [k, 0]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < order.length; i++) {
      const variant = order[(round + i) % order.length];
      const before = cpuSeconds(services[variant]);
      served[variant] += (await loadTest(services[variant].url, verdictBody, SECONDS)).requests;
      cpu[variant] += cpuSeconds(services[variant]) - before;
    }
  }
  return { served, cpu };
}

/** Turns of verdicts under the profiler (after the measured turns: the profiler costs CPU itself). */
async function profiledShare(service: ServeProcess, verdictBody: () => string, loadTest: LoadTest) {
  const profile = new Promise<CpuProfile>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no CPU profile from the service in 120 s:\n${service.logs().slice(-2000)}`)), 120_000);
    service.child.once("message", (m: { profile?: CpuProfile; error?: string }) => {
      clearTimeout(timer);
      if (m.profile) resolve(m.profile);
      else reject(new Error(`the service's profiler: ${m.error}`));
    });
    void service.exited.then((code) => (clearTimeout(timer), reject(new Error(`the profiled service exited (${code}):\n${service.logs().slice(-2000)}`))));
  });
  service.child.send("start");
  for (let turn = 0; turn < PROFILED_TURNS; turn++) await loadTest(service.url, verdictBody, SECONDS);
  service.child.send("stop");
  return metricsShare(await profile);
}

/** Until the findings are up to the inventory (the first update on a fresh database is long). */
async function findingsWritten(url: string) {
  const db = await openDatabase({ databaseUrl: url, poolSize: 1 });
  try {
    while (!(await findingsUpToDate(db.sql))) await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    await db.close();
  }
}

/** Until every service's process is idle over the same second: less than 50 ms of CPU each. */
async function settled(services: ServeProcess[]) {
  for (;;) {
    const before = services.map(cpuSeconds);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (services.every((service, i) => cpuSeconds(service) - before[i] < 0.05)) return;
  }
}

/**
 * In this process: what one verdict request does to the metrics (HTTP counter and histogram,
 * the GraphQL plugin's timer and error count, the verdict's timer and counter, its statement).
 */
async function metricsNsPerVerdict(): Promise<number> {
  const metrics = new Metrics(undefined as unknown as SqlClient); // never rendered: no database
  const plugin = useMetrics(metrics.registry);
  const sent = { response: { body: { kind: "single", singleResult: {} } }, operation: { operation: "query" }, operationName: "Verdict" } as unknown as GraphQLRequestContextWillSendResponse<never>;
  const once = async () => {
    const listener = await plugin.requestDidStart!(undefined as never);
    const started = performance.now();
    serviceMetrics.verdicts.inc({ outcome: "ISOLATED" });
    serviceMetrics.verdictSeconds.observe((performance.now() - started) / 1000);
    metrics.countStatement();
    await listener!.willSendResponse!(sent);
    metrics.observeRequest("/graphql", 200, (performance.now() - started) / 1000);
  };
  const runs = 200_000;
  for (let i = 0; i < runs / 10; i++) await once(); // warm
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await once();
  return Number(process.hrtime.bigint() - started) / runs;
}

/** The CPU time (user + system) the service's process has used so far, in seconds. */
function cpuSeconds(service: ServeProcess): number {
  const stat = readFileSync(`/proc/${service.child.pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces, inside parentheses): utime is the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Linux's USER_HZ: /proc reports CPU time in hundredths of a second on every architecture Node runs on. */
const CLOCK_TICKS = 100;

/** In this process (no SDK loaded): a verdict's span, plus the request id's and a log line's trace-id reads. */
function noOpSpanNs(): number {
  const runs = 1_000_000;
  let sink = 0;
  const once = () => inSpan("tenancy.verdict", { "tenancy.workload": "w", "tenancy.tenant": "t" }, (span) => (span.setAttributes({ "tenancy.verdict.outcome": "ISOLATED" }), currentTraceId() ?? currentTraceId() ?? 1));
  for (let i = 0; i < runs / 10; i++) sink += Number(once()); // warm
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) sink += Number(once());
  const ns = Number(process.hrtime.bigint() - started) / runs;
  if (sink === 0) throw new Error("unreachable: keeps the loop from being optimised away");
  return ns;
}
