import { readFileSync } from "node:fs";
import { parser } from "@prometheus-io/lezer-promql";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import type { SqlClient } from "../../src/db/sql-client.ts";
import { useMetrics } from "../../src/graphql/plugins/use-metrics.ts";
import { Metrics } from "../../src/http/metrics.ts";

/*
 * The shipped alert rules and dashboard (examples/observability/) against the service's own
 * metrics: every expression parses with Prometheus' PromQL grammar (lezer-promql, the grammar of
 * Prometheus' own UI), and every series and label it selects is one the service exports. So a
 * renamed metric or a typo fails here, not silently in someone's Prometheus.
 */
const exported = (() => {
  // The registry is read, never rendered: nothing here touches a database.
  const metrics = new Metrics(undefined as unknown as SqlClient);
  useMetrics(metrics.registry);
  const labels = new Map<string, Set<string>>();
  for (const metric of metrics.registry.getMetricsAsArray() as unknown as { name: string; labelNames?: string[]; type?: string }[]) {
    const names = new Set(metric.labelNames ?? []);
    labels.set(metric.name, names);
    if (String(metric.type) === "histogram") {
      labels.set(`${metric.name}_bucket`, new Set([...names, "le"]));
      labels.set(`${metric.name}_sum`, names);
      labels.set(`${metric.name}_count`, names);
    }
  }
  return labels;
})();

/** Parse errors, and selectors of series or labels the service does not export, in `expr`. */
function problemsOf(expr: string): string[] {
  const problems: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) problems.push(`syntax error at ${node.from}: …${expr.slice(node.from, node.from + 20)}`);
      if (node.name !== "VectorSelector") return;
      const name = node.node.getChild("Identifier");
      const metric = name ? expr.slice(name.from, name.to) : "";
      const known = exported.get(metric);
      if (!known) return void problems.push(`unknown series ${metric}`);
      const matchers = node.node.getChild("LabelMatchers");
      for (const label of matchers?.getChildren("UnquotedLabelMatcher") ?? []) {
        const labelName = label.getChild("LabelName");
        const text = labelName ? expr.slice(labelName.from, labelName.to) : "";
        if (!known.has(text)) problems.push(`${metric} has no label ${text}`);
      }
    },
  });
  return problems;
}

describe("the PromQL check itself", () => {
  it("catches a syntax error, an unknown series and an unknown label", () => {
    expect(problemsOf("sum(rate(tenancy_verdicts_total[5m])")).not.toEqual([]);
    expect(problemsOf("rate(tenancy_verdict_total[5m])")).toEqual(["unknown series tenancy_verdict_total"]);
    expect(problemsOf('rate(tenancy_verdicts_total{tenant="x"}[5m])')).toEqual(["tenancy_verdicts_total has no label tenant"]);
    expect(problemsOf('histogram_quantile(0.99, sum by (le) (rate(tenancy_http_request_duration_seconds_bucket{route="/graphql"}[5m])))')).toEqual([]);
  });
});

describe("examples/observability/alerts.yml", () => {
  const file = parseYaml(readFileSync("examples/observability/alerts.yml", "utf8")) as {
    groups: { name: string; rules: { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[];
  };
  const rules = file.groups.flatMap((g) => g.rules);

  it("is a rule file of uniquely named alerts, each with a severity, a summary, a description and a valid `for`", () => {
    expect(file.groups.length).toBeGreaterThan(0);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(
        Object.keys(rule).filter((k) => !["alert", "expr", "for", "labels", "annotations"].includes(k)),
        rule.alert,
      ).toEqual([]);
      expect(["warning", "critical"], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.description, rule.alert).toBeTruthy();
      if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smhd]$/);
    }
  });

  it("covers stale sources, verdict latency, event loop lag, failing index reloads and failing webhook deliveries", () => {
    const selected = rules.map((r) => r.expr).join("\n");
    const series = [
      "tenancy_source_last_success_timestamp_seconds",
      "tenancy_verdict_duration_seconds_bucket",
      "nodejs_eventloop_lag_p99_seconds",
      "tenancy_isolation_index_reload_duration_seconds_count",
      "tenancy_webhook_deliveries_total",
    ];
    for (const name of series) {
      expect(selected).toContain(name);
    }
  });

  it("has expressions that parse and select only series and labels the service exports", () => {
    for (const rule of rules) expect(problemsOf(rule.expr), rule.alert).toEqual([]);
  });
});

describe("examples/observability/grafana-dashboard.json", () => {
  const dashboard = JSON.parse(readFileSync("examples/observability/grafana-dashboard.json", "utf8")) as {
    uid: string;
    panels: { id: number; title: string; datasource: { uid: string }; targets: { expr: string; refId: string }[] }[];
  };

  it("is an importable dashboard: unique panel ids, every panel on the Prometheus data source input", () => {
    expect(dashboard.uid).toBe("tenancy-scale");
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).toBe("${DS_PROMETHEUS}");
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    }
  });

  it("has queries that parse and select only series and labels the service exports", () => {
    for (const panel of dashboard.panels) for (const target of panel.targets) expect(problemsOf(target.expr), `${panel.title} ${target.refId}`).toEqual([]);
  });
});
