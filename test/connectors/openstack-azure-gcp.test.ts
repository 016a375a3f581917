import { describe, expect, it } from "vitest";
import { mapAzure } from "../../src/connectors/azure/map-azure.ts";
import { mapGcp } from "../../src/connectors/gcp/map-gcp.ts";
import { mapOpenstack } from "../../src/connectors/openstack/map-openstack.ts";
import { validateSnapshot } from "../../src/inventory/validate-snapshot.ts";
import { fixture, ids, record } from "./fixtures.ts";

const valid = (snapshot: unknown) => {
  const checked = validateSnapshot(snapshot);
  return checked.ok ? [] : checked.problems;
};

describe("the OpenStack connector", () => {
  const documents = [fixture("openstack", "server-list.json"), fixture("openstack", "servers-detail.json"), fixture("openstack", "server-group-list.json")];
  const settings = { region: "ams-cloud", "project-tenants": "1a2b3c4d5e6f47089a1b2c3d4e5f6071=globex" };
  const { snapshot, warnings } = mapOpenstack(documents, { source: "openstack", settings });

  it("makes each availability zone of the cloud a datacenter, and an admin's Host column the host", () => {
    expect(snapshot.datacenters).toEqual([
      { id: "ams-cloud/nova", name: "nova", provider: "openstack", region: "ams-cloud" },
      { id: "ams-cloud/az-2", name: "az-2", provider: "openstack", region: "ams-cloud" },
    ]);
    expect(record(snapshot, "virtualMachines", "5b2f1a7e-1c2d-4e3f-8a9b-0c1d2e3f4a5b")).toEqual({
      id: "5b2f1a7e-1c2d-4e3f-8a9b-0c1d2e3f4a5b",
      host: "ams-cloud/compute-03",
      tenant: "acme",
      workload: "etcd",
      dedicated: false,
    });
    expect(record(snapshot, "hosts", "ams-cloud/compute-11")).toEqual({ id: "ams-cloud/compute-11", datacenter: "ams-cloud/az-2" });
  });

  it("does not take hostId (hashed per project) for a host: the server's host stays unknown", () => {
    expect(record(snapshot, "virtualMachines", "9f6d5e1c-5a6b-4c7d-8e3f-4a5b6c7d8e9f")).toEqual({
      id: "9f6d5e1c-5a6b-4c7d-8e3f-4a5b6c7d8e9f",
      datacenter: "ams-cloud/nova",
      tenant: "globex",
      workload: "web",
      dedicated: false,
    });
    expect(warnings).toContainEqual({ subject: "servers", message: expect.stringMatching(/^1 server\(s\) show only hostId, which Nova hashes per project/) });
  });

  it("takes the tenant from the tenant property, else the project (mapped or as is)", () => {
    expect(record(snapshot, "virtualMachines", "7d4b3c9a-3e4f-4a5b-8c1d-2e3f4a5b6c7d").tenant).toBe("9f8e7d6c5b4a49382716a5b4c3d2e1f0");
  });

  it("turns server group policies into HOST rules", () => {
    expect(snapshot.workloads).toEqual([
      { id: "etcd", tenant: "9f8e7d6c5b4a49382716a5b4c3d2e1f0", antiAffinity: [{ level: "HOST", maxPerDomain: 1, mode: "HARD" }] },
      { id: "web", tenant: "globex", antiAffinity: [{ level: "HOST", maxPerDomain: 1, mode: "SOFT" }] },
      { id: "batch", tenant: "globex", antiAffinity: [{ level: "HOST", maxPerDomain: 3, mode: "HARD" }] },
    ]);
  });

  it("leaves out servers that do not run, and produces a snapshot the contract accepts", () => {
    expect(ids(snapshot, "virtualMachines")).not.toContain("8e5c4d0b-4f5a-4b6c-9d2e-3f4a5b6c7d8e");
    expect(warnings).toContainEqual({ subject: "servers", message: "left out servers that do not run: 1 SHUTOFF" });
    expect(valid(snapshot)).toEqual([]);
  });
});

describe("the OpenStack connector, one source per project of one cloud", () => {
  const projects = (name: string, files: string[], settings: Record<string, string> = {}) =>
    mapOpenstack(
      files.map((f) => fixture("openstack-projects", f)),
      { source: `ams-${name}`, settings: { region: "ams-cloud", ...settings } },
    );
  const acme = projects("acme", ["acme-server-list.json", "acme-server-group-list.json"]);
  const globex = projects("globex", ["globex-server-list.json", "globex-server-group-list.json"], { "describe-hosts": "false" });

  it("describes the hypervisor hosts by default", () => {
    expect(acme.snapshot.hosts).toEqual([
      { id: "ams-cloud/compute-03", datacenter: "ams-cloud/nova" },
      { id: "ams-cloud/compute-04", datacenter: "ams-cloud/nova" },
    ]);
    expect(acme.warnings).toEqual([]);
  });

  it("with describe-hosts: false, names its servers' hosts by the same ids without describing them", () => {
    expect(globex.snapshot.hosts).toEqual([]);
    expect(globex.snapshot.virtualMachines.map(({ id, host }) => ({ id, host }))).toEqual([
      { id: "b0000000-0000-4000-8000-0000000000b1", host: "ams-cloud/compute-03" },
      { id: "b0000000-0000-4000-8000-0000000000b2", host: "ams-cloud/compute-05" },
    ]);
    // The zone is still described: datacenters are described by every source that sees them.
    expect(globex.snapshot.datacenters).toEqual([{ id: "ams-cloud/nova", name: "nova", provider: "openstack", region: "ams-cloud" }]);
    expect(globex.warnings).toEqual([]);
    expect(valid(globex.snapshot)).toEqual([]);
  });

  it("reads any other describe-hosts value as true, with a warning", () => {
    const typo = projects("globex", ["globex-server-list.json"], { "describe-hosts": "no" });
    expect(ids(typo.snapshot, "hosts")).toEqual(["ams-cloud/compute-03", "ams-cloud/compute-05"]);
    expect(typo.warnings).toContainEqual({ subject: "settings", message: 'describe-hosts is "true" or "false", not "no"; describing the hosts' });
  });

  it("without admin rights (no Host, or only hostId) names no host at all: the server is somewhere in its zone", () => {
    const initech = projects("initech", ["initech-servers-detail.json", "initech-server-groups.json"]);
    const hooli = projects("hooli", ["hooli-server-list.json"], { "describe-hosts": "false" });
    for (const { snapshot } of [initech, hooli]) {
      expect(snapshot.hosts).toEqual([]);
      expect(snapshot.virtualMachines).toEqual([expect.objectContaining({ datacenter: "ams-cloud/nova" })]);
      expect(snapshot.virtualMachines[0]).not.toHaveProperty("host");
    }
    expect(initech.snapshot.workloads).toEqual([{ id: "initech-app", tenant: "2c3d4e5f6a7b4293a415c6d7e8f9a0b1", antiAffinity: [{ level: "HOST", maxPerDomain: 1, mode: "HARD" }] }]);
  });
});

describe("the Azure connector", () => {
  const list = fixture("azure", "vm-list.json") as any[];
  const views = fixture("azure", "get-instance-view.json") as any[];
  const locations = fixture("azure", "list-locations.json") as any[];
  const { snapshot, warnings } = mapAzure([list, views, locations], { source: "azure", settings: {} });
  const vm = (rg: string, name: string) => `/subscriptions/8c1f0a2e-3b4d-4e5f-9a6b-7c8d9e0f1a2b/resourcegroups/${rg}/providers/microsoft.compute/virtualmachines/${name}`;
  const fd = (n: number) => `azure-fd/8c1f0a2e-3b4d-4e5f-9a6b-7c8d9e0f1a2b/data-rg/sql-avset/${n}`;

  it("reads the exports in the exact shape the CLI prints them: az vm list -d has no instanceView, get-instance-view no powerState", () => {
    expect(list.every((v) => !("instanceView" in v) && "powerState" in v)).toBe(true);
    expect(views.every((v) => "instanceView" in v && !("powerState" in v))).toBe(true);
  });

  it("puts a zonal VM in its physical zone, which the subscription's zone mapping names", () => {
    // Logical zone 1 of this subscription is westeurope-az3.
    expect(record(snapshot, "virtualMachines", vm("prod-rg", "api-1"))).toEqual({ id: vm("prod-rg", "api-1"), datacenter: "westeurope-az3", tenant: "acme", workload: "api", dedicated: false });
    expect(record(snapshot, "datacenters", "westeurope-az1")).toEqual({ id: "westeurope-az1", name: "westeurope-az1", provider: "azure", region: "westeurope" });
  });

  it("names no datacenter for a logical zone whose physical zone is not known, and says why", () => {
    const bare = mapAzure([list], { source: "azure", settings: {} });
    expect(record(bare.snapshot, "virtualMachines", vm("prod-rg", "api-1"))).toEqual({ id: vm("prod-rg", "api-1"), datacenter: null, tenant: "acme", workload: "api", dedicated: false });
    expect(bare.snapshot.datacenters).toEqual([]);
    expect(bare.warnings).toContainEqual({ subject: "westeurope zone 1", message: expect.stringMatching(/logical zone 1 names no physical zone by itself \(add the subscription's locations with their zone mappings\)/) });
  });

  it("merges a VM's records from az vm list -d and az vm get-instance-view, whatever the order of the files", () => {
    expect(record(snapshot, "virtualMachines", vm("data-rg", "sql-1")).host).toBe(fd(0));
    expect(record(snapshot, "virtualMachines", vm("data-rg", "sql-2")).host).toBe(fd(1));
    for (const order of [
      [views, list, locations],
      [locations, views, list],
      [list, locations, views],
    ]) {
      expect(sorted(mapAzure(order, { source: "azure", settings: {} }).snapshot)).toEqual(sorted(snapshot));
    }
    expect(warnings).toContainEqual({ subject: "sql-3", message: "in an availability set, but its fault domain is not in the export (add az vm get-instance-view output)" });
    expect(warnings.filter((w) => /two different|disagree/.test(w.message))).toEqual([]);
  });

  it("gives each fault domain a rack with its own power and network domain, in a region without zones", () => {
    expect(record(snapshot, "racks", fd(1))).toEqual({ id: fd(1), datacenter: "northcentralus", powerDomains: [`${fd(1)}/power`], networkDomains: [`${fd(1)}/network`] });
    expect(record(snapshot, "powerDomains", `${fd(0)}/power`)).toEqual({ id: `${fd(0)}/power`, datacenter: "northcentralus" });
    // A slot of the set: apart from the set's other fault domains only.
    expect(record(snapshot, "hosts", fd(0))).toEqual({ id: fd(0), rack: fd(0), placementGroup: fd(0).replace(/\/0$/, "") });
  });

  it("gives a set in a region with zones its fault domains' hosts only: Azure does not say which datacenter the set is in", () => {
    const [zonal, zonalViews] = [list, views].map((records) => records.map((v) => ({ ...v, location: "westeurope" })));
    const { snapshot: s, warnings: w } = mapAzure([zonal, zonalViews, locations], { source: "azure", settings: {} });
    expect(record(s, "virtualMachines", vm("data-rg", "sql-1")).host).toBe(fd(0));
    expect(record(s, "hosts", fd(0))).toEqual({ id: fd(0), placementGroup: fd(0).replace(/\/0$/, "") });
    expect(s.racks).toEqual([]);
    expect(w).toContainEqual({ subject: "westeurope", message: expect.stringMatching(/^availability sets here have no rack/) });
  });

  it("drops what two exports of one VM disagree on, so it is not known, whatever the order", () => {
    const moved = { ...list[0], zones: ["2"] };
    for (const order of [
      [list, [moved], locations],
      [[moved], locations, list],
    ]) {
      const r = mapAzure(order, { source: "azure", settings: {} });
      expect(record(r.snapshot, "virtualMachines", vm("prod-rg", "api-1")).datacenter).toBeNull();
      expect(r.warnings).toContainEqual({ subject: "api-1", message: "its exports disagree on zones: not known" });
    }
  });

  it("maps a dedicated host, and leaves a VM with no zone and no fault domain unplaced", () => {
    const host = "/subscriptions/8c1f0a2e-3b4d-4e5f-9a6b-7c8d9e0f1a2b/resourcegroups/hosts/providers/microsoft.compute/hostgroups/hg-weu/hosts/host-01";
    expect(record(snapshot, "virtualMachines", vm("sec-rg", "vault-1"))).toEqual({ id: vm("sec-rg", "vault-1"), host, tenant: "globex", workload: null, dedicated: true });
    expect(record(snapshot, "hosts", host)).toEqual({ id: host, datacenter: "westeurope-az3", dedicatedTo: "globex" });
    expect(record(snapshot, "virtualMachines", vm("old-rg", "legacy-1"))).toEqual({ id: vm("old-rg", "legacy-1"), datacenter: null, tenant: "globex", workload: null, dedicated: false });
    expect(warnings).toContainEqual({ subject: "az vm list", message: expect.stringMatching(/^2 VM\(s\) have no known physical zone and no fault domain/) });
  });

  it("places a VM of a host group with automatic placement on its assigned host, and dedicates no host a VM of another tenant may be on", () => {
    // Automatic placement: `az vm list -d` names the host group, not the host; the instance view
    // names the host Azure chose. Without that view the VM may be on any host of the group, so
    // globex's vault-1 on host-01 of that group is dedicated to no one: were it, vault-1 would be
    // proven HOST apart from acme's VM that may share its machine.
    const group = "/subscriptions/8c1f0a2e-3b4d-4e5f-9a6b-7c8d9e0f1a2b/resourceGroups/HOSTS/providers/Microsoft.Compute/hostGroups/hg-weu";
    const vault = list.find((v) => v.name === "vault-1");
    const auto = (name: string) => ({ ...vault, name, id: vault.id.replace("vault-1", name), host: null, hostGroup: { id: group }, tags: { tenant: "acme" } });
    const assigned = { id: auto("auto-2").id, instanceView: { assignedHost: `${group}/hosts/host-02`, statuses: [{ code: "PowerState/running" }] } };
    const placed = mapAzure([[vault, auto("auto-1"), auto("auto-2")], [assigned], locations], { source: "azure", settings: {} });
    const host = (name: string) => `${group}/hosts/${name}`.toLowerCase();
    const azureVm = (name: string) => vm("sec-rg", name);
    expect(record(placed.snapshot, "virtualMachines", azureVm("auto-2"))).toEqual({ id: azureVm("auto-2"), host: host("host-02"), tenant: "acme", workload: null, dedicated: true });
    expect(record(placed.snapshot, "hosts", host("host-02"))).toEqual({ id: host("host-02"), datacenter: "westeurope-az3", dedicatedTo: "acme" });
    expect(record(placed.snapshot, "virtualMachines", azureVm("auto-1"))).toEqual({ id: azureVm("auto-1"), datacenter: "westeurope-az3", tenant: "acme", workload: null, dedicated: false });
    expect(record(placed.snapshot, "virtualMachines", azureVm("vault-1"))).toEqual({ id: azureVm("vault-1"), host: host("host-01"), tenant: "globex", workload: null, dedicated: false });
    expect(record(placed.snapshot, "hosts", host("host-01"))).toEqual({ id: host("host-01"), datacenter: "westeurope-az3" });
    expect(placed.warnings).toContainEqual({
      subject: `host group ${group.toLowerCase()}`,
      message: "VMs of acme are placed on its hosts automatically and their hosts are not known (add az vm get-instance-view output): its hosts are dedicated to no other tenant",
    });
  });

  it("leaves out deallocated and untagged VMs, and produces a snapshot the contract accepts", () => {
    expect(warnings).toContainEqual({ subject: "az vm list", message: "left out VMs that do not run: 1 VM deallocated" });
    expect(warnings).toContainEqual({ subject: "untagged", message: expect.stringMatching(/^no tenant/) });
    expect(valid(snapshot)).toEqual([]);
  });
});

/** A snapshot with every collection in id order: two snapshots that say the same compare equal. */
const sorted = (snapshot: object) => Object.fromEntries(Object.entries(snapshot).map(([k, v]) => [k, Array.isArray(v) ? [...v].sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1)) : v]));

describe("the GCP connector", () => {
  const { snapshot, warnings } = mapGcp([fixture("gcp", "instances-list.json")], { source: "gcp", settings: { "default-tenant": "shared" } });

  it("puts each instance in its zone, keyed as a GKE node's providerID names it", () => {
    expect(record(snapshot, "virtualMachines", "acme-prod-4711/europe-west1-b/gke-prod-pool-1-a1b2")).toEqual({
      id: "acme-prod-4711/europe-west1-b/gke-prod-pool-1-a1b2",
      datacenter: "europe-west1-b",
      tenant: "platform",
      workload: null,
      dedicated: false,
    });
    expect(record(snapshot, "datacenters", "europe-west1-c")).toEqual({ id: "europe-west1-c", name: "europe-west1-c", provider: "gcp", region: "europe-west1" });
  });

  it("marks a sole-tenant VM dedicated only when node groups are known unshared and its project holds one tenant", () => {
    // Node groups may be shared with other projects (the list does not say), and this project holds several tenants.
    expect(record(snapshot, "virtualMachines", "acme-prod-4711/europe-west1-b/hsm-1")).toMatchObject({ datacenter: "europe-west1-b", dedicated: false, workload: "hsm" });
    expect(record(snapshot, "virtualMachines", "acme-prod-4711/europe-west1-c/hsm-2")).toMatchObject({ host: "acme-prod-4711/europe-west1-c/node/globex-sole-x7k2", dedicated: false });
    // A named node is a known host, apart only from its project's other nodes of the zone.
    expect(record(snapshot, "hosts", "acme-prod-4711/europe-west1-c/node/globex-sole-x7k2")).toEqual({
      id: "acme-prod-4711/europe-west1-c/node/globex-sole-x7k2",
      datacenter: "europe-west1-c",
      placementGroup: "gcp-sole-tenant/acme-prod-4711/europe-west1-c",
    });
    expect(warnings).toContainEqual({ subject: "project acme-prod-4711", message: expect.stringMatching(/a node group may be shared with other projects \(set sole-tenant-sharing=none if none is\)/) });
    const unshared = mapGcp([fixture("gcp", "instances-list.json")], { source: "gcp", settings: { "default-tenant": "shared", "sole-tenant-sharing": "none" } });
    expect(record(unshared.snapshot, "virtualMachines", "acme-prod-4711/europe-west1-b/hsm-1")).toMatchObject({ dedicated: false });
    expect(unshared.warnings).toContainEqual({ subject: "project acme-prod-4711", message: expect.stringMatching(/its instances carry tenants .*globex/) });
    // One tenant in the project, node groups unshared: sole tenancy is that tenant's.
    const solo = mapGcp([fixture("gcp", "instances-list.json")], { source: "gcp", settings: { "tenant-tag": "no-such-label", "default-tenant": "globex", "sole-tenant-sharing": "none" } }).snapshot;
    expect(record(solo, "virtualMachines", "acme-prod-4711/europe-west1-b/hsm-1")).toMatchObject({ dedicated: true });
    expect(record(solo, "hosts", "acme-prod-4711/europe-west1-c/node/globex-sole-x7k2")).toEqual({ id: "acme-prod-4711/europe-west1-c/node/globex-sole-x7k2", datacenter: "europe-west1-c", dedicatedTo: "globex" });
  });

  it("names a node another project owns by its owner, and leaves describing it to the owner's source", () => {
    const consumer = {
      ...(fixture("gcp", "instances-list.json") as any[]).find((i) => i.name === "hsm-2"),
      selfLink: "https://www.googleapis.com/compute/v1/projects/globex-data-0815/zones/europe-west1-c/instances/hsm-9",
      name: "hsm-9",
    };
    consumer.scheduling = { nodeAffinities: [...consumer.scheduling.nodeAffinities, { key: "compute.googleapis.com/project", operator: "IN", values: ["acme-prod-4711"] }] };
    const r = mapGcp([[consumer]], { source: "gcp-globex", settings: { "default-tenant": "globex" } });
    expect(record(r.snapshot, "virtualMachines", "globex-data-0815/europe-west1-c/hsm-9")).toMatchObject({ host: "acme-prod-4711/europe-west1-c/node/globex-sole-x7k2" });
    expect(r.snapshot.hosts).toEqual([]);
  });

  it("takes the default tenant for unlabeled instances, leaves out terminated ones, and produces a snapshot the contract accepts", () => {
    expect(record(snapshot, "virtualMachines", "acme-prod-4711/europe-west1-d/scratch").tenant).toBe("shared");
    expect(warnings.filter((w) => !w.subject.startsWith("project "))).toEqual([{ subject: "instances", message: "left out instances that do not run: 1 TERMINATED" }]);
    expect(valid(snapshot)).toEqual([]);
  });
});
