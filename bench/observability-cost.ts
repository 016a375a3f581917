import { inSpan, currentTraceId } from "../src/observability/in-span.ts";
import { childEnv, startServe, type ServeProcess } from "../test/support/cli-process.ts";

type LoadTest = (url: string, body: () => string, seconds: number) => Promise<{ requests: number; p50: number; p99: number }>;

/** The bound the issue sets on what metrics and (off) tracing may cost of verdict throughput. */
const MAX_COST = 0.05;
const ROUNDS = 2;
const SECONDS = 4;

/**
 * What observability costs a verdict, as ratios measured in one run: the same verdict load
 * against three services on the same database (metrics on, TENANCY_METRICS=off, and tracing on
 * with an in-memory exporter), taking turns so that the machine's drift hits each alike; and
 * the no-op tracer's price per span (tracing off), in-process.
 */
export async function observabilityCost(name: string, url: string, verdictBody: () => string, loadTest: LoadTest): Promise<string[][]> {
  const env = (extra: Record<string, string>) => childEnv({ DATABASE_URL: url, PORT: "0", LOG_LEVEL: "info", ...extra });
  const variants: Record<string, Promise<ServeProcess>> = {
    metrics: startServe(env({}), 120_000),
    bare: startServe(env({ TENANCY_METRICS: "off" }), 120_000),
    traced: startServe(env({}), 120_000, ["tsx", "./bench/in-memory-tracing.ts"]),
  };
  const services = Object.fromEntries(await Promise.all(Object.entries(variants).map(async ([k, v]) => [k, await v] as const))) as Record<string, ServeProcess>;
  try {
    const served = { metrics: 0, bare: 0, traced: 0 } as Record<string, number>;
    for (const service of Object.values(services)) await loadTest(service.url, verdictBody, 1); // warm: index loaded, JIT
    for (let round = 0; round < ROUNDS; round++) {
      for (const [variant, service] of Object.entries(services)) served[variant] += (await loadTest(service.url, verdictBody, SECONDS)).requests;
    }
    const metricsRatio = served.metrics / served.bare;
    const tracedRatio = served.traced / served.metrics;
    const perVerdictNs = (ROUNDS * SECONDS * 1e9) / served.bare;
    const spanNs = noOpSpanNs();
    const offShare = spanNs / perVerdictNs;
    const verdict = (cost: number) => `cost ${(cost * 100).toFixed(1)} % (target < ${MAX_COST * 100} %) ${cost < MAX_COST ? "✓" : "✗"}`;
    const work = (a: string, b: string) => `${served[a]} vs ${served[b]} verdicts in ${ROUNDS}×${SECONDS} s each`;
    return [
      [name, "verdict throughput, metrics on ÷ TENANCY_METRICS=off", work("metrics", "bare"), `${metricsRatio.toFixed(3)}×`, "", verdict(1 - metricsRatio)],
      [name, "verdict throughput, tracing on (in-memory exporter) ÷ off", work("traced", "metrics"), `${tracedRatio.toFixed(3)}×`, "", `cost ${((1 - tracedRatio) * 100).toFixed(1)} % (tracing on: no target)`],
      [name, "tracing off: a verdict's no-op span and trace-id reads", `${spanNs.toFixed(0)} ns per verdict`, "", `${(perVerdictNs / 1e3).toFixed(0)} µs per verdict (4 connections)`, verdict(offShare)],
    ];
  } finally {
    for (const service of Object.values(services)) service.child.kill("SIGTERM");
    await Promise.all(Object.values(services).map((s) => s.exited));
  }
}

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
