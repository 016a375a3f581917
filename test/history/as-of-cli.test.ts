import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSnapshots } from "../../src/inventory/demo-inventory.ts";
import { findingsUpToDate } from "../../src/findings/update-findings.ts";
import { childEnv, runCli } from "../support/cli-process.ts";
import { startDemoServices, type DemoServices } from "../support/demo-service.ts";

/*
 * `tenancy isolated X --from Y --as-of …` in a real child process: the verdict as it was, after
 * a sync changed it; a malformed moment is a usage error, one before history a clear refusal.
 * And `tenancy findings [--open] [--since …]`.
 */
let demo: DemoServices;
let env: NodeJS.ProcessEnv;
let before: string;
beforeAll(async () => {
  demo = await startDemoServices();
  env = childEnv({ DATABASE_URL: demo.t.url, TENANCY_URL: demo.services[0].url, TENANCY_TOKEN: undefined });
  await new Promise((resolve) => setTimeout(resolve, 10));
  before = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 10));
  // geology's gVisor container leaves biology's VM for a host of its own.
  const campus = structuredClone((await demoSnapshots()).find((s) => s.snapshot.source === "dcim-campus")!.snapshot) as any;
  const c3 = campus.containers.find((c: { id: string }) => c.id === "c-3");
  delete c3.virtualMachine;
  c3.host = "h-004";
  const synced = await demo.gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: campus });
  expect(synced.data.syncInventory.status).toBe("APPLIED");
});
afterAll(async () => demo.close());

describe("tenancy isolated --as-of", () => {
  it("answers as it was then, and as it is now without the option", async () => {
    const [then, now] = await Promise.all([runCli(["isolated", "genome-pipeline", "--from", "geology", "--as-of", before, "--format", "json"], env), runCli(["isolated", "genome-pipeline", "--from", "geology", "--format", "json"], env)]);
    expect(then.code, then.stderr).toBe(0);
    const past = JSON.parse(then.stdout);
    expect(past).toMatchObject({ outcome: "NOT_ISOLATED", actual: "PROCESS" });
    expect(past.evidence[0]).toMatchObject({ otherUnit: { key: "c-3" }, shared: { kind: "CONTAINING_UNIT", key: "vm-1" } });
    expect(now.code, now.stderr).toBe(0);
    expect(JSON.parse(now.stdout).actual).not.toBe("PROCESS");
  }, 600_000);

  it("refuses a malformed moment as wrong usage, and one before history with the earliest moment", async () => {
    const [malformed, early] = await Promise.all([runCli(["isolated", "genome-pipeline", "--from", "geology", "--as-of", "last tuesday"], env), runCli(["isolated", "genome-pipeline", "--from", "geology", "--as-of", "2020-01-01"], env)]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain("a date (2026-09-30) or an ISO-8601 instant");
    expect(early.code).not.toBe(0);
    expect(early.stderr).toMatch(/asOf 2020-01-01T00:00:00\.000Z is before history begins: the earliest moment it answers for is \S+Z/);
  }, 600_000);
});

describe("tenancy findings", () => {
  it("lists findings, only the open ones, and only those opened since a moment", async () => {
    for (let i = 0; i < 300 && !(await findingsUpToDate(demo.t.db.sql)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const [all, open, recent, csv] = await Promise.all([
      runCli(["findings", "--format", "json"], env),
      runCli(["findings", "--open", "--format", "json"], env),
      runCli(["findings", "--since", "2999-01-01T00:00:00Z", "--format", "json"], env),
      runCli(["findings", "--open", "--format", "csv"], env),
    ]);
    for (const run of [all, open, recent, csv]) expect(run.code, run.stderr).toBe(0);
    const every = JSON.parse(all.stdout).findings.nodes;
    const opened = JSON.parse(open.stdout).findings.nodes;
    // The sync above resolved geology's container-in-VM pair; the ledger's PDU violation stays open.
    expect(every.find((f: { workloadKey: string; tenantKey: string }) => f.workloadKey === "genome-pipeline" && f.tenantKey === "geology")).toMatchObject({ state: "RESOLVED" });
    expect(opened.length).toBeGreaterThan(0);
    expect(opened.every((f: { state: string }) => f.state === "OPEN")).toBe(true);
    expect(opened.length).toBeLessThan(every.length);
    expect(opened.some((f: { workloadKey: string; kind: string }) => f.workloadKey === "ledger" && f.kind === "ANTI_AFFINITY")).toBe(true);
    expect(JSON.parse(recent.stdout).findings.nodes).toEqual([]);
    expect(csv.stdout.split(/\r?\n/)[0]).toBe("id,kind,state,severity,workloadKey,tenantKey,since,lastSeenAt,resolvedAt,acceptedBy,acceptedUntil");
  }, 600_000);
});
