import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnv, runCli } from "../support/cli-process.ts";
import { startDemoServices, type DemoServices } from "../support/demo-service.ts";

/*
 * The CLI as a terminal user meets it (real child processes): `--help` that never acts,
 * usage errors with the command's own usage (exit 2), configuration errors (exit 3), the
 * questions answered through the service, and `demo --remove`.
 */
let demo: DemoServices;
let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  demo = await startDemoServices();
  dir = await mkdtemp(path.join(tmpdir(), "tenancy-cli-answers-"));
  env = childEnv({ DATABASE_URL: demo.t.url, TENANCY_URL: demo.services[0].url, TENANCY_TOKEN: undefined });
});
afterAll(async () => {
  await demo.close();
  await rm(dir, { recursive: true, force: true });
});

describe("tenancy on the command line", () => {
  it("prints each command's help without acting, and exits 0", async () => {
    const untouched = path.join(dir, "never-created");
    const helpEnv = childEnv({ TENANCY_DATA_DIR: untouched, PORT: "0" });
    const commands = [["serve"], ["demo"], ["migrate"], ["sync"], ["query", "run"], ["token", "create"], ["report"]];
    const results = await Promise.all(commands.map((c) => runCli([...c, "--help"], helpEnv)));
    results.forEach((result, i) => {
      expect(result.code, commands[i].join(" ")).toBe(0);
      expect(result.stdout).toContain(`Usage: tenancy ${commands[i].join(" ")} `);
    });
    // Nothing was served, loaded or migrated: the embedded database was never even created.
    expect(existsSync(untouched)).toBe(false);
  }, 600_000);

  it("exits 2 on wrong usage with that command's usage, and 3 on a configuration error", async () => {
    const missing = path.join(dir, "missing-sources.yaml");
    const [option, argument, level, config, port] = await Promise.all([
      runCli(["sync", "--colour", "red"], env),
      runCli(["query", "run"], env),
      runCli(["impact", "pdu", "fra1-pdu-a"], env),
      runCli(["sync", "--config", missing], env),
      runCli(["migrate"], { ...env, PORT: "eighty" }),
    ]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--colour'");
    expect(option.stderr).toContain("Usage: tenancy sync [options] [provider]");
    expect(argument.code).toBe(2);
    expect(argument.stderr).toContain("missing required argument 'name'");
    expect(argument.stderr).toContain("Usage: tenancy query run [options] <name>");
    expect(level.code).toBe(2);
    expect(level.stderr).toContain("the level is one of host, rack, power-domain");
    expect(config.code).toBe(3);
    expect(config.stderr).toContain("missing-sources.yaml");
    expect(port.code).toBe(3);
    expect(port.stderr).toContain('PORT must be a whole number, got "eighty"');
  }, 600_000);

  it("answers isolated, violations, impact and the whole report through the service, as table, json or csv", async () => {
    const [isolated, violations, impact, report] = await Promise.all([
      runCli(["isolated", "genome-pipeline", "--from", "geology", "--format", "json"], env),
      runCli(["violations", "--workload", "ledger", "--format", "csv"], env),
      runCli(["impact", "power-domain", "fra1-pdu-a"], env),
      runCli(["report", "--format", "csv"], env),
    ]);
    const verdict = (await demo.gql(`{ isolation(workload: "genome-pipeline", tenant: "geology") { outcome actual explanation } }`)).data.isolation;
    expect(isolated.code, isolated.stderr).toBe(0);
    expect(JSON.parse(isolated.stdout)).toMatchObject(verdict);

    expect(violations.code, violations.stderr).toBe(0);
    expect(violations.stdout.split("\r\n")).toEqual([
      "workload.key,level,mode,kind,domain,excess,replicas.key,message",
      'ledger,POWER_DOMAIN,HARD,MAX_PER_DOMAIN,fra1-pdu-a,3,"ledger-1, ledger-2, ledger-3, ledger-4",4 replicas of ledger share power domain fra1-pdu-a; at most 1 allowed',
      "",
    ]);

    expect(impact.code, impact.stderr).toBe(0);
    expect(impact.stdout).toMatch(/^ledger\s+5\s+ledger-1, ledger-2, ledger-3\s+ledger-4\s+ledger-dr\s+1\s+false\s+3\s+true$/m);
    expect(impact.stdout).toContain("tenants touched: treasury");

    const total = (await demo.gql(`{ isolationReport { totalCount } }`)).data.isolationReport.totalCount;
    expect(total).toBeGreaterThan(0);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout.trimEnd().split("\r\n")).toHaveLength(total + 1);
    expect(report.stderr).toMatch(new RegExp(`isolation report: ${total} pairs in `));
  }, 600_000);

  it("demo --remove takes the demo out, so real data may use its places and ids", async () => {
    const removed = await runCli(["demo", "--remove"], env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain("the demo inventory is removed");
    const left = (await demo.gql(`{ hosts { totalCount } virtualMachines { totalCount } datacenters { totalCount } sources { nodes { key } } }`)).data;
    expect(left).toMatchObject({ hosts: { totalCount: 0 }, virtualMachines: { totalCount: 0 }, datacenters: { totalCount: 0 } });
    expect(left.sources.nodes.map((s: { key: string }) => s.key).sort()).toEqual(["aws-acme", "aws-globex", "dcim-campus", "dcim-fra", "dcim-moon"]);
    // A real source may now describe a zone and reuse an id the demo held.
    const real = path.join(dir, "real.json");
    await writeFile(real, JSON.stringify({ source: "aws-prod", datacenters: [{ id: "euw1-az1", region: "eu-west-1" }], virtualMachines: [{ id: "i-0glx1", datacenter: "euw1-az1", tenant: "globex" }] }));
    const synced = await runCli(["sync", "--file", real], env);
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stdout).toMatch(/^aws-prod \(run \d+\): APPLIED/);
  }, 600_000);
});
