import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSnapshots } from "../../src/inventory/demo-inventory.ts";
import type { RunningService } from "../../src/service.ts";
import { graphqlRequest } from "../support/cli-process.ts";
import { createTestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";

/*
 * The strict as-of test (issue 14): while real syncs, policy changes and rule overrides go on
 * through the API, the same document is answered at several moments and the answers recorded;
 * afterwards the document is asked `asOf` each moment and must give exactly the recorded answer
 * (data and errors), on PostgreSQL and on the embedded PGlite. The document covers verdicts with
 * their evidence and explanation, the report, the violations, a failure what-if, exposures, and
 * lookups by key with relations reached from them.
 */
const DOCUMENT = `
fragment V on IsolationVerdict {
  outcome required actual possible explanation relationship policyVersion policyRequired workloadMinimum pairCount inventoryAsOf
  workload { key tenantKey minimumIsolation } tenant { key organization }
  evidence(limit: 3) { actual possible unit { __typename key } otherUnit { __typename key }
    shared { kind key description node { __typename ... on Host { key rack { key } } ... on Rack { key } ... on Datacenter { key hazardZones } ... on VirtualMachine { key } } } }
}
query Q($asOf: DateTime) {
  d: workload(key: "lab-notebooks", asOf: $asOf) { isolation(from: "physics") { ...V } }
  report: isolationReport(first: 1000, asOf: $asOf) { totalCount edges { cursor node { workloadKey tenantKey outcome actual possible required policyVersion inventoryAsOf explanation } } }
  violations: antiAffinityViolations(first: 1000, asOf: $asOf) { totalCount nodes { workload { key } level mode kind domain excess message replicas { __typename key } rule { level maxPerDomain minDomains maxSkew } } }
  impact: failureImpact(level: RACK, domain: "fra1-r01", asOf: $asOf) { tenantKeys workloads { workload { key } replicaCount remaining losesAll quorum belowQuorum lost { key } degraded { key } atRisk { key } } }
  w: workload(key: "genome-pipeline", asOf: $asOf) {
    key tenantKey antiAffinity { level maxPerDomain } replicas { __typename key }
    exposure { workloadKey tenantKey outcome explanation }
    virtualMachines { nodes { key host { key rack { key datacenter { key hazardZones } } } containers { nodes { key runtime tenantKey } } } }
  }
  t: tenant(key: "geology", asOf: $asOf) { key organization exposure { workloadKey tenantKey outcome actual } containers { totalCount nodes { key } } }
  h: host(key: "h-002", asOf: $asOf) { key virtualMachines { totalCount nodes { key tenantKey workloadKey } } }
  gone: host(key: "fra-h4", asOf: $asOf) { key rack { key } virtualMachines { nodes { key } } }
  l: workload(key: "ledger", asOf: $asOf) {
    antiAffinity { level maxPerDomain maxSkew }
    antiAffinityAudit { replicaCount domainCount violations { kind domain replicas { key } } }
    survives(level: RACK) { survives quorum replicaCount singlePointsOfFailure { domain remaining } }
    isolation(from: "geology") { outcome actual explanation }
  }
  dc: datacenter(key: "ams1", asOf: $asOf) { key name hazardZones sources { key } descriptions { source { key } hazardZones } }
}`;

/** Root verdicts apart: before the demo is synced they fail (NOT_FOUND), and so does all their data. */
const VERDICTS = `${DOCUMENT.slice(0, DOCUMENT.indexOf("query Q"))}
query R($asOf: DateTime) {
  a: isolation(workload: "genome-pipeline", tenant: "geology", asOf: $asOf) { ...V }
  b: isolation(workload: "seismic-model", tenant: "biology", asOf: $asOf) { ...V }
  c: isolation(workload: "ledger", tenant: "acme-web", asOf: $asOf) { ...V }
  e: isolation(workload: "ledger", tenant: "treasury", asOf: $asOf) { ...V }
}`;

interface Backend {
  serve(): Promise<RunningService>;
  close(): Promise<void>;
}

const BACKENDS: [string, () => Promise<Backend>][] = [
  [
    "PostgreSQL",
    async () => {
      const t = await createTestDatabase();
      return { serve: () => startTestService(t.url), close: () => t.drop() };
    },
  ],
  [
    "PGlite",
    async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), "tenancy-asof-"));
      return {
        serve: () => startTestService(undefined as unknown as string, { databaseUrl: undefined, dataDir }),
        close: () => rm(dataDir, { recursive: true, force: true }),
      };
    },
  ],
];

type Snapshot = { source: string } & Record<string, any>;
const clone = <T>(value: T): T => structuredClone(value);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(BACKENDS)("answers as of past moments on %s", (_, open) => {
  let backend: Backend;
  let service: RunningService;
  let demo: Map<string, Snapshot>;
  const recorded: { label: string; at: Date; body: unknown }[] = [];

  beforeAll(async () => {
    backend = await open();
    service = await backend.serve();
    demo = new Map((await demoSnapshots()).map(({ snapshot }) => [snapshot.source, snapshot as Snapshot]));
  }, 120_000);
  afterAll(async () => {
    await service?.close();
    await backend?.close();
  });

  const gql = async (query: string, variables?: Record<string, unknown>) => (await graphqlRequest(service.url, query, variables)).body;
  /** Both documents' answers, without the request ids errors carry. */
  const answers = async (asOf: string | null) => JSON.parse(JSON.stringify([await gql(DOCUMENT, { asOf }), await gql(VERDICTS, { asOf })]), (key, value) => (key === "requestId" ? undefined : value));
  const sync = async (snapshot: Snapshot, expected = "APPLIED") => {
    const body = await gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { message } } }`, { s: snapshot });
    expect(body.data?.syncInventory, JSON.stringify(body)).toMatchObject({ status: expected, userErrors: [] });
  };
  const ok = async (query: string, variables?: Record<string, unknown>) => {
    const body = await gql(query, variables);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return body.data;
  };
  /** Answers the document now, then notes the moment: nothing changes until the next step. */
  const record = async (label: string) => {
    const body = await answers(null);
    await pause(5);
    recorded.push({ label, at: new Date(), body });
    await pause(5);
  };

  it("records the answers while the inventory, the policy and the rules change", async () => {
    await record("empty inventory");

    for (const source of ["dcim-campus", "aws-acme", "aws-globex", "dcim-moon", "dcim-fra"]) await sync(demo.get(source)!);
    await record("demo synced");

    await ok(`mutation { setIsolationPolicy(sameTenant: PROCESS, sameOrganization: VIRTUAL_MACHINE, otherOrganization: HOST, comment: "stricter") { userErrors { message } } }`);
    await record("stricter policy");

    // geology's container leaves biology's VM for its own host; its VM moves next to biology's.
    const campus = clone(demo.get("dcim-campus")!);
    campus.containers.find((c: { id: string }) => c.id === "c-3").virtualMachine = "vm-4";
    campus.virtualMachines.find((v: { id: string }) => v.id === "vm-3").host = "h-003";
    await sync(campus);
    await record("campus moved");

    await ok(`mutation { setAntiAffinityRules(workload: "ledger", rules: [{ level: RACK, maxPerDomain: 1 }], comment: "one per rack") { userErrors { message } } }`);
    await record("ledger override");

    // The colocation loses a host and the VM on it (a complete snapshot removes them).
    const fra = clone(demo.get("dcim-fra")!);
    fra.hosts = fra.hosts.filter((h: { id: string }) => h.id !== "fra-h4");
    fra.virtualMachines = fra.virtualMachines.filter((v: { id: string }) => v.id !== "ledger-4");
    await sync(fra);
    await record("fra-h4 removed");

    // Nothing changes, but the source's sync time (the answers' inventoryAsOf) moves on.
    await pause(1100);
    await sync(fra, "UNCHANGED");
    await record("unchanged resync");

    // Another source describes ams1 too (the union gains a hazard zone) and adds physics on h-002.
    await sync({
      source: "physics-lab",
      complete: true,
      datacenters: [{ id: "ams1", hazardZones: ["power:ams-grid"] }],
      tenants: [{ id: "physics", organization: "university" }],
      workloads: [{ id: "muon-sim", tenant: "physics" }],
      virtualMachines: [{ id: "vm-phys", host: "h-002", tenant: "physics", workload: "muon-sim" }],
    });
    await record("physics arrives");

    await ok(`mutation { setAntiAffinityRules(workload: "ledger", rules: null) { userErrors { message } } }`);
    await ok(`mutation { setIsolationPolicy(sameTenant: PROCESS, sameOrganization: CONTAINER, otherOrganization: HOST) { userErrors { message } } }`);
    await record("override removed, policy relaxed");

    // The moments differ where they should: otherwise the comparison below proves little.
    for (let i = 1; i < recorded.length; i++) expect(recorded[i].body, recorded[i].label).not.toEqual(recorded[i - 1].body);
  }, 240_000);

  it("answers each recorded moment exactly as it was answered then", async () => {
    expect(recorded.length).toBe(9);
    // Newest first, then oldest: the kept past topologies are reused and rebuilt alike.
    for (const { label, at, body } of [...recorded].reverse()) {
      expect(await answers(at.toISOString()), label).toEqual(body);
    }
    for (const { label, at, body } of recorded) {
      expect(await answers(at.toISOString()), label).toEqual(body);
    }
  }, 240_000);

  it("refuses a moment before history began, naming the earliest, and one not yet come", async () => {
    const before = await gql(`{ isolation(workload: "ledger", tenant: "geology", asOf: "2020-01-01") { outcome } }`);
    expect(before.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(before.errors[0].message).toMatch(/^asOf 2020-01-01T00:00:00\.000Z is before history begins: the earliest moment it answers for is \d{4}-\d\d-\d\dT[\d:.]+Z$/);
    const earliest = new Date(before.errors[0].message.split(" ").at(-1));
    expect(earliest.getTime()).toBeLessThanOrEqual(recorded[0].at.getTime());
    const future = await gql(`{ workload(key: "ledger", asOf: "2999-01-01") { key } }`);
    expect(future.errors[0]).toMatchObject({ message: "asOf 2999-01-01T00:00:00.000Z has not come yet: ask for a moment up to now", extensions: { code: "BAD_USER_INPUT" } });
    // The service keeps answering the present.
    expect((await ok(`{ workload(key: "ledger") { key } }`)).workload).toEqual({ key: "ledger" });
  });
});
