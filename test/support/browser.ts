import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page, type Request } from "playwright-core";

/*
 * A real browser for the page tests: Debian's Chromium (`apt-get install -y chromium`) driven
 * by playwright-core, which downloads nothing. The web app is built before the run when its
 * sources are newer than web/dist (web-build.ts, a global setup), so no test drives stale assets.
 */
const root = fileURLToPath(new URL("../../", import.meta.url));
export const CHROMIUM = process.env.TENANCY_CHROMIUM ?? "/usr/bin/chromium";
/** Where the runs' screenshots go (not committed; docs/screenshots/ holds the README's). */
export const SCREENSHOT_DIR = path.join(root, "test-results", "screenshots");

export async function launchBrowser(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

/**
 * A fresh page (its own session storage) that records what the browser complains of: CSP
 * violations, script errors, failed requests. Tests assert `problems` stays empty.
 */
export async function openPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  // A request cut off because the page went on to another (net::ERR_ABORTED, then a navigation
  // that started after it) is the browser's doing, not a failure of the service: under load, a
  // page's last query could still be in flight when the test moved on. The browser may report
  // the abort before the navigation's own request event, so such a failure is counted at once
  // and taken back when that navigation's request arrives.
  let navigations = 0;
  const startedAfter = new WeakMap<Request, number>();
  const abortedBefore: string[] = [];
  page.on("request", (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      navigations++;
      for (const problem of abortedBefore.splice(0)) {
        const at = problems.indexOf(problem);
        if (at >= 0) problems.splice(at, 1);
      }
    }
    startedAfter.set(request, navigations);
  });
  page.on("requestfailed", (request) => {
    const reason = request.failure()?.errorText;
    const problem = `request failed: ${request.url()} (${reason})`;
    if (reason === "net::ERR_ABORTED" && !request.isNavigationRequest()) {
      if (startedAfter.get(request) !== navigations) return;
      abortedBefore.push(problem);
    }
    problems.push(problem);
  });
  return { page, problems };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** axe-core's violations on the page, injected from node_modules through the debugging protocol (no CDN, no inline script the CSP would refuse). */
export async function accessibilityViolations(page: Page): Promise<{ id: string; help: string; nodes: number }[]> {
  const source = readFileSync(path.join(root, "node_modules", "axe-core", "axe.min.js"), "utf8");
  await page.evaluate(source);
  return page.evaluate(async () => {
    const result = await (globalThis as any).axe.run((globalThis as any).document, { runOnly: ["wcag2a", "wcag2aa", "best-practice"] });
    return result.violations.map((v: any) => ({ id: v.id, help: v.help, nodes: v.nodes.length }));
  });
}
