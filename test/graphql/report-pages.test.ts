import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateFleet } from "../../bench/fleet.ts";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import type { RunningService } from "../../src/service.ts";
import { graphqlRequest } from "../support/cli-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";

/*
 * A page of the kept report costs its size: the cursor is found by a binary search and the
 * rows are read as the scan kept them. Counted in work (rows read, search steps), not time.
 */
let t: TestDatabase;
let service: RunningService;
beforeAll(async () => {
  t = await createTestDatabase();
  const fleet = generateFleet({ name: "test", hosts: 120, vms: 1_200, containers: 4_000, tenants: 60, workloads: 400 });
  const result = await syncInventory(t.db.sql, fleet);
  expect(result.status).toBe("APPLIED");
  service = await startTestService(t.url);
}, 120_000);
afterAll(async () => {
  await service?.close();
  await t?.drop();
});

const PAGE = `query($after: String, $outcome: IsolationOutcome) { isolationReport(first: 100, after: $after, outcome: $outcome) {
  totalCount pageInfo { hasNextPage endCursor } nodes { workloadKey tenantKey outcome required actual possible explanation } } }`;

async function pageWork(after: string | null, outcome?: string) {
  const report = await service.http.isolationIndex.keptReport!;
  const before = report.work;
  const { body } = await graphqlRequest(service.url, PAGE, { after, outcome });
  expect(body.errors).toBeUndefined();
  return { page: body.data.isolationReport, work: report.work - before };
}

describe("isolation report pages", () => {
  it("cost the same work on the first page and the last, whatever the position", async () => {
    const first = await graphqlRequest(service.url, `{ isolationReport(first: 1) { totalCount } }`);
    const total: number = first.body.data.isolationReport.totalCount;
    expect(total).toBeGreaterThan(1000); // enough rows for position to matter
    const works: number[] = [];
    const seen = new Set<string>();
    let after: string | null = null;
    for (;;) {
      const { page, work } = await pageWork(after);
      for (const n of page.nodes) seen.add(`${n.workloadKey}/${n.tenantKey}`);
      works.push(work);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen.size).toBe(total);
    // A page reads its 101 rows (one to know a next page exists) plus at most ~log2(total) search steps.
    const steps = Math.ceil(Math.log2(total)) + 1;
    const full = works.slice(0, -1);
    expect(Math.max(...full)).toBeLessThanOrEqual(101 + steps);
    expect(Math.max(...full) - Math.min(...full)).toBeLessThanOrEqual(steps);
    // totalCount is known at once: an empty page reads only the one row that tells whether more follow.
    const report = await service.http.isolationIndex.keptReport!;
    const before = report.work;
    await graphqlRequest(service.url, `{ isolationReport(first: 0) { totalCount } }`);
    expect(report.work - before).toBeLessThanOrEqual(1);
  });

  it("filters by outcome at the same cost", async () => {
    const { page: firstPage, work: early } = await pageWork(null, "NOT_ISOLATED");
    expect(firstPage.nodes.every((n: { outcome: string }) => n.outcome === "NOT_ISOLATED")).toBe(true);
    let after = firstPage.pageInfo.endCursor;
    let late = early;
    let pages = 1;
    for (;;) {
      const { page, work } = await pageWork(after, "NOT_ISOLATED");
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      late = work;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBeGreaterThan(2);
    expect(late).toBeLessThanOrEqual(early + Math.ceil(Math.log2(firstPage.totalCount)) + 1);
  });
});
