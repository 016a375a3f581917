import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLEET_SIZES, generateFleet } from "../../bench/fleet.ts";
import { syncInventory } from "../../src/inventory/sync-inventory.ts";
import type { RunningService } from "../../src/service.ts";
import { launchBrowser, openPage, SCREENSHOT_DIR, screenshot } from "../support/browser.ts";
import { graphqlRequest } from "../support/cli-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";

/*
 * The report page over the bench's S fleet (50k containers, ~170k report rows) in Chromium:
 * rows show from the first page on, the DOM holds only the rows in view, the page keeps
 * answering while the pages stream in, the last row is reachable by scrolling and a filter
 * counts what the API counts. Times are measured and written down (test-results/), never
 * asserted: speed belongs to `npm run bench`.
 */
let t: TestDatabase;
let service: RunningService;
let browser: Browser;

beforeAll(async () => {
  t = await createTestDatabase();
  await syncInventory(t.db.sql, generateFleet(FLEET_SIZES.S));
  [service, browser] = await Promise.all([startTestService(t.url), launchBrowser()]);
}, 600_000);
afterAll(async () => {
  await browser?.close();
  await service?.close();
  await t?.drop();
});

describe("the report page at fleet scale", () => {
  it("pages through a 50k-container fleet's report without freezing", async () => {
    const count = async (outcome: string) => (await graphqlRequest(service.url, `{ isolationReport(outcome: ${outcome}, first: 1) { totalCount } }`)).body.data.isolationReport.totalCount as number;
    const [notIsolated, unproven] = [await count("NOT_ISOLATED"), await count("UNPROVEN")];
    const total = notIsolated + unproven;
    expect(total).toBeGreaterThan(100_000);

    const { page, problems } = await openPage(browser);
    const started = Date.now();
    await page.goto(`${new URL(service.url).origin}/report`);
    await page.waitForSelector(".rows tbody tr:not(.spacer)", { timeout: 120_000 });
    const firstRowsMs = Date.now() - started;
    // While pages stream in, the page answers: the slowest of these round trips is written down.
    let slowestAnswerMs = 0;
    while (!/^\d+ rows$/.test((await page.textContent("#report-progress")) ?? "")) {
      const asked = Date.now();
      await page.evaluate(() => (globalThis as any).document.querySelectorAll(".rows tbody tr").length as number);
      slowestAnswerMs = Math.max(slowestAnswerMs, Date.now() - asked);
      await page.waitForTimeout(200);
    }
    const allRowsMs = Date.now() - started;
    expect(await page.textContent("#report-progress")).toBe(`${total} rows`);
    expect(await page.locator(".rows tbody tr:not(.spacer)").count()).toBeLessThan(80);

    await page.locator(".virtual").evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(() => page.locator(".rows tbody tr:not(.spacer)").last().getAttribute("aria-rowindex")).toBe(String(total + 1));

    const filtering = Date.now();
    await page.fill("#filter", "UNPROVEN");
    await expect.poll(() => page.getAttribute(".virtual", "aria-label")).toBe(`Isolation report: ${unproven} rows, scrollable`);
    const filterMs = Date.now() - filtering;
    await screenshot(page, "report-page-fleet-s");
    expect(problems).toEqual([]);

    const measured = { rows: total, firstRowsMs, allRowsMs, slowestAnswerWhileLoadingMs: slowestAnswerMs, filterMs };
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    writeFileSync(path.join(SCREENSHOT_DIR, "..", "report-page-scale.json"), `${JSON.stringify(measured, null, 2)}\n`);
    console.log("report page at fleet S:", measured);
  }, 600_000);
});
