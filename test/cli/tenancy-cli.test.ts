import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnv, runCli } from "../support/cli-process.ts";
import { campusSnapshot } from "../support/snapshots.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  t = await createTestDatabase({ migrated: false });
  dir = await mkdtemp(path.join(tmpdir(), "tenancy-cli-"));
  env = childEnv({ DATABASE_URL: t.url });
});
afterAll(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string) {
  const p = path.join(dir, name);
  await writeFile(p, content);
  return p;
}

describe("tenancy CLI", () => {
  it("migrate applies the migrations, then says the database is up to date", async () => {
    const first = await runCli(["migrate"], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied \d+ migration\(s\): \d+_init, /);
    const second = await runCli(["migrate"], env);
    expect(second.stdout).toContain("database is up to date");
  });

  it("sync --file pushes a snapshot and prints what changed; again prints that nothing did", async () => {
    const snapshot = await file("campus.json", JSON.stringify(campusSnapshot()));
    const first = await runCli(["sync", "--file", snapshot], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^dcim-ams \(run \d+\): APPLIED\n {2}9 created, 0 updated, 0 removed, 0 unchanged\n/);
    expect(first.stdout).toMatch(/hosts\s+\+1 ~0 -0/);
    const second = await runCli(["sync", "--file", snapshot], env);
    expect(second.stdout).toContain("UNCHANGED");
    expect(second.stdout).toContain("nothing changed: the inventory already matched this snapshot");
  });

  it("reads the snapshot from standard input with --file -", async () => {
    const result = await runCli(["sync", "--file", "-"], env, JSON.stringify({ source: "stdin-source", hosts: [{ id: "h-stdin" }] }));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("stdin-source");
  });

  it("exits 1 with every problem and its path when the snapshot is refused", async () => {
    const bad = await file("bad.json", JSON.stringify({ source: "x", hosts: [{ id: "h", colour: "red" }], workloads: [{ id: "w", tenant: "t", minimumIsolation: "NOPE" }] }));
    const result = await runCli(["sync", "--file", bad], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("x (run");
    expect(result.stderr).toContain('hosts.0.colour: unknown field "colour" on hosts');
    expect(result.stderr).toContain('workloads.0.minimumIsolation: unknown isolation level "NOPE"');
  });

  it("exits 1 naming the line and column of bad JSON", async () => {
    const broken = await file("broken.json", '{\n  "source": "x",\n  "hosts": [ { "id": "h" }, ]\n}');
    const result = await runCli(["sync", "--file", broken], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/broken\.json is not valid JSON: .* at line 3, column \d+/);
  });

  it("exits 2 on wrong usage and a missing file", async () => {
    expect((await runCli(["frobnicate"], env)).code).toBe(2);
    const noFile = await runCli(["sync"], env);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain("sync needs --file PATH");
    const missing = await runCli(["sync", "--file", path.join(dir, "nope.json")], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
  });

  it("exits 3 when the database cannot be reached", async () => {
    const result = await runCli(["migrate"], childEnv({ DATABASE_URL: "postgresql://postgres@127.0.0.1:1/none" }));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("cannot reach the database");
  });

  it("exits 2 for wrong usage: a token role that does not exist, a tenant token without --tenant, --every without --config", async () => {
    const king = await runCli(["token", "create", "--role", "king"], env);
    expect(king.code).toBe(2);
    expect(king.stderr).toContain("--role: role must be one of");
    const tenant = await runCli(["token", "create", "--role", "tenant"], env);
    expect(tenant.code).toBe(2);
    expect(tenant.stderr).toContain("--tenant: a tenant token must name its tenant");
    expect((await runCli(["token", "list"], env)).stdout).not.toMatch(/king|tenant-/);
    const snapshot = await file("every.json", JSON.stringify({ source: "every-source", hosts: [{ id: "h-every" }] }));
    const every = await runCli(["sync", "--file", snapshot, "--every", "5m"], env);
    expect(every.code).toBe(2);
    expect(every.stderr).toContain("--every works with --config only");
    expect(every.stdout).not.toContain("every-source");
  }, 120_000);
});
