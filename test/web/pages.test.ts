import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityViolations, launchBrowser, openPage, screenshot } from "../support/browser.ts";
import { childEnv, runCli } from "../support/cli-process.ts";
import { ADMIN_TOKEN, otherTenantsNames, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import { createToken } from "../support/token-client.ts";

/*
 * The what-if, spread and report pages in Debian's Chromium over the real service with the demo:
 * what they show is what failureImpact, survives, spread and the report say; the report's CSV is
 * the CLI's file byte for byte; a tenant token sees only its own; axe-core passes on each.
 */
let demo: SecuredDemo;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  [demo, browser] = await Promise.all([startSecuredDemo(), launchBrowser()]);
  origin = new URL(demo.service.url).origin;
});
afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

async function signedIn(token: string): Promise<{ page: Page; problems: string[] }> {
  const opened = await openPage(browser);
  await opened.page.goto(`${origin}/`);
  await opened.page.fill("#token-input", token);
  await Promise.all([opened.page.waitForEvent("load"), opened.page.press("#token-input", "Enter")]);
  await opened.page.waitForSelector("#viewer");
  await opened.page.waitForLoadState("networkidle");
  opened.problems.length = 0;
  return opened;
}

describe("the what-if, spread and report pages", () => {
  it("what-if: drilling down to fra1-pdu-a lists the ledger below its quorum", async () => {
    const { page, problems } = await signedIn(ADMIN_TOKEN);
    await page.click("nav >> text=What if");
    await page.click("summary >> text=fra1");
    await page.click("text=PDU fra1-pdu-a >> nth=0");
    await page.waitForSelector("#impact table");
    expect(new URL(page.url()).search).toBe("?level=POWER_DOMAIN&domain=fra1-pdu-a");
    const ledger = page.locator('tr[data-workload="ledger"]');
    expect(await ledger.getAttribute("class")).toBe("below-quorum");
    expect(await ledger.locator(".status").textContent()).toBe("below quorum");
    expect(await ledger.locator("td").allTextContents()).toEqual(["treasury", "5", "ledger-1, ledger-2, ledger-3", "ledger-4", "ledger-dr", "1", "3", "below quorum", "no: fra1-pdu-a"]);
    expect(await page.textContent("#impact-summary")).toBe("1 workloads touched; 1 fall below quorum: ledger.");
    await screenshot(page, "what-if-page");
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("spread: ledger's replicas per domain, the limit drawn and fra1-pdu-a marked crowded", async () => {
    const { page, problems } = await signedIn(ADMIN_TOKEN);
    await page.goto(`${origin}/spread?workload=ledger`);
    await page.waitForSelector("#spread");
    const power = page.locator('[data-level="POWER_DOMAIN"]');
    expect(await power.locator("g.crowded").evaluateAll((g) => g.map((x) => x.getAttribute("data-domain")))).toEqual(["fra1-pdu-a"]);
    expect(await power.locator("line.limit").count()).toBe(1);
    expect(await power.locator(".violation").textContent()).toBe("4 replicas of ledger share power domain fra1-pdu-a; at most 1 allowed");
    expect(await page.locator('[data-level="HOST"] g[data-domain]').count()).toBe(4);
    expect(await page.locator('[data-level="HOST"] line.limit').count()).toBe(0);
    await screenshot(page, "spread-page");
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("report: filter and sort the rows; the CSV is the CLI's `tenancy report --format csv`", async () => {
    const { page, problems } = await signedIn(ADMIN_TOKEN);
    await page.goto(`${origin}/report`);
    await expect.poll(() => page.textContent("#report-progress")).toMatch(/^\d+ rows$/);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=Download CSV")]);
    const browserCsv = await readFile(await download.path(), "utf8");
    const cli = await runCli(["report", "--format", "csv", "--url", demo.service.url], childEnv({ TENANCY_TOKEN: ADMIN_TOKEN }));
    expect(cli.code, cli.stderr).toBe(0);
    expect(browserCsv).toBe(cli.stdout);

    await page.selectOption("#list", "violations");
    await expect.poll(() => page.textContent("#report-progress")).toBe("2 rows");
    await page.click("button.sort >> text=domain");
    expect(await page.locator(".rows tbody tr:not(.spacer) td:nth-child(5)").allTextContents()).toEqual(["ams1-pdu-a", "fra1-pdu-a"]);
    await page.click("button.sort >> text=domain");
    expect(await page.locator(".rows tbody tr:not(.spacer) td:nth-child(5)").allTextContents()).toEqual(["fra1-pdu-a", "ams1-pdu-a"]);
    await page.fill("#filter", "ledger");
    expect(await page.locator(".rows tbody tr:not(.spacer)").count()).toBe(1);
    await screenshot(page, "report-page");
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("a tenant token's pages show only its own workloads and no other tenant's names", async () => {
    const secret = await createToken(demo.service.url, ADMIN_TOKEN, { name: "geology-pages", role: "TENANT", tenant: "geology" });
    const others = await otherTenantsNames(demo, "geology");
    const { page, problems } = await signedIn(secret);
    const seen: string[] = [];
    await page.goto(`${origin}/what-if?level=POWER_DOMAIN&domain=ams1-pdu-a`);
    await page.waitForSelector("#impact table");
    expect(await page.locator("tr[data-workload]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-workload")))).toEqual(["seismic-model"]);
    seen.push(await page.content());
    await page.goto(`${origin}/spread?workload=seismic-model`);
    await page.waitForSelector("#spread");
    seen.push(await page.content());
    await page.goto(`${origin}/report`);
    await page.waitForSelector("[role=alert]");
    expect(await page.textContent("[role=alert]")).toContain("FORBIDDEN");
    seen.push(await page.content());
    const leaked = others.filter((name) => seen.some((html) => new RegExp(`\\b${name.replace(/[.-]/g, "\\$&")}\\b`).test(html)));
    expect(leaked).toEqual([]);
    // The report's refusal is the service's 200 with a FORBIDDEN error, not a failed request.
    expect(problems).toEqual([]);
  });
});
