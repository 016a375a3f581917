import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../src/service.ts";
import { childEnv, graphqlRequest, runCli } from "../support/cli-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";

/*
 * The pod → node VM → zone chain across sources, through the real `tenancy sync <provider>`:
 * EKS on EC2 (instance ids that are not lowercase hex), GKE on GCE, AKS on an Azure scale set,
 * KubeVirt in a pod on EKS. Each chain must land on the cloud source's own VM and zone, never on
 * a VM or a datacenter the cluster made up. On PostgreSQL and on the embedded PGlite.
 */
const FIXTURES = path.resolve("test/connectors/fixtures/cross-provider");
const SOURCES = path.join(FIXTURES, "sources.yaml");

const CHAINS = `
  fragment Chain on Container { source { key } virtualMachine { key source { key } datacenter { key provider sources { key } } } }
  { eks: container(key: "shop/checkout-5f7d9c-abcde") { ...Chain }
    eks2: container(key: "shop/checkout-5f7d9c-fghij") { ...Chain }
    gke: container(key: "web/storefront-0") { ...Chain }
    aks: container(key: "payments/ledger-7c9f8d-k2j4h") { ...Chain }
    vmi: virtualMachine(key: "vms/vmi/build-1") { source { key } container { ...Chain } }
    made: virtualMachines(filter: { keyPrefix: "node/" }) { totalCount } }`;

interface Backend {
  env(): NodeJS.ProcessEnv;
  serve(): Promise<RunningService>;
  close(): Promise<void>;
}

const BACKENDS: [string, () => Promise<Backend>][] = [
  [
    "PostgreSQL",
    async () => {
      const t: TestDatabase = await createTestDatabase();
      return { env: () => childEnv({ DATABASE_URL: t.url }), serve: () => startTestService(t.url), close: () => t.drop() };
    },
  ],
  [
    "PGlite",
    async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), "tenancy-cross-"));
      return {
        env: () => childEnv({ TENANCY_DATA_DIR: dataDir, TENANCY_DEMO: "off" }),
        serve: () => startTestService(undefined as unknown as string, { databaseUrl: undefined, dataDir }),
        close: () => rm(dataDir, { recursive: true, force: true }),
      };
    },
  ],
];

describe.each(BACKENDS)("pods, nodes and cloud VMs across sources on %s", (_, open) => {
  let backend: Backend;
  let service: RunningService | undefined;
  beforeAll(async () => {
    backend = await open();
  }, 60_000);
  afterAll(async () => {
    await service?.close();
    await backend?.close();
  });

  it("syncs each cloud and each cluster as its own source, every providerID linked", async () => {
    const run = await runCli(["sync", "--config", SOURCES], backend.env());
    expect(run.code, run.stderr).toBe(0);
    for (const source of ["aws-prod", "eks-prod", "gcp-prod", "gke-prod", "azure-prod", "aks-prod"]) expect(run.stdout).toMatch(new RegExp(`^${source} \\(run \\d+\\): APPLIED`, "m"));
    expect(run.stderr).not.toMatch(/names no provider a connector maps|datacenter is unknown|not in the export/);
    service = await backend.serve();
  }, 240_000);

  it("lands every pod's chain on the cloud source's own VM and zone", async () => {
    const { body } = await graphqlRequest(service!.url, CHAINS);
    expect(body.errors).toBeUndefined();
    const { eks, eks2, gke, aks, vmi, made } = body.data;
    const chain = (source: string, vm: string, vmSource: string, zone: string, provider: string) => ({
      source: { key: source },
      virtualMachine: { key: vm, source: { key: vmSource }, datacenter: { key: zone, provider, sources: [{ key: vmSource }] } },
    });
    // EKS: aws:///eu-west-1a/i-0K1 is the instance i-0K1; the zone is euw1-az2 (this account's eu-west-1a).
    expect(eks).toEqual(chain("eks-prod", "i-0K1", "aws-prod", "euw1-az2", "aws"));
    expect(eks2).toEqual(chain("eks-prod", "i-0k2", "aws-prod", "euw1-az3", "aws"));
    expect(gke).toEqual(chain("gke-prod", "acme-prod-4711/europe-west1-b/gke-prod-pool-1-a1b2c3d4-x7k2", "gcp-prod", "europe-west1-b", "gcp"));
    // AKS: the scale set's VM 0, in the physical zone its logical zone 1 is for this subscription.
    const aksVm = "/subscriptions/8c1f0a2e-3b4d-4e5f-9a6b-7c8d9e0f1a2b/resourcegroups/mc_aks-rg_prod_westeurope/providers/microsoft.compute/virtualmachinescalesets/aks-nodepool1-12345678-vmss/virtualmachines/0";
    expect(aks).toEqual(chain("aks-prod", aksVm, "azure-prod", "westeurope-az3", "azure"));
    // KubeVirt: the VM runs in its virt-launcher pod, which runs in the EKS node's instance.
    expect(vmi).toEqual({ source: { key: "eks-prod" }, container: chain("eks-prod", "i-0K1", "aws-prod", "euw1-az2", "aws") });
    // No cluster made up a VM of its own for a node.
    expect(made.totalCount).toBe(0);
  });

  it("answers from the true zone: a pod beside another company's instance in it is UNPROVEN when HOST is required, not ISOLATED", async () => {
    const set = await graphqlRequest(service!.url, `mutation { setIsolationPolicy(sameTenant: PROCESS, sameOrganization: CONTAINER, otherOrganization: HOST, comment: "cross-provider test") { userErrors { message } } }`);
    expect(set.body.errors).toBeUndefined();
    const { body } = await graphqlRequest(
      service!.url,
      `{ eks: isolation(workload: "shop/checkout", tenant: "globex") { outcome actual possible }
         gke: isolation(workload: "web/storefront", tenant: "globex") { outcome actual possible } }`,
    );
    expect(body.errors).toBeUndefined();
    // i-0K1 and globex's i-0Glx9 are both in euw1-az2 with hidden hosts: they may share one.
    expect(body.data.eks).toEqual({ outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE", possible: "RACK" });
    expect(body.data.gke).toEqual({ outcome: "UNPROVEN", actual: "VIRTUAL_MACHINE", possible: "RACK" });
  });
});
