import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { childEnv, graphqlRequest, startServe } from "../support/cli-process.ts";

/*
 * The embedded default: `tenancy serve` with no DATABASE_URL keeps PostgreSQL (PGlite) in
 * TENANCY_DATA_DIR, loads the demo on first start only, survives a kill, and shuts down cleanly.
 */
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const COUNTS = `{ hosts { totalCount } syncRuns { totalCount } sources { nodes { key } } }`;

describe("embedded PGlite", () => {
  it("serves the demo on first start, keeps writes across a kill, and stops cleanly", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "tenancy-pglite-"));
    dirs.push(dataDir);
    const env = childEnv({ TENANCY_DATA_DIR: dataDir, PORT: "0", TENANCY_ADMIN_TOKEN: undefined });

    const first = await startServe(env);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    expect(first.logs()).toContain("listens on loopback only");
    const demo = await graphqlRequest(first.url, COUNTS);
    expect(demo.body.data.sources.nodes.map((s: { key: string }) => s.key)).toEqual(["aws-acme", "aws-globex", "dcim-campus", "dcim-fra", "dcim-moon"]);
    const written = await graphqlRequest(first.url, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, {
      s: { source: "after-demo", hosts: [{ id: "kept-after-kill" }] },
    });
    expect(written.body.data.syncInventory.status).toBe("APPLIED");
    first.child.kill("SIGKILL");
    await first.exited;

    const second = await startServe(env);
    const after = await graphqlRequest(second.url, COUNTS);
    expect(after.body.data.hosts.totalCount).toBe(demo.body.data.hosts.totalCount + 1);
    // The demo is not loaded again into a database that has seen syncs.
    expect(after.body.data.syncRuns.totalCount).toBe(demo.body.data.syncRuns.totalCount + 1);
    const ready = await fetch(second.url.replace("/graphql", "/readyz"));
    expect(ready.status).toBe(200);

    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(second.logs()).toContain('"stopped"');

    // A clean stop leaves a database that opens again.
    const third = await startServe(env);
    expect((await graphqlRequest(third.url, COUNTS)).body.data.hosts.totalCount).toBe(after.body.data.hosts.totalCount);
    third.child.kill("SIGTERM");
    expect(await third.exited).toBe(0);
  });
});
