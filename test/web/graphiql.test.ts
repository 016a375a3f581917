import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemoInventory } from "../../src/inventory/demo-inventory.ts";
import type { RunningService } from "../../src/service.ts";
import { launchBrowser, openPage, screenshot } from "../support/browser.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";

/*
 * GraphiQL for browsers, and the app in the service's loopback no-token mode (no admin token,
 * no token created: the embedded demo's way), in Debian's Chromium.
 */
let t: TestDatabase;
let open: RunningService;
let closed: RunningService;
let browser: Browser;

beforeAll(async () => {
  t = await createTestDatabase();
  await loadDemoInventory(t.db.sql);
  [open, closed, browser] = await Promise.all([startTestService(t.url), startTestService(t.url, { graphiql: false }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await open?.close();
  await closed?.close();
  await t?.drop();
});

describe("GraphiQL", () => {
  it("runs the default query in the browser and shows the verdict", async () => {
    const { page, problems } = await openPage(browser);
    await page.goto(open.url);
    await page.waitForSelector(".graphiql-execute-button");
    // The editors fill in after the button appears: a click before the query is there runs nothing.
    await expect.poll(() => page.locator(".graphiql-query-editor").textContent(), { timeout: 30_000 }).toContain("isolation");
    await expect
      .poll(
        async () => {
          const shown = (await page.locator(".result-window").textContent()) ?? "";
          // Clicked again only while idle: during a run the same button stops it.
          const idle = page.locator('.graphiql-execute-button[aria-label^="Execute"]');
          if (!shown.includes('"outcome"') && (await idle.count()) > 0) await idle.click();
          return shown;
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toContain('"outcome": "NOT_ISOLATED"');
    expect(await page.locator(".result-window").textContent()).toContain("geology's container c-3 runs inside VM vm-1");
    await screenshot(page, "graphiql");
    expect(problems).toEqual([]);
  });

  it("is a page only for a browser's GET, and off when TENANCY_GRAPHIQL is off", async () => {
    const html = { accept: "text/html,application/xhtml+xml" };
    const served = await fetch(open.url, { headers: html });
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(served.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await served.text()).toContain("GraphiQL");
    // A GET query is still GraphQL, even from a browser; off, the browser gets the API's answer.
    const query = await fetch(`${open.url}?query=${encodeURIComponent("{ viewer { role } }")}`, { headers: { accept: "application/json", "apollo-require-preflight": "1" } });
    expect(await query.json()).toEqual({ data: { viewer: { role: "ADMIN" } } });
    const off = await fetch(closed.url, { headers: html });
    expect(off.status).toBe(404);
    expect(await off.text()).toBe("GraphiQL is off here (TENANCY_GRAPHIQL=on turns it on); the API answers POST /graphql");
  });
});

describe("the app without a token (loopback mode)", () => {
  it("answers the verdict page with no token entered", async () => {
    const { page, problems } = await openPage(browser);
    await page.goto(`${new URL(open.url).origin}/verdict?workload=genome-pipeline&tenant=geology`);
    await page.waitForSelector("#explanation");
    expect(await page.textContent("#viewer")).toBe("anonymous (admin)");
    expect(await page.locator("#tree-tenant [data-node].shared").count()).toBe(1);
    expect(problems).toEqual([]);
  });
});
