import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../src/service.ts";
import { childEnv, graphqlRequest, runCli, startServe, type ServeProcess } from "../support/cli-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";

/*
 * One OpenStack cloud synced as a source per project, through the real `tenancy sync`. acme's
 * and globex's projects are listed with admin rights (the Host column): both see compute-03,
 * and only acme's source describes the hosts (globex's has describe-hosts: false). initech's
 * and hooli's are listed without (hostId only, hashed per project). All four servers on
 * compute-03 share it; the data proves two machines only where two described hosts are named.
 */
const FIXTURES = path.resolve("test/connectors/fixtures/openstack-projects");
const file = (name: string) => path.join(FIXTURES, name);
const id = (prefix: string, n: string) => `${prefix}0000000-0000-4000-8000-0000000000${n}`;
const [DB_1, DB_2, LEDGER_1, LEDGER_2, APP_1, CACHE_1] = [id("a", "a1"), id("a", "a2"), id("b", "b1"), id("b", "b2"), id("c", "e1"), id("d", "d1")];

let t: TestDatabase;
let service: RunningService | undefined;
beforeAll(async () => {
  t = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await service?.close();
  await t?.drop();
});

const env = () => childEnv({ DATABASE_URL: t.url });
const acmeArgs = ["openstack", "--source", "ams-acme", "--region", "ams-cloud", "--set", "project-tenants=0a1b2c3d4e5f40718293a4b5c6d7e8f9=acme", "--file", file("acme-server-list.json")];
const globexArgs = ["openstack", "--source", "ams-globex", "--region", "ams-cloud", "--set", "project-tenants=1b2c3d4e5f6a41829304b5c6d7e8f9a0=globex", "--file", file("globex-server-list.json")];
const HINT = /^ {4}hosts: another source describes these hypervisor hosts .*set describe-hosts: false on every other source of the cloud/m;

/** Every pair of the workload's servers and the tenant's, with its levels, by "server × server". */
async function pairs(workload: string, tenant: string): Promise<Record<string, { actual: string; possible: string }>> {
  const { body } = await graphqlRequest(service!.url, `{ isolation(workload: "${workload}", tenant: "${tenant}") { pairCount evidence(limit: 100) { unit { key } otherUnit { key } actual possible } } }`);
  expect(body.errors).toBeUndefined();
  const { pairCount, evidence } = body.data.isolation as { pairCount: number; evidence: { unit: { key: string }; otherUnit: { key: string }; actual: string; possible: string }[] };
  expect(evidence).toHaveLength(pairCount);
  return Object.fromEntries(evidence.map((e) => [`${e.unit.key} × ${e.otherUnit.key}`, { actual: e.actual, possible: e.possible }]));
}

describe("two projects of one OpenStack cloud, each its own source", () => {
  it("refuses a second source that describes the hosts too, naming the setting that fixes it", async () => {
    const acme = await runCli(["sync", ...acmeArgs, "--file", file("acme-server-group-list.json")], env());
    expect(acme.code, acme.stderr).toBe(0);
    const globex = await runCli(["sync", ...globexArgs, "--file", file("globex-server-group-list.json")], env());
    expect(globex.code).toBe(1);
    expect(globex.stderr).toMatch(/^ams-globex \(run \d+\): REFUSED$/m);
    expect(globex.stderr).toContain('host "ams-cloud/compute-03" belongs to source "ams-acme"');
    expect(globex.stderr).toMatch(HINT);
  }, 120_000);

  it("syncs every project side by side once only one source describes the hosts", async () => {
    const run = await runCli(["sync", "--config", file("sources.yaml")], env());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ams-acme \(run \d+\): (APPLIED|UNCHANGED)$/m);
    for (const source of ["ams-globex", "ams-initech", "ams-hooli"]) expect(run.stdout).toMatch(new RegExp(`^${source} \\(run \\d+\\): APPLIED$`, "m"));
    service = await startTestService(t.url);
    const { body } = await graphqlRequest(service.url, `{ hosts(first: 10) { nodes { key source { key } } } ledger: virtualMachine(key: "${LEDGER_1}") { source { key } } }`);
    expect(body.errors).toBeUndefined();
    // acme's source describes the hosts its servers run on; compute-05 (globex's alone) nobody describes.
    expect(body.data.hosts.nodes).toEqual([
      { key: "ams-cloud/compute-03", source: { key: "ams-acme" } },
      { key: "ams-cloud/compute-04", source: { key: "ams-acme" } },
    ]);
    expect(body.data.ledger).toEqual({ source: { key: "ams-globex" } });
  }, 180_000);

  it("puts servers of two projects on one hypervisor on one host, and proves HOST only between two described hosts", async () => {
    expect(await pairs("acme-db", "globex")).toEqual({
      // Both name compute-03: one host, whichever source describes it.
      [`${DB_1} × ${LEDGER_1}`]: { actual: "VIRTUAL_MACHINE", possible: "VIRTUAL_MACHINE" },
      // compute-04 and compute-03: two hosts acme's source describes, in one zone.
      [`${DB_2} × ${LEDGER_1}`]: { actual: "HOST", possible: "RACK" },
      // compute-05 is named, not described: it may be any machine, compute-03 and compute-04 included.
      [`${DB_1} × ${LEDGER_2}`]: { actual: "VIRTUAL_MACHINE", possible: "PLANET" },
      [`${DB_2} × ${LEDGER_2}`]: { actual: "VIRTUAL_MACHINE", possible: "PLANET" },
    });
  });

  it("never reads hostIds (hashed per project) as hosts: servers listed without admin rights may share any host of their zone", async () => {
    expect(await pairs("initech-app", "acme")).toEqual({
      [`${APP_1} × ${DB_1}`]: { actual: "VIRTUAL_MACHINE", possible: "RACK" },
      [`${APP_1} × ${DB_2}`]: { actual: "VIRTUAL_MACHINE", possible: "RACK" },
    });
    // Two projects' hostIds differ even on one host: neither is a host, so nothing is proven apart.
    expect(await pairs("initech-app", "hooli")).toEqual({ [`${APP_1} × ${CACHE_1}`]: { actual: "VIRTUAL_MACHINE", possible: "RACK" } });
  });
});

describe("the same through a service that holds the embedded database", () => {
  let dir: string;
  let served: ServeProcess | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tenancy-openstack-projects-"));
  });
  afterAll(async () => {
    if (served && served.child.exitCode === null) served.child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("gives the refusal the same hint when the sync goes through the service, and applies once the second source names the hosts", async () => {
    const embedded = childEnv({ TENANCY_DATA_DIR: path.join(dir, "data"), PORT: "0", TENANCY_ADMIN_TOKEN: undefined, TENANCY_DEMO: "off", TENANCY_URL: undefined, TENANCY_TOKEN: undefined });
    served = await startServe(embedded, 300_000);
    expect((await runCli(["sync", ...acmeArgs], embedded)).code).toBe(0);
    const refused = await runCli(["sync", ...globexArgs], embedded);
    expect(refused.stderr).toContain(`the service of pid ${served.child.pid} holds`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(HINT);
    const named = await runCli(["sync", ...globexArgs, "--set", "describe-hosts=false"], embedded);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toMatch(/^ams-globex \(run \d+\): APPLIED$/m);
  }, 400_000);
});
