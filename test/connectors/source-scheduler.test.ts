import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSourceScheduler } from "../../src/connectors/source-scheduler.ts";
import type { ScheduledSource } from "../../src/connectors/sources-config.ts";
import { graphqlRequest } from "../support/cli-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";

const FIXTURES = path.resolve("test/connectors/fixtures");
const aws: ScheduledSource = {
  source: "aws-prod",
  connector: "aws",
  everyMs: 60_000,
  files: ["describe-instances", "describe-availability-zones", "describe-placement-groups"].map((f) => path.join(FIXTURES, "aws", `${f}.json`)),
  settings: {},
};
const broken: ScheduledSource = { source: "k8s-prod", connector: "kubernetes", everyMs: 60_000, files: [path.join(FIXTURES, "nope.json")], settings: {} };

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
}, 60_000);
afterAll(async () => t?.drop());

describe("the source scheduler", () => {
  it("runs inside serve (TENANCY_SOURCES): each source at once, then on its interval, and stops with the server", async () => {
    const service = await startTestService(t.url, { sources: [aws, broken] });
    try {
      const outcomes = await service.scheduler!.firstRound;
      expect(outcomes.map((o) => [o.source, o.status])).toEqual([
        ["aws-prod", "OK"],
        ["k8s-prod", "FAILED"],
      ]);
      const { body } = await graphqlRequest(service.url, `{ sourceStatuses { source status lastError } virtualMachines(filter: { source: "aws-prod" }) { totalCount } }`);
      expect(body.data.sourceStatuses).toEqual([
        { source: "aws-prod", status: "OK", lastError: null },
        { source: "k8s-prod", status: "FAILED", lastError: expect.stringMatching(/^cannot read .*nope\.json: no such file$/) },
      ]);
      expect(body.data.virtualMachines.totalCount).toBe(8);
    } finally {
      await service.close();
    }
  });

  it("repeats every interval without overlapping a source's runs, and stops when told", async () => {
    const runs: string[] = [];
    const scheduler = startSourceScheduler(t.db.sql, [{ ...aws, everyMs: 50 }], pino({ level: "silent" }), (o) => runs.push(o.status));
    await scheduler.firstRound;
    while (runs.length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    await scheduler.stop();
    const stoppedAt = runs.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(runs.length).toBe(stoppedAt);
    expect(runs.every((status) => status === "OK")).toBe(true);
    // One source's runs never overlap: each sync run finished before the next started.
    const rows = await t.db.sql.query<{ started_at: Date; finished_at: Date }>(`SELECT started_at, finished_at FROM sync_run WHERE source = 'aws-prod' ORDER BY id`);
    for (let i = 1; i < rows.length; i++) expect(rows[i].started_at.getTime()).toBeGreaterThanOrEqual(rows[i - 1].finished_at.getTime());
  });
});
