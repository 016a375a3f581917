import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchEc2 } from "../../src/connectors/aws/fetch-ec2.ts";
import { fetchAzure } from "../../src/connectors/azure/fetch-azure.ts";
import { mapAzure } from "../../src/connectors/azure/map-azure.ts";
import { fetchGcp } from "../../src/connectors/gcp/fetch-gcp.ts";
import { mapGcp } from "../../src/connectors/gcp/map-gcp.ts";
import { mapEc2 } from "../../src/connectors/aws/map-ec2.ts";
import { fetchKubernetes } from "../../src/connectors/kubernetes/fetch-kubernetes.ts";
import { mapKubernetes } from "../../src/connectors/kubernetes/map-kubernetes.ts";
import { fetchNetbox } from "../../src/connectors/netbox/fetch-netbox.ts";
import { mapNetbox } from "../../src/connectors/netbox/map-netbox.ts";
import { childEnv, runCli } from "../support/cli-process.ts";
import { fakeEc2 } from "../support/fake-providers/fake-ec2.ts";
import { fakeKubernetes, writeKubeconfig } from "../support/fake-providers/fake-kubernetes.ts";
import { fakeArm } from "../support/fake-providers/fake-azure.ts";
import { fakeGce } from "../support/fake-providers/fake-gce.ts";
import { fakeNetbox } from "../support/fake-providers/fake-netbox.ts";
import type { FakeServer } from "../support/fake-providers/listen.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { fixture, NETBOX_FILES } from "./fixtures.ts";

/*
 * The live paths: the real AWS, Azure and Google SDKs, Kubernetes client and NetBox REST reader against local
 * servers that speak each provider's API for the fixtures. Reading live must give exactly the
 * snapshot reading the exports gives.
 */
const servers: FakeServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
});
const started = <T extends FakeServer>(server: T) => (servers.push(server), server);

describe("AWS live through @aws-sdk/client-ec2", () => {
  const files = { instances: fixture("aws", "describe-instances.json"), zones: fixture("aws", "describe-availability-zones.json"), groups: fixture("aws", "describe-placement-groups.json") };
  let ec2: FakeServer;
  beforeAll(async () => {
    ec2 = started(await fakeEc2(files, { pageSize: 2, deniedRegions: ["eu-central-1"] }));
    process.env.AWS_ACCESS_KEY_ID = "AKIAFAKEFORTESTS0001";
    process.env.AWS_SECRET_ACCESS_KEY = "fake-secret-for-tests";
  });

  it("pages through DescribeInstances and maps exactly what the export maps", async () => {
    const options = { source: "aws-prod", settings: { region: "eu-west-1", endpoint: ec2.url } };
    const live = mapEc2(await fetchEc2(options), options);
    const exported = mapEc2([files.instances, files.zones, files.groups], options);
    expect(live).toEqual(exported);
    // Six reservations in pages of two, then the zones and the groups.
    expect(ec2.requests.filter((r) => r.startsWith("POST")).length).toBe(5);
  });

  it("syncs nothing when one region is denied, rather than a partial complete snapshot", async () => {
    await expect(fetchEc2({ source: "aws-prod", settings: { region: "eu-west-1,eu-central-1", endpoint: ec2.url } })).rejects.toThrow(/^aws: region eu-central-1: You are not authorized to perform this operation\./);
  });
});

describe("Kubernetes live through @kubernetes/client-node", () => {
  const list = fixture("kubernetes", "nodes-pods-namespaces.json") as { items: any[] };
  const vmis = fixture("kubernetes", "vmi.json") as { items: any[] };
  let kubeconfig: string;

  it("pages through namespaces, nodes, pods and VMIs and maps exactly what the export maps", async () => {
    const api = started(await fakeKubernetes(list, vmis));
    kubeconfig = path.join(mkdtempSync(path.join(tmpdir(), "kube-")), "config");
    writeKubeconfig(kubeconfig, api.url);
    const options = { source: "k8s-prod", settings: { kubeconfig } };
    const live = mapKubernetes(await fetchKubernetes(options), options);
    expect(live).toEqual(mapKubernetes([list, vmis], options));
    expect(api.requests.some((r) => r.includes("/api/v1/pods?") && r.includes("continue="))).toBe(true);
  });

  it("reads a cluster without KubeVirt as one with no VMIs, and refuses a bad token whole", async () => {
    const api = started(await fakeKubernetes(list, null));
    const file = path.join(mkdtempSync(path.join(tmpdir(), "kube-")), "config");
    writeKubeconfig(file, api.url);
    const { snapshot } = mapKubernetes(await fetchKubernetes({ source: "k", settings: { kubeconfig: file } }), { source: "k", settings: {} });
    expect(snapshot.virtualMachines.map((v) => v.id)).toEqual(["node/metal-07", "node/kind-worker"]);
    writeKubeconfig(file, api.url, "wrong-token");
    await expect(fetchKubernetes({ source: "k", settings: { kubeconfig: file } })).rejects.toThrow(/^kubernetes: the API answered 401/);
  });
});

describe("NetBox live through its REST API", () => {
  const pages = Object.fromEntries(
    NETBOX_FILES.map((name) => {
      const endpoint = {
        sites: "dcim/sites",
        racks: "dcim/racks",
        "power-panels": "dcim/power-panels",
        "power-feeds": "dcim/power-feeds",
        devices: "dcim/devices",
        clusters: "virtualization/clusters",
        "virtual-machines": "virtualization/virtual-machines",
        tenants: "tenancy/tenants",
        "tenant-groups": "tenancy/tenant-groups",
      }[name]!;
      return [endpoint, fixture("netbox", `${name}.json`) as { results: any[] }];
    }),
  );

  it("follows `next` through every endpoint and maps exactly what the export maps", async () => {
    const api = started(await fakeNetbox(pages));
    const options = { source: "netbox", settings: { url: api.url, token: "0123456789abcdef" } };
    const live = mapNetbox(await fetchNetbox(options), options);
    expect(live).toEqual(
      mapNetbox(
        NETBOX_FILES.map((name) => fixture("netbox", `${name}.json`)),
        options,
      ),
    );
    expect(api.requests.some((r) => r.includes("offset=2"))).toBe(true);
    await expect(fetchNetbox({ source: "netbox", settings: { url: api.url, token: "wrong" } })).rejects.toThrow(/^netbox: dcim\/sites: the API answered 403/);
  });
});

describe("tenancy sync <provider> live", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  }, 60_000);
  afterAll(async () => t?.drop());

  it("syncs from the live API when no --file is given, and records a denied region as a failed source with nothing synced", { timeout: 240_000 }, async () => {
    const files = { instances: fixture("aws", "describe-instances.json"), zones: fixture("aws", "describe-availability-zones.json"), groups: fixture("aws", "describe-placement-groups.json") };
    const ec2 = started(await fakeEc2(files, { deniedRegions: ["eu-central-1"] }));
    const env = childEnv({ DATABASE_URL: t.url, AWS_ACCESS_KEY_ID: "AKIAFAKEFORTESTS0001", AWS_SECRET_ACCESS_KEY: "fake-secret", AWS_EC2_METADATA_DISABLED: "true" });
    const ok = await runCli(["sync", "aws", "--source", "aws-live", "--region", "eu-west-1", "--endpoint", ec2.url], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^aws-live \(run \d+\): APPLIED\n {2}32 created/);
    const denied = await runCli(["sync", "aws", "--source", "aws-live", "--region", "eu-west-1,eu-central-1", "--endpoint", ec2.url], env);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/aws-live: nothing synced: aws: region eu-central-1: You are not authorized/);
    const [row] = await t.db.sql.query<{ vms: number; status: string; last_error: string }>(
      `SELECT (SELECT count(*)::int FROM virtual_machine WHERE source = 'aws-live') AS vms, status, last_error FROM source_status WHERE source = 'aws-live'`,
    );
    expect(row).toEqual({ vms: 8, status: "FAILED", last_error: expect.stringMatching(/region eu-central-1/) });
  });
});

describe("Azure live through @azure/arm-compute", () => {
  const vms = fixture("azure", "vm-list.json") as any[];
  const views = fixture("azure", "get-instance-view.json") as any[];
  const locations = fixture("azure", "list-locations.json") as any[];
  // What ARM knows of each VM: its model, and the fault domain its instance view shows.
  const armVms = vms.map((vm) => ({ ...vm, instanceView: views.find((v) => v.id === vm.id)?.instanceView }));

  it("pages through the VMs, their statuses and the zone mappings, and maps exactly what the az exports map", async () => {
    const arm = started(await fakeArm(armVms, { deniedSubscriptions: ["00000000-dead-4000-8000-000000000000"], locations }));
    const settings = { subscription: "8c1f0a2e-3b4d-4e5f-9a6b-7c8d9e0f1a2b", endpoint: arm.url, "ca-file": arm.caFile, token: "fake-arm-token" };
    const options = { source: "azure", settings };
    const live = mapAzure(await fetchAzure(options), options);
    expect(live).toEqual(mapAzure([vms, views, locations], options));
    expect(live.snapshot.racks.length).toBe(2);
    expect(live.snapshot.datacenters.map((d) => d.id)).toContain("westeurope-az3");
    expect(arm.requests.some((r) => r.includes("statusOnly=true") && r.includes("skiptoken=3"))).toBe(true);

    await expect(fetchAzure({ source: "azure", settings: { ...settings, subscription: `${settings.subscription},00000000-dead-4000-8000-000000000000` } })).rejects.toThrow(
      /^azure: subscription 00000000-dead-4000-8000-000000000000: The client does not have authorization/,
    );
    await expect(fetchAzure({ source: "azure", settings: { ...settings, token: "expired" } })).rejects.toThrow(/^azure: subscription 8c1f0a2e.*: The access token is invalid/);
  });

  it("reads a VM a host group places automatically on the host its instance view says Azure assigned", async () => {
    const vault = vms.find((v) => v.name === "vault-1");
    const group = vault.host.id.replace(/\/hosts\/[^/]+$/, "");
    const auto = { ...vault, name: "auto-1", id: vault.id.replace("vault-1", "auto-1"), host: null, hostGroup: { id: group }, tags: { tenant: "acme" }, instanceView: { assignedHost: `${group}/hosts/host-02` } };
    const arm = started(await fakeArm([vault, auto], { locations }));
    const options = { source: "azure", settings: { subscription: "8c1f0a2e-3b4d-4e5f-9a6b-7c8d9e0f1a2b", endpoint: arm.url, "ca-file": arm.caFile, token: "fake-arm-token" } };
    const live = mapAzure(await fetchAzure(options), options);
    expect(live.snapshot.virtualMachines.find((v) => v.id === auto.id.toLowerCase())).toMatchObject({ host: `${group}/hosts/host-02`.toLowerCase(), dedicated: true });
    // Its host known, it rules nothing out for globex's vault-1: that one stays dedicated.
    expect(live.snapshot.virtualMachines.find((v) => v.id === vault.id.toLowerCase())).toMatchObject({ dedicated: true });
  });
});

describe("GCP live through @google-cloud/compute", () => {
  const instances = fixture("gcp", "instances-list.json") as any[];

  it("pages through every zone's instances and maps exactly what `gcloud compute instances list` maps", async () => {
    const api = started(await fakeGce(instances, { unreachable: ["broken-proj"] }));
    const settings = { project: "acme-prod-4711", endpoint: api.url, token: "fake-gcp-token", "default-tenant": "shared" };
    const options = { source: "gcp", settings };
    const live = mapGcp(await fetchGcp(options), options);
    expect(live).toEqual(mapGcp([instances], options));
    expect(api.requests.some((r) => r.includes("pageToken=2"))).toBe(true);

    await expect(fetchGcp({ source: "gcp", settings: { ...settings, project: "broken-proj" } })).rejects.toThrow(/^gcp: zones\/us-east1-b: UNREACHABLE: The zone .* is unavailable/);
    await expect(fetchGcp({ source: "gcp", settings: { ...settings, token: "expired" } })).rejects.toThrow(/^gcp: .*invalid authentication credentials/);
  });
});
