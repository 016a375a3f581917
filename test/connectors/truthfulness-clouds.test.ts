import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mapAzure } from "../../src/connectors/azure/map-azure.ts";
import { mapGcp } from "../../src/connectors/gcp/map-gcp.ts";
import { mapNetbox } from "../../src/connectors/netbox/map-netbox.ts";
import { mapOpenstack } from "../../src/connectors/openstack/map-openstack.ts";
import { canonical, expectAtMost, rotated, RUNS, shuffled, topologyOf, vm } from "./truth-support.ts";

/*
 * Connector truthfulness, Azure, GCP, OpenStack and NetBox: two VMs that the provider data places in
 * one zone, one availability set, one fault domain or on one host never come out further apart
 * than that, whatever the order of the files and whichever subscription, project or export
 * they come from.
 */
const PHYSICAL = ["westeurope-az1", "westeurope-az2", "westeurope-az3"];

const subscriptionArb = fc.record({ physical: shuffled(PHYSICAL), locations: fc.boolean() });
const azureVmArb = fc.record({
  subscription: fc.nat(1),
  kind: fc.constantFrom("zonal", "avset", "regional"),
  zone: fc.nat(2),
  set: fc.nat(1),
  faultDomain: fc.nat(2),
  zonalRegion: fc.boolean(),
  inInstanceView: fc.boolean(),
});
type AzureVm = { subscription: number; kind: string; zone: number; set: number; faultDomain: number; zonalRegion: boolean; inInstanceView: boolean; name: string };
const SUBSCRIPTIONS = ["8c1f0a2e-0000-4000-8000-00000000000a", "5d2e9b1c-0000-4000-8000-00000000000b"];

/** A VM as `az vm list -d` prints it (no instanceView), and as `az vm get-instance-view` does (no powerState). */
function azureRecords(v: AzureVm, logicalOf: (physical: string) => string) {
  const sub = SUBSCRIPTIONS[v.subscription];
  const base = {
    id: `/subscriptions/${sub}/resourceGroups/RG-${v.subscription}/providers/Microsoft.Compute/virtualMachines/${v.name}`,
    name: v.name,
    location: v.kind === "zonal" || v.zonalRegion ? "westeurope" : "northcentralus",
    zones: v.kind === "zonal" ? [logicalOf(PHYSICAL[v.zone])] : null,
    tags: { tenant: v.subscription === 0 ? "acme" : "globex" },
    availabilitySet: v.kind === "avset" ? { id: `/subscriptions/${sub}/resourceGroups/RG-${v.subscription}/providers/Microsoft.Compute/availabilitySets/SET-${v.set}`, resourceGroup: `RG-${v.subscription}` } : null,
    host: null,
    platformFaultDomain: null,
    resourceGroup: `RG-${v.subscription}`,
    type: "Microsoft.Compute/virtualMachines",
  };
  const listed = { ...base, powerState: "VM running", privateIps: "10.0.0.4", publicIps: "", fqdns: "", macs: "00-0D-3A-00-00-01" };
  const statuses = [
    { code: "ProvisioningState/succeeded", level: "Info" },
    { code: "PowerState/running", displayStatus: "VM running", level: "Info" },
  ];
  const view = { ...base, instanceView: { platformFaultDomain: v.kind === "avset" ? v.faultDomain : null, platformUpdateDomain: 0, statuses } };
  return { listed, view };
}

const locationsOf = (s: number, physical: string[]) => [
  { id: `/subscriptions/${SUBSCRIPTIONS[s]}/locations/westeurope`, name: "westeurope", type: "Region", availabilityZoneMappings: physical.map((p, n) => ({ logicalZone: String(n + 1), physicalZone: p })) },
  { id: `/subscriptions/${SUBSCRIPTIONS[s]}/locations/northcentralus`, name: "northcentralus", type: "Region" },
];

describe("the Azure connector never proves more than the provider data", () => {
  it("keeps VMs of one physical zone, one availability set, one fault domain, and of two sets, within what Azure guarantees, whatever the subscriptions and file order", () => {
    fc.assert(
      fc.property(fc.array(subscriptionArb, { minLength: 2, maxLength: 2 }), fc.array(azureVmArb, { minLength: 2, maxLength: 8 }), fc.nat(), (subs, raw, seed) => {
        const vms: AzureVm[] = raw.map((r, n) => ({ ...r, name: `vm-${n}` }));
        const results = subs.map((sub, s) => {
          const mine = vms.filter((v) => v.subscription === s).map((v) => azureRecords(v, (p) => String(sub.physical.indexOf(p) + 1)));
          const documents: unknown[] = [mine.map((r) => r.listed), mine.filter((_, n) => vms.filter((v) => v.subscription === s)[n].inInstanceView).map((r) => r.view)];
          if (sub.locations) documents.push(locationsOf(s, sub.physical));
          const result = mapAzure(documents, { source: `azure-${s}`, settings: {} });
          expect(canonical(mapAzure(rotated(documents, seed), { source: `azure-${s}`, settings: {} }))).toEqual(canonical(result));
          return result;
        });
        const topology = topologyOf(results);
        const key = (v: AzureVm) => `/subscriptions/${SUBSCRIPTIONS[v.subscription]}/resourcegroups/rg-${v.subscription}/providers/microsoft.compute/virtualmachines/${v.name}`;
        const region = (v: AzureVm) => (v.kind === "zonal" || v.zonalRegion ? "westeurope" : "northcentralus");
        for (const x of vms) {
          for (const y of vms) {
            if (x === y || region(x) !== region(y)) continue;
            if (x.kind === "zonal" && y.kind === "zonal" && x.zone !== y.zone) continue; // two zones: apart, as Azure says
            const [a, b] = [vm(key(x)), vm(key(y))];
            // A region is one place at most: nothing below it is proven without Azure naming it.
            expectAtMost(topology, a, b, "RACK", "are in one region, which Azure does not split for them");
            if (x.kind === "zonal" && y.kind === "zonal" && x.zone === y.zone) expectAtMost(topology, a, b, "VIRTUAL_MACHINE", "are in one physical zone");
            if (x.kind !== "avset" || y.kind !== "avset") expectAtMost(topology, a, b, "VIRTUAL_MACHINE", "may share a host (one of them has no fault domain)");
            const sameSet = x.kind === "avset" && y.kind === "avset" && x.subscription === y.subscription && x.set === y.set && x.zonalRegion === y.zonalRegion;
            if (sameSet && x.faultDomain === y.faultDomain) expectAtMost(topology, a, b, "VIRTUAL_MACHINE", "share a fault domain");
            // Fault domains are apart only within one set: two sets' VMs may share a host.
            if (!sameSet) expectAtMost(topology, a, b, "VIRTUAL_MACHINE", "are not in one availability set, so they may share a host");
          }
        }
      }),
      RUNS,
    );
  });
});

const gcpArb = fc.record({ project: fc.nat(1), zone: fc.constantFrom("europe-west1-b", "europe-west1-c"), node: fc.constantFrom(null, "sole-1", "sole-2"), status: fc.constantFrom("RUNNING", "RUNNING", "STOPPING") });
const PROJECTS = ["acme-prod-4711", "globex-data-0815"];

describe("the GCP connector never proves more than the provider data", () => {
  it("keeps instances of one zone within VIRTUAL_MACHINE, on sole-tenant nodes of two projects too (node groups may be shared), whatever the projects and file order", () => {
    fc.assert(
      fc.property(fc.array(gcpArb, { minLength: 2, maxLength: 8 }), fc.boolean(), (raw, split) => {
        const instances = raw.map((r, n) => ({ ...r, name: `vm-${n}` }));
        const results = PROJECTS.map((project, p) => {
          const mine = instances.filter((i) => i.project === p).map((i) => gcloudInstance(project, i.zone, i.name, i.node, i.status));
          const documents = split ? [mine.filter((_, n) => n % 2 === 0), mine.filter((_, n) => n % 2 === 1)] : [mine];
          const result = mapGcp(documents, { source: `gcp-${p}`, settings: { "default-tenant": p === 0 ? "acme" : "globex" } });
          expect(canonical(mapGcp(rotated(documents, 1), { source: `gcp-${p}`, settings: { "default-tenant": p === 0 ? "acme" : "globex" } }))).toEqual(canonical(result));
          return result;
        });
        const topology = topologyOf(results);
        for (const x of instances) {
          for (const y of instances) {
            if (x === y || x.zone !== y.zone) continue;
            const [a, b] = [vm(`${PROJECTS[x.project]}/${x.zone}/${x.name}`), vm(`${PROJECTS[y.project]}/${y.zone}/${y.name}`)];
            expectAtMost(topology, a, b, "RACK", "are in one zone");
            // Sole tenancy serves a project and the projects its node group is shared with (which
            // the list does not show): only two nodes of one project are known to be two machines.
            const twoNodesOfOneProject = x.node && y.node && x.node !== y.node && x.project === y.project;
            if (!twoNodesOfOneProject) expectAtMost(topology, a, b, "VIRTUAL_MACHINE", "may share a host");
          }
        }
      }),
      RUNS,
    );
  });
});

/** An instance as `gcloud compute instances list --format=json` prints it. */
function gcloudInstance(project: string, zone: string, name: string, node: string | null, status: string) {
  const base = `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}`;
  return {
    kind: "compute#instance",
    id: String(4000000000000000000n + BigInt(name.length)),
    name,
    status,
    zone: base,
    selfLink: `${base}/instances/${name}`,
    machineType: `${base}/machineTypes/n2-standard-4`,
    scheduling: {
      automaticRestart: true,
      onHostMaintenance: "MIGRATE",
      ...(node ? { nodeAffinities: [{ key: "compute.googleapis.com/node-name", operator: "IN", values: [node] }] } : {}),
    },
  };
}

const serverArb = fc.record({ project: fc.nat(1), host: fc.nat(2), admin: fc.boolean() });
const OS_PROJECTS = ["9f8e7d6c5b4a49382716a5b4c3d2e1f0", "1a2b3c4d5e6f47089a1b2c3d4e5f6071"];

describe("the OpenStack connector never proves more than the provider data", () => {
  it("keeps servers of one hypervisor within VIRTUAL_MACHINE whether the export shows the Host column or only hostId, synced as a source per project, whichever describes the hosts", () => {
    fc.assert(
      fc.property(fc.array(serverArb, { minLength: 2, maxLength: 8 }), fc.boolean(), fc.constantFrom(0, 1, null), (raw, split, describer) => {
        const servers = raw.map((r, n) => ({ ...r, id: `5b2f1a7e-1c2d-4e3f-8a9b-0c1d2e3f4a${String(n).padStart(2, "0")}` }));
        // Each physical host is in one zone: compute-0 in nova, the others in az-2.
        const zoneOf = (host: number) => (host === 0 ? "nova" : "az-2");
        const rowOf = (s: (typeof servers)[number]) => ({
          ID: s.id,
          Name: `srv-${s.id.slice(-2)}`,
          Status: "ACTIVE",
          "Availability Zone": zoneOf(s.host),
          ...(s.admin ? { Host: `compute-${s.host}` } : {}),
          "Project ID": OS_PROJECTS[s.project],
          // Nova hashes the host with the project: one host, a hostId per project.
          hostId: `${s.project}${s.host}`.padEnd(56, "c"),
          Properties: {},
        });
        // A source per project; one of them (or none) describes the hypervisor hosts, the others name them.
        const results = OS_PROJECTS.map((_, p) => {
          const rows = servers.filter((s) => s.project === p).map(rowOf);
          const documents = split ? [rows.filter((_, n) => n % 2 === 0), rows.filter((_, n) => n % 2 === 1)] : [rows];
          const options = { source: `ams-${p}`, settings: { region: "ams-cloud", "describe-hosts": String(describer === p) } };
          const result = mapOpenstack(documents, options);
          expect(canonical(mapOpenstack(rotated(documents, 1), options))).toEqual(canonical(result));
          return result;
        });
        const topology = topologyOf(results);
        for (const x of servers) {
          for (const y of servers) {
            if (x === y) continue;
            if (x.host === y.host) expectAtMost(topology, vm(x.id), vm(y.id), "VIRTUAL_MACHINE", "run on one hypervisor");
            if (zoneOf(x.host) === zoneOf(y.host)) expectAtMost(topology, vm(x.id), vm(y.id), "RACK", "are in one availability zone");
          }
        }
      }),
      RUNS,
    );
  });
});

const NB = "https://netbox.example.com/api";
const rackArb = fc.record({ site: fc.nat(1), panel: fc.nat(1) });
const deviceArb = fc.record({ rack: fc.nat(3), vms: fc.nat(2) });

describe("the NetBox connector never proves more than the provider data", () => {
  it("keeps VMs of one device, devices of one rack or of racks on one power panel, and one site within what NetBox records", () => {
    fc.assert(
      fc.property(fc.array(rackArb, { minLength: 4, maxLength: 4 }), fc.array(deviceArb, { minLength: 2, maxLength: 6 }), fc.nat(), (racks, devices, seed) => {
        const site = (s: number) => ({ id: s + 1, url: `${NB}/dcim/sites/${s + 1}/`, name: `FRA${s + 1}`, slug: `fra${s + 1}` });
        const page = (results: unknown[]) => ({ count: results.length, next: null, previous: null, results });
        const vms = devices.flatMap((d, n) => Array.from({ length: d.vms }, (_, k) => ({ name: `vm-${n}-${k}`, device: n })));
        const documents = [
          page([0, 1].map((s) => ({ ...site(s), status: { value: "active" }, custom_fields: {} }))),
          page(racks.map((r, n) => ({ id: 11 + n, url: `${NB}/dcim/racks/${11 + n}/`, name: `R0${n}`, site: site(r.site), status: { value: "active" } }))),
          // One panel per (site, panel): a panel serves only its own site's racks.
          page([0, 1].flatMap((s) => [0, 1].map((p) => ({ id: 21 + s * 2 + p, url: `${NB}/dcim/power-panels/${21 + s * 2 + p}/`, name: `PP-${p}`, site: site(s) })))),
          page(racks.map((r, n) => ({ id: 31 + n, url: `${NB}/dcim/power-feeds/${31 + n}/`, name: `F${n}`, power_panel: { id: 21 + r.site * 2 + r.panel }, rack: { id: 11 + n }, status: { value: "active" } }))),
          page(devices.filter((_, n) => n % 2 === 0).map((d) => device(devices.indexOf(d), d.rack, racks[d.rack].site))),
          page(devices.filter((_, n) => n % 2 === 1).map((d) => device(devices.indexOf(d), d.rack, racks[d.rack].site))),
          page(
            vms.map((v, n) => ({
              id: 71 + n,
              url: `${NB}/virtualization/virtual-machines/${71 + n}/`,
              name: v.name,
              status: { value: "active" },
              site: site(racks[devices[v.device].rack].site),
              device: { id: 41 + v.device, name: `hv-${v.device}` },
              tenant: { id: 61, slug: n % 2 ? "acme" : "globex" },
              custom_fields: {},
            })),
          ),
        ];
        function device(n: number, rack: number, s: number) {
          return { id: 41 + n, url: `${NB}/dcim/devices/${41 + n}/`, name: `hv-${n}`, role: { slug: "hypervisor" }, site: site(s), rack: { id: 11 + rack, name: `R0${rack}` }, status: { value: "active" }, tenant: null };
        }
        const options = { source: "dcim", settings: {} };
        const result = mapNetbox(documents, options);
        expect(canonical(mapNetbox(rotated(documents, seed), options))).toEqual(canonical(result));
        const topology = topologyOf([result]);
        const place = (v: { device: number }) => ({ device: v.device, rack: devices[v.device].rack, panel: `${racks[devices[v.device].rack].site}/${racks[devices[v.device].rack].panel}`, site: racks[devices[v.device].rack].site });
        for (const x of vms) {
          for (const y of vms) {
            if (x === y) continue;
            const [a, b] = [place(x), place(y)];
            if (a.device === b.device) expectAtMost(topology, vm(x.name), vm(y.name), "VIRTUAL_MACHINE", "run on one device");
            if (a.rack === b.rack) expectAtMost(topology, vm(x.name), vm(y.name), "HOST", "are in one rack");
            if (a.panel === b.panel) expectAtMost(topology, vm(x.name), vm(y.name), "HOST", "draw from one power panel");
            if (a.site === b.site) expectAtMost(topology, vm(x.name), vm(y.name), "RACK", "are in one site");
          }
        }
      }),
      RUNS,
    );
  });
});
