import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY, webRoutes } from "../../src/http/web-routes.ts";

/* The web app's file serving on its own: headers, caching, paths that climb out, an unbuilt app. */
const servers: http.Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

async function serve(assetsDir: string): Promise<string> {
  const web = webRoutes(assetsDir);
  const server = http.createServer((request, response) => {
    const { pathname } = new URL(request.url ?? "/", "http://x");
    if (!web.handles(pathname)) return void response.writeHead(404).end();
    // As the service's own handler does (create-server.ts): a handler that throws is a 500.
    web.serve(pathname, request, response).catch(() => void response.writeHead(500).end());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function built(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "web-"));
  mkdirSync(path.join(dir, "assets"));
  writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>app</title>");
  writeFileSync(path.join(dir, "assets", "index-abc.js"), "console.log(1)");
  writeFileSync(path.join(dir, "secret.txt"), "not an asset");
  return dir;
}

describe("web routes", () => {
  it("serves the pages and files with the CSP; pages are not cached, hashed files for good", async () => {
    const base = await serve(built());
    for (const page of ["/", "/verdict"]) {
      const response = await fetch(`${base}${page}?workload=x`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(await response.text()).toContain("<title>app</title>");
    }
    const script = await fetch(`${base}/assets/index-abc.js`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("cache-control")).toContain("immutable");
    expect(script.headers.get("x-content-type-options")).toBe("nosniff");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe|\*|http/);
  });

  it("answers 404 for a file outside assets/ and 405 for a POST", async () => {
    const base = await serve(built());
    for (const climb of ["/assets/../secret.txt", "/assets/%2e%2e/secret.txt", "/assets/%2e%2e%2fsecret.txt", "/assets/%E0%A4%A", "/assets/%00", "/assets/app.js%00.png"]) {
      const response = await rawGet(base, climb);
      expect(response.status, climb).toBe(404);
      expect(response.body).not.toContain("not an asset");
    }
    expect((await fetch(`${base}/`, { method: "POST" })).status).toBe(405);
  });

  it("says how to build the app when web/dist is missing", async () => {
    const base = await serve(path.join(tmpdir(), "no-such-web-dist"));
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("npm run build:web");
  });
});

/** A GET with the path exactly as written (fetch would resolve the dots). */
function rawGet(base: string, pathname: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${pathname}`, (response) => {
        let body = "";
        response.on("data", (chunk) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}
