import { readFile, readFileSync } from "node:fs";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityViolations, launchBrowser, openPage, screenshot } from "../support/browser.ts";
import { ADMIN_TOKEN, otherTenantsNames, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import { createToken } from "../support/token-client.ts";

/*
 * The verdict page in Debian's Chromium over the real service with the demo (test/support/
 * browser.ts): the token entered once, search as you type, both trees with the shared VM, the
 * README's sentence, the shareable URL, the SVG download, a tenant token's view, the keyboard
 * and axe-core. Every page must load without a CSP violation or script error.
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

/** The README's sentence for genome-pipeline and geology, without its time of day. */
const readmeExplanation = () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const found = /"explanation":"(NOT ISOLATED: genome-pipeline \(biology\)[^"]*?) Inventory as of/.exec(readme);
  if (!found) throw new Error("README.md no longer shows the genome-pipeline/geology explanation");
  return found[1];
};

/** Enters the token as a user would; the page's requests before it (answered 401) are forgotten. */
async function useToken(page: Page, problems: string[], token: string) {
  await page.goto(`${origin}/`);
  await page.fill("#token-input", token);
  await Promise.all([page.waitForEvent("load"), page.press("#token-input", "Enter")]);
  await page.waitForSelector("#viewer");
  await page.waitForLoadState("networkidle");
  problems.length = 0;
}

const sharedNodes = (page: Page, tree: string) => page.locator(`#${tree} [data-node].shared`).evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-node")));

describe("the verdict page", () => {
  it("shows genome-pipeline against geology: VM vm-1 marked on both trees, the README's sentence, a shareable link and an SVG", async () => {
    const { page, problems } = await openPage(browser);
    await useToken(page, problems, ADMIN_TOKEN);
    await page.fill("#workload", "gen");
    await expect.poll(() => page.locator("#workload-options option").evaluateAll((o) => o.map((x) => (x as any).value))).toEqual(["genome-pipeline"]);
    await page.fill("#workload", "genome-pipeline");
    await page.fill("#tenant", "geology");
    await page.click("button[type=submit]");
    await page.waitForSelector("#explanation");
    expect(await page.textContent("#outcome")).toBe("NOT ISOLATED");
    expect(await page.textContent("#explanation")).toContain(readmeExplanation());
    expect(await sharedNodes(page, "tree-workload")).toEqual(["vm:vm-1"]);
    expect(await sharedNodes(page, "tree-tenant")).toEqual(["vm:vm-1"]);
    // Both trees are drawn up the scale: the tenant's gVisor container c-3 sits under vm-1.
    expect(await page.locator('#tree-tenant [data-node="container:c-3"]').count()).toBe(1);
    expect(await page.locator("#evidence tbody tr").first().textContent()).toBe("vm-1c-3PROCESSPROCESSVM vm-1");
    expect(new URL(page.url()).search).toBe("?workload=genome-pipeline&tenant=geology");
    await screenshot(page, "verdict-page");

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=Download SVG")]);
    const svg = await promisify(readFile)(await download.path(), "utf8");
    expect(download.suggestedFilename()).toBe("verdict-genome-pipeline-geology.svg");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("<style>");
    expect(svg).toContain('data-node="vm:vm-1"');

    // The link reopens the same view.
    const shared = await page.getAttribute("#share-link", "href");
    await page.goto("about:blank");
    await page.goto(shared!);
    await page.waitForSelector("#explanation");
    expect(await sharedNodes(page, "tree-tenant")).toEqual(["vm:vm-1"]);
    expect(problems).toEqual([]);
  });

  it("shows a tenant token none of the other tenants' names", async () => {
    const secret = await createToken(demo.service.url, ADMIN_TOKEN, { name: "geology-web", role: "TENANT", tenant: "geology" });
    const others = await otherTenantsNames(demo, "geology");
    const { page, problems } = await openPage(browser);
    await useToken(page, problems, secret);
    await page.goto(`${origin}/verdict?workload=seismic-model&tenant=biology`);
    await page.waitForSelector("#explanation");
    // The pickers' suggestions too: an empty field suggests every key the token may read.
    await page.fill("#workload", "");
    await page.fill("#tenant", "");
    await expect.poll(() => page.locator("#tenant-options option").count()).toBeGreaterThan(0);
    await screenshot(page, "verdict-page-tenant-token");
    const seen = await page.evaluate(() => (globalThis as any).document.documentElement.outerHTML as string);
    // The other tenant's key is what the user typed; its units, workloads and the rest are not told.
    expect(others.length).toBeGreaterThan(10);
    expect(seen).toContain("seismic-model");
    const leaked = others.filter((name) => name !== "biology" && new RegExp(`\\b${name.replace(/[.-]/g, "\\$&")}\\b`).test(seen));
    expect(leaked).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("works from the keyboard alone and passes axe-core's checks", async () => {
    const { page, problems } = await openPage(browser);
    await useToken(page, problems, ADMIN_TOKEN);
    await page.goto(`${origin}/verdict`);
    const focused = () =>
      page.evaluate(() => {
        const active = (globalThis as any).document.activeElement;
        return (active?.id || active?.textContent || "") as string;
      });
    const tabTo = async (id: string) => {
      for (let i = 0; i < 12 && (await focused()) !== id; i++) await page.keyboard.press("Tab");
      expect(await focused()).toBe(id);
    };
    await tabTo("workload");
    await page.keyboard.type("genome-pipeline");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("tenant");
    await page.keyboard.type("geology");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#explanation");
    await tabTo("share-link");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("Download SVG");
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
