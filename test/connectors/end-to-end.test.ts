import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../src/service.ts";
import { childEnv, graphqlRequest, runCli } from "../support/cli-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";
import { NETBOX_FILES } from "./fixtures.ts";

/*
 * AWS, Kubernetes and NetBox exports synced with the real `tenancy sync <provider>` into one
 * PostgreSQL, and a verdict that needs all three: the pods come from Kubernetes, the VM they
 * share from AWS, and whether their tenants are one organization from NetBox's tenant groups.
 */
const FIXTURES = path.resolve("test/connectors/fixtures");
const AWS = ["describe-instances", "describe-availability-zones", "describe-placement-groups"].flatMap((f) => ["--file", path.join(FIXTURES, "aws", `${f}.json`)]);
const K8S = ["nodes-pods-namespaces", "vmi"].flatMap((f) => ["--file", path.join(FIXTURES, "kubernetes", `${f}.json`)]);
const NETBOX = NETBOX_FILES.flatMap((f) => ["--file", path.join(FIXTURES, "netbox", `${f}.json`)]);

/** Each `tenancy` child starts Node, the TypeScript loader and a database pool: slow on a busy machine. */
const CLI_TIMEOUT = 240_000;

let t: TestDatabase;
let service: RunningService;
const env = () => childEnv({ DATABASE_URL: t.url });

beforeAll(async () => {
  t = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await service?.close();
  await t?.drop();
});

describe("tenancy sync <provider>", () => {
  it("prints what a first sync would create with --dry-run, and writes nothing", { timeout: CLI_TIMEOUT }, async () => {
    const dry = await runCli(["sync", "aws", "--source", "aws-prod", "--dry-run", ...AWS], env());
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^aws-prod \(dry run: nothing was written\): APPLIED\n {2}would be 32 created, 0 updated, 0 removed, 0 unchanged/);
    expect(dry.stderr).toMatch(/warning: i-0a1b2c3d4e5f60008: no tenant/);
    const [{ n }] = await t.db.sql.query<{ n: number }>(`SELECT (SELECT count(*) FROM virtual_machine) + (SELECT count(*) FROM sync_run) AS n`);
    expect(Number(n)).toBe(0);
  });

  it("syncs the three providers' exports, each as its own source", { timeout: CLI_TIMEOUT }, async () => {
    for (const [provider, source, files] of [
      ["netbox", "netbox", NETBOX],
      ["aws", "aws-prod", AWS],
      ["kubernetes", "k8s-prod", K8S],
    ] as const) {
      const result = await runCli(["sync", provider, "--source", source, ...files], env());
      expect(result.code, `${provider}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^${source} \\(run \\d+\\): APPLIED`));
    }
    const again = await runCli(["sync", "aws", "--source", "aws-prod", "--dry-run", ...AWS], env());
    expect(again.stdout).toMatch(/^aws-prod \(dry run: nothing was written\): UNCHANGED/);
  });

  it("answers a verdict that crosses all three", async () => {
    service = await startTestService(t.url);
    const { body } = await graphqlRequest(
      service.url,
      `{ isolation(workload: "payments/checkout-api", tenant: "globex") {
          outcome relationship required actual
          evidence(limit: 10) { unit { key } otherUnit { key } shared { kind key node { ... on VirtualMachine { key source { key } datacenter { key name } } } } } }
         platform: isolation(workload: "payments/checkout-api", tenant: "platform") { relationship } }`,
    );
    expect(body.errors).toBeUndefined();
    const v = body.data.isolation;
    // NetBox: acme and globex are in different tenant-group trees; acme and platform in one.
    expect(v.relationship).toBe("OTHER_ORGANIZATION");
    expect(body.data.platform.relationship).toBe("SAME_ORGANIZATION");
    expect(v.outcome).toBe("NOT_ISOLATED");
    // Kubernetes: the checkout pod and globex's gVisor pod; AWS: the node VM they share.
    const shared = v.evidence.find((e: any) => e.otherUnit.key === "analytics/spark-worker-0");
    expect(shared).toMatchObject({
      unit: { key: "payments/checkout-api-7d4b9c8f6d-x2x9z" },
      shared: { kind: "SHARED_UNIT", key: "i-0a1b2c3d4e5f60010", node: { key: "i-0a1b2c3d4e5f60010", source: { key: "aws-prod" }, datacenter: { key: "euw1-az3", name: null } } },
    });
  });
});

describe("tenancy sync --config", () => {
  it("syncs every source; one that fails syncs nothing and touches no other; statuses over GraphQL", { timeout: CLI_TIMEOUT }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tenancy-sources-"));
    const file = path.join(dir, "sources.yaml");
    writeFileSync(
      file,
      `every: 10m
sources:
  - source: aws-prod
    connector: aws
    files: [${path.join(FIXTURES, "aws", "describe-instances.json")}, ${path.join(FIXTURES, "aws", "describe-availability-zones.json")}, ${path.join(FIXTURES, "aws", "describe-placement-groups.json")}]
  - source: k8s-prod
    connector: kubernetes
    files: [${path.join(dir, "missing-export.json")}]
`,
    );
    const before = await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM container WHERE source = 'k8s-prod'`);
    const run = await runCli(["sync", "--config", file], env());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/--- aws-prod \(aws\)\naws-prod \(run \d+\): UNCHANGED/);
    expect(run.stderr).toMatch(/k8s-prod: nothing synced: cannot read .*missing-export\.json: no such file/);
    const after = await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM container WHERE source = 'k8s-prod'`);
    expect(after[0].n).toBe(before[0].n);
    expect(after[0].n).toBeGreaterThan(0);

    const { body } = await graphqlRequest(service.url, `{ sourceStatuses { source connector status lastError lastSuccessAt lastRun { status } warnings { subject } } source(key: "aws-prod") { status { status } } }`);
    const [aws, k8s] = body.data.sourceStatuses;
    expect(aws).toMatchObject({ source: "aws-prod", connector: "aws", status: "OK", lastError: null, lastRun: { status: "UNCHANGED" } });
    expect(aws.warnings.map((w: { subject: string }) => w.subject)).toContain("i-0a1b2c3d4e5f60008");
    expect(k8s).toMatchObject({ source: "k8s-prod", connector: "kubernetes", status: "FAILED", lastError: expect.stringMatching(/^cannot read .*missing-export\.json: no such file$/) });
    // Its last success is the earlier `tenancy sync kubernetes`: how stale it is now.
    expect(new Date(k8s.lastSuccessAt).getTime()).toBeLessThan(Date.now());
    expect(body.data.source.status.status).toBe("OK");
  });

  it("says which entry of sources.yaml is wrong, as a configuration error (exit 3)", { timeout: CLI_TIMEOUT }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tenancy-sources-"));
    const file = path.join(dir, "sources.yaml");
    writeFileSync(file, "sources:\n  - source: x\n    connector: vmware\n");
    const run = await runCli(["sync", "--config", file], env());
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/sources\.yaml: sources\[0\]\.connector: one of aws, kubernetes, netbox/);
  });
});
