import { describe, expect, it } from "vitest";
import { mapNetbox } from "../../src/connectors/netbox/map-netbox.ts";
import { validateSnapshot } from "../../src/inventory/validate-snapshot.ts";
import { fixture, ids, NETBOX_FILES, record } from "./fixtures.ts";

const pages = NETBOX_FILES.map((name) => fixture("netbox", `${name}.json`));
const map = (settings: Record<string, string> = {}) => mapNetbox(pages, { source: "netbox", settings });

describe("the NetBox connector", () => {
  const { snapshot, warnings } = map();

  it("makes each site a datacenter with its region and hazard zones", () => {
    expect(snapshot.datacenters).toEqual([
      { id: "ams1", name: "AMS1", provider: null, region: "eu-nl", hazardZones: ["seismic:nl", "flood:amstel"] },
      { id: "ams2", name: "AMS2", provider: null, region: "eu-nl", hazardZones: ["seismic:nl", "flood:ij"] },
    ]);
  });

  it("gives each rack its power feeds and their panels as power domains, and its rack switches as network domains", () => {
    expect(record(snapshot, "racks", "ams1/R01")).toEqual({ id: "ams1/R01", datacenter: "ams1", powerDomains: ["ams1/PP-A", "ams1/PP-A/A1", "ams1/PP-B", "ams1/PP-B/B1"], networkDomains: ["ams1/ams1-tor-01"] });
    expect(record(snapshot, "racks", "ams1/R02")).toEqual({ id: "ams1/R02", datacenter: "ams1", powerDomains: ["ams1/PP-A", "ams1/PP-A/A2"], networkDomains: ["ams1/ams1-tor-02"] });
    expect(record(snapshot, "racks", "ams1/R03").powerDomains).toEqual(["ams1/PP-B", "ams1/PP-B/B3"]);
    expect(ids(snapshot, "powerDomains")).toEqual(["ams1/PP-A", "ams1/PP-A/A1", "ams1/PP-A/A2", "ams1/PP-B", "ams1/PP-B/B1", "ams1/PP-B/B3"]);
    expect(record(snapshot, "networkDomains", "ams1/ams1-tor-03")).toEqual({ id: "ams1/ams1-tor-03", datacenter: "ams1" });
  });

  it("makes other running devices hosts, dedicated to their tenant; leaves out PDUs, offline and unnamed devices", () => {
    expect(ids(snapshot, "hosts")).toEqual(["db-201", "hv-101", "hv-102", "lab-nuc"]);
    expect(record(snapshot, "hosts", "db-201")).toEqual({ id: "db-201", rack: "ams1/R03", dedicatedTo: "treasury" });
    expect(record(snapshot, "hosts", "hv-101")).toEqual({ id: "hv-101", rack: "ams1/R01", dedicatedTo: null });
    expect(record(snapshot, "hosts", "lab-nuc")).toEqual({ id: "lab-nuc", datacenter: "ams1", dedicatedTo: null });
    expect(warnings).toContainEqual({ subject: "device 49", message: "has no name or no site; left out" });
    expect(warnings).toContainEqual({ subject: "devices", message: expect.stringMatching(/^1 PDU device\(s\) power only their own rack/) });
  });

  it("runs a VM on its device, else in its cluster's site; leaves out the decommissioned and the tenantless", () => {
    expect(record(snapshot, "virtualMachines", "ledger-db-1")).toEqual({ id: "ledger-db-1", host: "hv-101", tenant: "treasury", workload: "ledger", dedicated: false });
    expect(record(snapshot, "virtualMachines", "legacy-erp")).toEqual({ id: "legacy-erp", datacenter: "ams1", tenant: "geology", workload: null, dedicated: false });
    expect(ids(snapshot, "virtualMachines")).toEqual(["ci-runner-3", "ledger-db-1", "legacy-erp"]);
    expect(warnings).toContainEqual({ subject: "orphan", message: "has no tenant and no default tenant is configured; left out" });
    expect(record(map({ "default-tenant": "it" }).snapshot, "virtualMachines", "orphan")).toMatchObject({ tenant: "it", host: "hv-102" });
  });

  it("maps tenant groups to organizations, the root of each group tree", () => {
    expect(snapshot.tenants).toEqual([
      { id: "acme", name: "ACME Payments", organization: "acme-holding" },
      { id: "platform", name: "Platform team", organization: "acme-holding" },
      { id: "globex", name: "Globex", organization: "globex-corp" },
      { id: "treasury", name: "Treasury", organization: "treasury" },
      { id: "biology", name: "Biology", organization: "university" },
      { id: "geology", name: "Geology", organization: "university" },
    ]);
  });

  it("takes the switch roles it is told", () => {
    const asSwitches = map({ "switch-roles": "tor,hypervisor" }).snapshot;
    expect(record(asSwitches, "racks", "ams1/R01").networkDomains).toEqual(["ams1/ams1-tor-01", "ams1/hv-101"]);
  });

  it("produces a snapshot the contract accepts", () => {
    const checked = validateSnapshot(snapshot);
    expect(checked.ok ? [] : checked.problems).toEqual([]);
  });
});

describe("the NetBox connector, on VMs of one name", () => {
  it("keys two running VMs of one name (NetBox allows it per cluster and tenant) apart, so neither tenant loses its VM", () => {
    const vms = fixture("netbox", "virtual-machines.json") as { count: number; results: Record<string, any>[] };
    const twin = { ...vms.results[0], id: 9071, tenant: { ...vms.results[0].tenant, id: 9064, slug: "globex", name: "Globex" } };
    const withTwin = NETBOX_FILES.map((name) => (name === "virtual-machines" ? { ...vms, count: vms.count + 1, results: [...vms.results, twin] } : fixture("netbox", `${name}.json`)));
    const { snapshot, warnings } = mapNetbox(withTwin, { source: "netbox", settings: {} });
    const name = vms.results[0].name as string;
    expect(ids(snapshot, "virtualMachines").filter((id) => id.startsWith(name))).toEqual([`${name}#${vms.results[0].id}`, `${name}#9071`]);
    expect(record(snapshot, "virtualMachines", `${name}#9071`).tenant).toBe("globex");
    expect(record(snapshot, "virtualMachines", `${name}#${vms.results[0].id}`).tenant).toBe(vms.results[0].tenant.slug);
    expect(warnings).toContainEqual({ subject: name, message: `2 running VMs have this name: each is keyed "${name}#<NetBox id>"` });
  });
});

describe("the NetBox connector, on a tenant's device", () => {
  it("takes a device's tenant as the dedication of its hardware, unless NetBox runs another tenant's VM on it", () => {
    expect(record(map().snapshot, "hosts", "db-201")).toMatchObject({ dedicatedTo: "treasury" });
    const vms = fixture("netbox", "virtual-machines.json") as { count: number; results: Record<string, any>[] };
    const guest: Record<string, any> = { ...vms.results[1], id: 9072, name: "guest-1", device: { ...vms.results[1].device, id: 47, name: "db-201", display: "db-201" } };
    const withGuest = NETBOX_FILES.map((name) => (name === "virtual-machines" ? { ...vms, count: vms.count + 1, results: [...vms.results, guest] } : fixture("netbox", `${name}.json`)));
    const { snapshot, warnings } = mapNetbox(withGuest, { source: "netbox", settings: {} });
    expect(record(snapshot, "hosts", "db-201")).toMatchObject({ dedicatedTo: null });
    expect(warnings).toContainEqual({ subject: "db-201", message: `is tenant treasury's, but NetBox runs VMs of ${guest.tenant.slug} on it: not dedicated to one tenant` });
  });
});
