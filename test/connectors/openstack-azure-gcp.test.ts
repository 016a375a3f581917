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

describe("the Azure connector", () => {
  const { snapshot, warnings } = mapAzure([fixture("azure", "vm-list.json")], { source: "azure", settings: {} });
  const vm = (rg: string, name: string) => `/subscriptions/8c1f0a2e-3b4d-4e5f-9a6b-7c8d9e0f1a2b/resourcegroups/${rg}/providers/microsoft.compute/virtualmachines/${name}`;

  it("puts a zonal VM in its zone's datacenter, keyed by its lower-case resource id", () => {
    expect(record(snapshot, "virtualMachines", vm("prod-rg", "api-1"))).toEqual({ id: vm("prod-rg", "api-1"), datacenter: "westeurope-az1", tenant: "acme", workload: "api", dedicated: false });
    expect(record(snapshot, "datacenters", "westeurope-az2")).toEqual({ id: "westeurope-az2", name: "westeurope zone 2", provider: "azure", region: "westeurope" });
  });

  it("gives each fault domain of an availability set its own rack, from the VM or its instance view", () => {
    expect(record(snapshot, "virtualMachines", vm("data-rg", "sql-1")).host).toBe("azure-fd/sql-avset/0");
    expect(record(snapshot, "virtualMachines", vm("data-rg", "sql-2")).host).toBe("azure-fd/sql-avset/1");
    expect(record(snapshot, "racks", "azure-fd/sql-avset/1")).toEqual({ id: "azure-fd/sql-avset/1", datacenter: "westeurope", powerDomains: [], networkDomains: [] });
    expect(warnings).toContainEqual({ subject: "sql-3", message: "in an availability set, but its fault domain is not in the export (add az vm get-instance-view output)" });
  });

  it("maps a dedicated host, and leaves a VM with no zone and no fault domain unplaced", () => {
    const host = "/subscriptions/8c1f0a2e-3b4d-4e5f-9a6b-7c8d9e0f1a2b/resourcegroups/hosts/providers/microsoft.compute/hostgroups/hg-weu/hosts/host-01";
    expect(record(snapshot, "virtualMachines", vm("sec-rg", "vault-1"))).toEqual({ id: vm("sec-rg", "vault-1"), host, tenant: "globex", workload: null, dedicated: true });
    expect(record(snapshot, "hosts", host)).toEqual({ id: host, datacenter: "westeurope-az1", dedicatedTo: "globex" });
    expect(record(snapshot, "virtualMachines", vm("old-rg", "legacy-1"))).toEqual({ id: vm("old-rg", "legacy-1"), tenant: "globex", workload: null, dedicated: false });
    expect(warnings).toContainEqual({ subject: "az vm list", message: expect.stringMatching(/^2 VM\(s\) have no zone and no fault domain/) });
  });

  it("leaves out deallocated and untagged VMs, and produces a snapshot the contract accepts", () => {
    expect(warnings).toContainEqual({ subject: "az vm list", message: "left out VMs that do not run: 1 VM deallocated" });
    expect(warnings).toContainEqual({ subject: "untagged", message: expect.stringMatching(/^no tenant/) });
    expect(valid(snapshot)).toEqual([]);
  });
});

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

  it("marks sole-tenant instances dedicated, and a named sole-tenant node as a known host", () => {
    expect(record(snapshot, "virtualMachines", "acme-prod-4711/europe-west1-b/hsm-1")).toMatchObject({ datacenter: "europe-west1-b", dedicated: true, workload: "hsm" });
    expect(record(snapshot, "virtualMachines", "acme-prod-4711/europe-west1-c/hsm-2")).toMatchObject({ host: "acme-prod-4711/europe-west1-c/node/globex-sole-x7k2", dedicated: true });
    expect(record(snapshot, "hosts", "acme-prod-4711/europe-west1-c/node/globex-sole-x7k2")).toEqual({ id: "acme-prod-4711/europe-west1-c/node/globex-sole-x7k2", datacenter: "europe-west1-c", dedicatedTo: "globex" });
  });

  it("takes the default tenant for unlabeled instances, leaves out terminated ones, and produces a snapshot the contract accepts", () => {
    expect(record(snapshot, "virtualMachines", "acme-prod-4711/europe-west1-d/scratch").tenant).toBe("shared");
    expect(warnings).toEqual([{ subject: "instances", message: "left out instances that do not run: 1 TERMINATED" }]);
    expect(valid(snapshot)).toEqual([]);
  });
});
