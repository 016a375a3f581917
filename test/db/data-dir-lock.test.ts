import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DataDirBusyError, LOCK_FILE, lockDataDir, readLockHolder, type LockHolder } from "../../src/db/data-dir-lock.ts";

/*
 * The embedded database's folder lock on its own: who holds it, what a stale lock is, and that
 * racing newcomers never both take one over. (Two real `tenancy` processes on one folder are
 * in test/cli/one-writer.test.ts.)
 */
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function folder() {
  const dir = await mkdtemp(path.join(tmpdir(), "tenancy-lock-"));
  dirs.push(dir);
  return dir;
}

const stale = (fields: Partial<LockHolder>): LockHolder => ({
  pid: 999_999,
  command: "node bin/tenancy.mjs serve",
  hostname: hostname(),
  startedAt: "2026-01-01T00:00:00.000Z",
  nonce: "0123456789abcdef",
  ...fields,
});

describe("the data folder lock", () => {
  it("names its holder's pid and command, only for its owner, and is gone once released", async () => {
    const dir = await folder();
    const lock = lockDataDir(dir);
    const holder = readLockHolder(dir)!;
    expect(holder.pid).toBe(process.pid);
    expect(holder.command).toContain("node");
    expect((await stat(path.join(dir, LOCK_FILE))).mode & 0o777).toBe(0o600);
    lock.advertise({ url: "http://127.0.0.1:1/graphql", secret: "s" });
    expect(readLockHolder(dir)).toMatchObject({ pid: process.pid, url: "http://127.0.0.1:1/graphql", secret: "s", nonce: holder.nonce });
    lock.release();
    expect(readLockHolder(dir)).toBeNull();
  });

  it("refuses a second holder in the same process, naming the first", async () => {
    const dir = await folder();
    const lock = lockDataDir(dir);
    try {
      expect(() => lockDataDir(dir)).toThrow(DataDirBusyError);
      expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by pid ${process.pid}`));
    } finally {
      lock.release();
    }
  });

  it("refuses a lock held by a live process of this host", async () => {
    const dir = await folder();
    // This very test runner is alive, under its own command line.
    const cmdline = (await readFile(`/proc/${process.ppid}/cmdline`, "utf8")).split("\0").filter(Boolean).join(" ");
    await writeFile(path.join(dir, LOCK_FILE), JSON.stringify(stale({ pid: process.ppid, command: cmdline })));
    expect(() => lockDataDir(dir)).toThrow(/in use by pid/);
  });

  it("takes over a lock whose pid is gone (kill -9), or whose pid now runs another command", async () => {
    for (const holder of [stale({}), stale({ pid: process.ppid, command: "something that is not this pid's command" })]) {
      const dir = await folder();
      await writeFile(path.join(dir, LOCK_FILE), JSON.stringify(holder));
      const lock = lockDataDir(dir);
      expect(readLockHolder(dir)!.pid).toBe(process.pid);
      lock.release();
    }
  });

  it("trusts another host's lock while its heartbeat is fresh, and takes it over once it is 30 s old", async () => {
    const dir = await folder();
    const file = path.join(dir, LOCK_FILE);
    await writeFile(file, JSON.stringify(stale({ hostname: "another-container" })));
    expect(() => lockDataDir(dir)).toThrow(/on another-container/);
    const old = new Date(Date.now() - 31_000);
    await utimes(file, old, old);
    lockDataDir(dir).release();
  });

  it("lets exactly one of several racing processes take over a stale lock", async () => {
    const dir = await folder();
    await writeFile(path.join(dir, LOCK_FILE), JSON.stringify(stale({})));
    const script = `
      import { lockDataDir } from ${JSON.stringify(path.resolve("src/db/data-dir-lock.ts"))};
      // All start at the same instant, once every process is up.
      while (Date.now() < Number(process.argv[2])) {}
      // The winner holds the lock until the test has heard from everyone (stdin closes).
      try { lockDataDir(process.argv[1]); console.log("won"); process.stdin.resume(); process.stdin.on("end", () => process.exit(0)); }
      catch (e) { console.log(e.constructor.name); }`;
    const at = String(Date.now() + 10_000);
    const children = [0, 1, 2, 3].map(() => spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, dir, at], { stdio: ["pipe", "pipe", "inherit"] }));
    const outcomes = await Promise.all(
      children.map(
        (child) =>
          new Promise<string>((resolve, reject) => {
            let out = "";
            child.stdout.on("data", (d) => {
              out += d;
              if (out.includes("\n")) resolve(out.trim());
            });
            child.on("error", reject);
          }),
      ),
    );
    for (const child of children) child.stdin.end();
    expect(outcomes.filter((o) => o === "won")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "DataDirBusyError")).toHaveLength(3);
  });
});
