import { readFile } from "node:fs/promises";
import type http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

/*
 * The web app's static files (built by `npm run build:web` into web/dist, see README "Web
 * pages"), served by the service itself under a strict Content-Security-Policy: scripts, styles
 * and requests from this origin only, nothing inline, no frames. The app's pages are paths
 * (/verdict?…, shareable); each answers index.html and the app reads the path.
 */

/** web/dist, found the same from src/http and dist/http (dist mirrors src at the same depth). */
export const WEB_ASSETS_DIR = fileURLToPath(new URL("../../web/dist/", import.meta.url));

/** The app's page paths (web/src/main.tsx's PAGES, and / for the first). */
export const WEB_PAGES = ["/", "/verdict", "/what-if", "/spread", "/report"];

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  // GraphiQL's stylesheet carries its fonts as data: URLs (inside our own file, not fetched).
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

export interface WebRoutes {
  /** Is this path the app's (a page or one of its built files)? */
  handles(pathname: string): boolean;
  serve(pathname: string, request: http.IncomingMessage, response: http.ServerResponse): Promise<void>;
  /** Is this a browser asking /graphql for a page (GET, Accept: text/html, no query)? */
  wantsGraphiQL(request: http.IncomingMessage, url: URL): boolean;
  /** GraphiQL's page: a static file, no token needed to load it (it sends the tab's token itself). */
  serveGraphiQL(request: http.IncomingMessage, response: http.ServerResponse): Promise<void>;
}

export function webRoutes(assetsDir = WEB_ASSETS_DIR): WebRoutes {
  return {
    wantsGraphiQL: (request, url) => request.method === "GET" && !url.searchParams.has("query") && (request.headers.accept ?? "").includes("text/html"),
    serveGraphiQL(request, response) {
      // /graphql answers JSON or this page by Accept: a cache must keep them apart.
      response.setHeader("vary", "accept");
      return serveBuilt(path.join(assetsDir, "graphiql.html"), "/graphql", request, response);
    },
    handles: (pathname) => WEB_PAGES.includes(pathname) || pathname.startsWith("/assets/"),
    async serve(pathname, request, response) {
      const file = pathname.startsWith("/assets/") ? assetPath(assetsDir, pathname) : path.join(assetsDir, "index.html");
      return serveBuilt(file, pathname, request, response);
    },
  };
}

async function serveBuilt(file: string | null, pathname: string, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  setSecurityHeaders(response);
  if (request.method !== "GET" && request.method !== "HEAD") return answer(response, 405, "text/plain; charset=utf-8", `${pathname} takes GET`);
  if (file === null) return answer(response, 404, "text/plain; charset=utf-8", `no file ${pathname}`);
  const body = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "EISDIR") return null;
    throw error;
  });
  if (body === null && !pathname.startsWith("/assets/")) {
    return answer(response, 503, "text/plain; charset=utf-8", `the web app is not built (no ${file}); run \`npm run build:web\``);
  }
  if (body === null) return answer(response, 404, "text/plain; charset=utf-8", `no file ${pathname}`);
  // Built files carry their content's hash in their name: cache them for good. Pages: never.
  response.setHeader("cache-control", pathname.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
  answer(response, 200, TYPES[path.extname(file)] ?? "application/octet-stream", request.method === "HEAD" ? "" : body);
}

/** The headers every page and file of the app carries. */
export function setSecurityHeaders(response: http.ServerResponse): void {
  response.setHeader("content-security-policy", CONTENT_SECURITY_POLICY);
  response.setHeader("x-content-type-options", "nosniff");
  response.setHeader("referrer-policy", "no-referrer");
  response.setHeader("x-frame-options", "DENY");
  response.setHeader("cross-origin-opener-policy", "same-origin");
}

/** The file under assets/ a path names, or null for one that climbs out of it. */
function assetPath(assetsDir: string, pathname: string): string | null {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname.slice(1));
  } catch {
    return null;
  }
  // No file name holds NUL: the file system would refuse it with an error (a 500), not ENOENT.
  if (relative.includes("\0")) return null;
  const file = path.resolve(assetsDir, relative);
  return file.startsWith(path.join(assetsDir, "assets") + path.sep) ? file : null;
}

function answer(response: http.ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  response.statusCode = status;
  response.setHeader("content-type", contentType);
  response.end(body);
}
