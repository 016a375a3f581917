import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCK_FILE } from "../../src/db/data-dir-lock.ts";
import { childEnv, graphqlRequest, runCli, startServe, type ServeProcess } from "../support/cli-process.ts";

/*
 * One writer per embedded database, with two real processes: a service holds the folder; a
 * second service is refused; CLI commands that write go through the service (so it sees
 * their writes, and a token made that way counts at once); after kill -9 the stale lock is
 * taken over and nothing written through the service is lost.
 */
let dir: string;
let env: NodeJS.ProcessEnv;
let served: ServeProcess | undefined;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tenancy-one-writer-"));
  env = childEnv({ TENANCY_DATA_DIR: path.join(dir, "data"), PORT: "0", TENANCY_ADMIN_TOKEN: undefined, TENANCY_DEMO: "off", TENANCY_URL: undefined, TENANCY_TOKEN: undefined });
});
afterAll(async () => {
  if (served && served.child.exitCode === null) served.child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

const snapshot = (hosts: string[]) => JSON.stringify({ source: "dcim-x", hosts: hosts.map((id) => ({ id })) });

describe("one writer per embedded database", () => {
  it("routes CLI writes through the service that holds the folder, refuses a second service, and survives kill -9", async () => {
    served = await startServe(env, 300_000);
    const pid = served.child.pid!;
    const lock = JSON.parse(await readFile(path.join(dir, "data", LOCK_FILE), "utf8"));
    expect(lock).toMatchObject({ pid, command: expect.stringContaining("tenancy.mjs serve"), url: served.url });

    const second = await runCli(["serve"], env);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`in use by pid ${pid} (`);
    expect(second.stderr).toContain("tenancy.mjs serve");
    expect(second.stderr).toContain(`kill -TERM ${pid}`);

    // The token is made by the running service: it counts at once, and closes the open door.
    const created = await runCli(["token", "create", "--role", "admin", "--name", "ops"], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain(`the service of pid ${pid} holds`);
    const secret = created.stdout.trim();
    const asOps = await graphqlRequest(served.url, "{ viewer { actor role } }", undefined, { authorization: `Bearer ${secret}` });
    expect(asOps.body.data.viewer).toEqual({ actor: "token:ops", role: "ADMIN" });
    expect((await graphqlRequest(served.url, "{ viewer { actor } }")).status).toBe(401);
    const audit = await graphqlRequest(served.url, `{ auditLog(action: "createApiToken") { nodes { actor outcome } } }`, undefined, { authorization: `Bearer ${secret}` });
    expect(audit.body.data.auditLog.nodes).toEqual([{ actor: expect.stringMatching(/^cli:/), outcome: "OK" }]);

    const file = path.join(dir, "hosts.json");
    await writeFile(file, snapshot(["h-1", "h-2"]));
    const synced = await runCli(["sync", "--file", file], env);
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stdout).toMatch(/^dcim-x \(run \d+\): APPLIED/);
    const hosts = await graphqlRequest(served.url, "{ hosts { totalCount } }", undefined, { authorization: `Bearer ${secret}` });
    expect(hosts.body.data.hosts.totalCount).toBe(2);

    // A command that cannot go through the service says exactly what to do, and does nothing.
    const migrate = await runCli(["migrate"], env);
    expect(migrate.code).toBe(3);
    expect(migrate.stderr).toMatch(/did nothing/);
    expect(migrate.stderr).toContain(`kill -TERM ${pid}`);

    served.child.kill("SIGKILL");
    await served.exited;
    // The stale lock (its pid is gone) is taken over; the writes made through the service are there.
    const again = await runCli(["sync", "--file", file], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("UNCHANGED");
    expect(again.stderr).not.toContain("going through");
    const tokens = await runCli(["token", "list"], env);
    expect(tokens.stdout).toMatch(/^ops\s+admin\s/m);

    served = await startServe(env, 300_000);
    const after = await graphqlRequest(served.url, "{ hosts { totalCount } }", undefined, { authorization: `Bearer ${secret}` });
    expect(after.body.data.hosts.totalCount).toBe(2);
    served.child.kill("SIGTERM");
    expect(await served.exited).toBe(0);
  }, 600_000);

  it("syncs a snapshot larger than an admin's request body through the service (tenancy sync --file on the embedded database)", async () => {
    served = await startServe(env, 300_000);
    // More than the 1 MiB an admin token may send over HTTP: a real estate's export is larger still.
    const hosts = Array.from({ length: 6_000 }, (_, i) => `rack-hall-b-row-07-position-${String(i).padStart(5, "0")}-${"x".repeat(160)}`);
    const file = path.join(dir, "big.json");
    await writeFile(file, JSON.stringify({ source: "dcim-big", hosts: hosts.map((id) => ({ id })) }));
    expect(Buffer.byteLength(await readFile(file, "utf8"))).toBeGreaterThan(1024 * 1024);
    const synced = await runCli(["sync", "--file", file], env);
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stderr).toContain("going through");
    expect(synced.stdout).toMatch(/^dcim-big \(run \d+\): APPLIED\n {2}6000 created/);
    served.child.kill("SIGTERM");
    expect(await served.exited).toBe(0);
  }, 600_000);
});
