import { execFile, spawn } from "node:child_process";
import { cp, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { childEnv } from "../support/cli-process.ts";

/*
 * The production build, laid out as the Docker image's run stage lays it out (dist/, bin/,
 * schema.graphql, prisma/migrations, examples/; no src/, so no TypeScript can run): it
 * compiles, serves the embedded database with NODE_ENV=production until /readyz, and stops
 * cleanly on SIGTERM.
 */
const run = promisify(execFile);
let image: string;
afterAll(async () => {
  if (image) await rm(image, { recursive: true, force: true });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe("the compiled build", () => {
  it("emits JavaScript that serves in production without a TypeScript loader, and stops cleanly", async () => {
    image = await mkdtemp(path.join(tmpdir(), "tenancy-image-"));
    await run(process.execPath, [path.resolve("node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", path.join(image, "dist")]);
    const emitted = await filesUnder(path.join(image, "dist"));
    expect(emitted.filter((f) => f.endsWith(".ts"))).toEqual([]);
    expect(emitted).toContain(path.join(image, "dist/cli/main.js"));
    for (const part of ["bin", "schema.graphql", "prisma/migrations", "examples", "package.json"]) await cp(part, path.join(image, part), { recursive: true });
    await symlink(path.resolve("node_modules"), path.join(image, "node_modules"));

    const env = childEnv({ NODE_ENV: "production", TENANCY_DATA_DIR: path.join(image, "data"), PORT: "0", TENANCY_ADMIN_TOKEN: undefined });
    const child = spawn(process.execPath, ["bin/tenancy.mjs", "serve"], { cwd: image, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const deadline = Date.now() + 300_000;
    while (!output.includes('"serving GraphQL"') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const line = output.split("\n").find((l) => l.includes('"serving GraphQL"'));
    expect(line, output).toBeDefined();
    const url = JSON.parse(line!).url as string;
    expect((await fetch(url.replace("/graphql", "/readyz"))).status).toBe(200);
    const demo = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: `{ rack(key: "ams1-r01") { key } }` }) });
    expect(await demo.json()).toEqual({ data: { rack: { key: "ams1-r01" } } });
    // What ran was dist/: the stack of a module file names no TypeScript source.
    expect(output).not.toContain("src/");

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  }, 900_000);
});
