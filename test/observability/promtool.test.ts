import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";

/*
 * The shipped alert rules through Prometheus' own promtool (Debian's `prometheus` package; .ci/run
 * installs it): `check rules` validates the file as Prometheus loads it, and `test rules` runs
 * examples/observability/alerts.test.yml, in which each required alert fires on series that
 * should page and stays quiet on healthy ones. Without promtool these are skipped, and
 * operations-material.test.ts still parses every expression with Prometheus' PromQL grammar.
 */
const promtool = spawnSync("promtool", ["--version"]).status === 0;
const RULES = "examples/observability/alerts.yml";
const TESTS = "examples/observability/alerts.test.yml";

describe.skipIf(!promtool)("promtool", () => {
  it("checks the alert rules: every rule loads", () => {
    const rules = (parseYaml(readFileSync(RULES, "utf8")) as { groups: { rules: unknown[] }[] }).groups.flatMap((g) => g.rules);
    const out = execFileSync("promtool", ["check", "rules", RULES], { encoding: "utf8" });
    expect(out).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it("fires each required alert on the series that should page it, and not before", () => {
    const run = spawnSync("promtool", ["test", "rules", TESTS], { encoding: "utf8" });
    expect(run.stdout + run.stderr).toContain("SUCCESS");
    expect(run.status).toBe(0);
    const tested = new Set((parseYaml(readFileSync(TESTS, "utf8")) as { tests: { alert_rule_test: { alertname: string }[] }[] }).tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
    for (const alert of ["TenancySourceStale", "TenancyVerdictLatencyHigh", "TenancyEventLoopLag", "TenancyIndexReloadFailing", "TenancyWebhookDeliveriesFailing"]) expect(tested).toContain(alert);
  });

  it("would catch a broken rule", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "promtool-")), "broken.yml");
    writeFileSync(file, "groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: sum(rate(x[5m])\n");
    const broken = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
    expect(broken.status).not.toBe(0);
    expect(broken.stdout + broken.stderr).toMatch(/unclosed left parenthesis|parse error/);
  });
});
