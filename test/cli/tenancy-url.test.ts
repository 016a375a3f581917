import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../src/service.ts";
import { childEnv, graphqlRequest, runCli } from "../support/cli-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";

/*
 * With TENANCY_URL and TENANCY_TOKEN set and no DATABASE_URL, `tenancy sync`, `demo` and
 * `token` act on that service (real child processes), and never create an embedded database
 * here; a command that only works on a database itself (migrate) stops saying why (exit 3).
 */
const ADMIN = "admin-token-for-tenancy-url-tests";
let t: TestDatabase;
let service: RunningService;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  t = await createTestDatabase();
  service = await startTestService(t.url, { adminToken: ADMIN });
  dir = mkdtempSync(path.join(tmpdir(), "tenancy-url-"));
  env = childEnv({ TENANCY_URL: service.url, TENANCY_TOKEN: ADMIN, TENANCY_DATA_DIR: path.join(dir, "data"), TENANCY_ADMIN_TOKEN: undefined });
}, 120_000);
afterAll(async () => {
  await service?.close();
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const sourceKeys = async () => (await graphqlRequest(service.url, `{ sources(first: 100) { nodes { key } } }`, {}, { authorization: `Bearer ${ADMIN}` })).body.data.sources.nodes.map((n: { key: string }) => n.key);

describe("the CLI with TENANCY_URL and no DATABASE_URL", () => {
  it("syncs a snapshot file through the service, creating nothing here", async () => {
    const result = await runCli(["sync", "--file", "examples/demo/dcim-campus.json"], env);
    expect(result.stderr).toContain(`going through the service at ${service.url}`);
    expect(result.code).toBe(0);
    expect(await sourceKeys()).toContain("dcim-campus");
    expect(existsSync(path.join(dir, "data"))).toBe(false);
  }, 60_000);

  it("creates and lists tokens on the service", async () => {
    const created = await runCli(["token", "create", "--name", "via-url", "--role", "compliance"], env);
    expect(created.code).toBe(0);
    const listed = await runCli(["token", "list"], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("via-url");
    expect(existsSync(path.join(dir, "data"))).toBe(false);
  }, 60_000);

  it("refuses a command that needs the database itself, naming TENANCY_URL and DATABASE_URL", async () => {
    const result = await runCli(["migrate"], env);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`TENANCY_URL names the service at ${service.url}`);
    expect(result.stderr).toContain("Set DATABASE_URL");
    expect(existsSync(path.join(dir, "data"))).toBe(false);
  }, 60_000);

  it("a wrong token is the service's refusal, not a local database", async () => {
    const result = await runCli(["sync", "--file", "examples/demo/dcim-fra.json"], { ...env, TENANCY_TOKEN: "not-a-valid-token-at-all" });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/refused the token/);
    expect(await sourceKeys()).not.toContain("dcim-fra");
    expect(existsSync(path.join(dir, "data"))).toBe(false);
  }, 60_000);
});
