import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/*
 * A global setup (vitest.config.ts): builds the web app (npm run build:web) once, before any
 * worker starts, when web/src, web/index.html, web/graphiql.html, the Vite config or src/ (the
 * app bundles some pure modules from it) is newer than web/dist. Once per run, so two browser
 * test files never rebuild it under each other.
 */
const root = fileURLToPath(new URL("../../", import.meta.url));

export default function setup(): void {
  const web = path.join(root, "web");
  const builtAt = mtime(path.join(web, "dist", "index.html"));
  const sources = [...files(path.join(web, "src")), ...files(path.join(root, "src")).filter((f) => !f.includes(`${path.sep}generated${path.sep}`)), ...["index.html", "graphiql.html", "vite.config.ts"].map((f) => path.join(web, f))];
  if (builtAt >= Math.max(...sources.map(mtime))) return;
  execFileSync("npm", ["run", "build:web"], { cwd: root, stdio: "pipe" });
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
