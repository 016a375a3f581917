import type http from "node:http";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from "prom-client";
import type { SqlClient } from "../db/sql-client.ts";
import { DatabaseGauges } from "../observability/database-gauges.ts";
import { serviceMetrics } from "../observability/service-metrics.ts";

/** Status codes that mean "refused" rather than "failed", and the reason label each gets. */
const REFUSALS: Record<number, string> = { 401: "unauthenticated", 403: "forbidden", 413: "too_large", 429: "rate_limited", 503: "unavailable" };

/**
 * /metrics on prom-client: the process (event loop lag, GC, heap, handles), HTTP requests by
 * route and outcome, SQL statements, GraphQL operations (src/graphql/plugins/use-metrics.ts),
 * the isolation index, report and verdicts (src/observability/service-metrics.ts) and the
 * sources' freshness read from the database at each scrape. One registry per server.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private readonly requests = new Counter({ name: "tenancy_http_requests_total", help: "HTTP requests served, by route and status.", labelNames: ["route", "status"], registers: [this.registry] });
  private readonly requestSeconds = new Histogram({
    name: "tenancy_http_request_duration_seconds",
    help: "HTTP request duration, by route and outcome (ok, refused, client_error, error).",
    labelNames: ["route", "outcome"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: "tenancy_http_refusals_total",
    help: "Requests refused before any work (no token, wrong role, too large, rate limited), by route and reason.",
    labelNames: ["route", "reason"],
    registers: [this.registry],
  });
  private readonly statements = new Counter({ name: "tenancy_sql_statements_total", help: "SQL statements sent to the database.", registers: [this.registry] });
  private readonly database: DatabaseGauges;

  constructor(sql: SqlClient) {
    collectDefaultMetrics({ register: this.registry });
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it (the union of label names is not a Metric<string> to it)
    for (const metric of Object.values(serviceMetrics)) this.registry.registerMetric(metric as Metric);
    this.database = new DatabaseGauges(this.registry, sql);
  }

  /** Times the request from now until its response is finished, and counts it by its status. */
  timeRequest(route: string, response: http.ServerResponse) {
    const started = performance.now();
    response.on("finish", () => this.observeRequest(route, response.statusCode, (performance.now() - started) / 1000));
  }

  observeRequest(route: string, status: number, seconds: number) {
    this.requests.inc({ route, status: String(status) });
    const refusal = REFUSALS[status];
    if (refusal) this.refusals.inc({ route, reason: refusal });
    const outcome = status < 400 ? "ok" : refusal ? "refused" : status < 500 ? "client_error" : "error";
    this.requestSeconds.observe({ route, outcome }, seconds);
  }

  /** What open subscriptions hold: a closed one must leave neither a subscription nor a feed listener behind. */
  watchSubscriptions(open: () => number, feedListeners: () => number) {
    new Gauge({
      name: "tenancy_subscriptions_open",
      help: "Live GraphQL subscriptions on open WebSocket connections.",
      registers: [this.registry],
      collect: function () {
        this.set(open());
      },
    });
    new Gauge({
      name: "tenancy_finding_feed_listeners",
      help: "Listeners on the finding feed (one per live findingChanged subscription).",
      registers: [this.registry],
      collect: function () {
        this.set(feedListeners());
      },
    });
  }

  countStatement() {
    this.statements.inc();
  }

  async render(): Promise<string> {
    await this.database.refresh();
    return this.registry.metrics();
  }
}
