import { keyList, setting, SnapshotBuilder, type ConnectorOptions, type ConnectorResult } from "../connector.ts";
import { getOrInsert } from "../../domain/get-or-insert.ts";

/*
 * NetBox: its REST API's JSON (each endpoint's paginated answer: sites, racks, power panels
 * and feeds, devices, clusters, virtual machines, tenants, tenant groups) → the physical side.
 *
 * - A site is a datacenter (its slug, its region's slug; hazard zones and planet from the
 *   custom fields `hazard_zones` and `planet` when set).
 * - A rack (`<site>/<rack>`) draws from the power feeds that name it, and from their power
 *   panels: each feed and each panel is a power domain, so two racks on one panel share it.
 * - A device whose role is a switch (`switch-roles`) is its rack's network domain; a PDU
 *   (`pdu-roles`) powers only its own rack and adds nothing beyond it; any other device is a
 *   host, dedicated to its tenant when it has one.
 * - A virtual machine runs on its device when NetBox knows it, else somewhere in its site.
 * - A tenant's organization is the root of its tenant group tree (the tenant itself without
 *   a group).
 * Objects whose status says they do not run (planned, offline, decommissioning, inventory…)
 * are left out.
 */
type Ref = { id?: number; name?: string; slug?: string } | null | undefined;
interface NetboxObject {
  id: number;
  url?: string;
  name?: string | null;
  slug?: string;
  status?: { value?: string } | string;
  site?: Ref;
  scope?: Ref & { slug?: string };
  scope_type?: string;
  region?: Ref;
  rack?: Ref;
  role?: Ref;
  device_role?: Ref;
  tenant?: Ref;
  group?: Ref;
  parent?: Ref;
  cluster?: Ref;
  device?: Ref;
  power_panel?: Ref;
  custom_fields?: Record<string, unknown>;
}

const RUNNING = new Set(["active", "staged"]);
const ENDPOINTS = {
  "dcim/sites": "sites",
  "dcim/racks": "racks",
  "dcim/power-panels": "powerPanels",
  "dcim/power-feeds": "powerFeeds",
  "dcim/devices": "devices",
  "virtualization/clusters": "clusters",
  "virtualization/virtual-machines": "virtualMachines",
  "tenancy/tenants": "tenants",
  "tenancy/tenant-groups": "tenantGroups",
} as const;
export const NETBOX_ENDPOINTS = Object.keys(ENDPOINTS);
type Collection = (typeof ENDPOINTS)[keyof typeof ENDPOINTS];

/** Which endpoint an object came from, by its `url` (…/api/dcim/sites/1/). */
function endpointOf(url: string | undefined): Collection | null {
  const match = /\/api\/([a-z-]+\/[a-z-]+)\/\d+\/?$/.exec(url ?? "");
  return match ? (ENDPOINTS[match[1] as keyof typeof ENDPOINTS] ?? null) : null;
}

const statusOf = (o: NetboxObject) => (typeof o.status === "string" ? o.status : o.status?.value) ?? "active";
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === "string" && value ? keyList(value) : []);

export function mapNetbox(documents: unknown[], options: ConnectorOptions): ConnectorResult {
  const b = new SnapshotBuilder(options.source);
  const c = collect(b, documents);
  const siteSlug = new Map(c.sites.map((s) => [s.id, s.slug ?? String(s.id)]));
  const refSite: RefSite = (ref: Ref) => ref?.slug ?? (ref?.id !== undefined ? siteSlug.get(ref.id) : undefined) ?? null;
  mapSites(b, c, options);
  const racks = mapRacksAndPower(b, c, refSite);
  const devices = mapDevices(b, c, refSite, racks.rackKey, options);
  for (const [rackId, key] of racks.rackKey) {
    const { rackSite, rackPower } = racks;
    b.add("racks", { id: key, datacenter: rackSite.get(rackId)!, powerDomains: [...(rackPower.get(rackId) ?? [])].sort(), networkDomains: [...(devices.rackNetwork.get(rackId) ?? [])].sort() });
  }
  mapVirtualMachines(b, c, refSite, devices.hosts, setting(options, "default-tenant"));
  mapTenants(b, c);
  if (devices.pdus > 0) b.warn("devices", `${devices.pdus} PDU device(s) power only their own rack: the feeds and panels upstream are the power domains`);
  return b.result();
}

type Collections = Record<Collection, NetboxObject[]>;
/** A site reference's slug (by slug, or by the id of a site in the export). */
type RefSite = (ref: Ref) => string | null;

/** The objects of every document, by the endpoint they came from. */
function collect(b: SnapshotBuilder, documents: unknown[]): Collections {
  const c: Collections = { sites: [], racks: [], powerPanels: [], powerFeeds: [], devices: [], clusters: [], virtualMachines: [], tenants: [], tenantGroups: [] };
  documents.forEach((document, index) => {
    const results = (document as { results?: NetboxObject[] }).results ?? (Array.isArray(document) ? (document as NetboxObject[]) : null);
    if (!results) return b.warn(`document ${index + 1}`, "not a NetBox API list (no results); ignored");
    for (const object of results) {
      const collection = endpointOf(object.url);
      if (collection) c[collection].push(object);
      else b.warn(`document ${index + 1}`, `an object from ${object.url ?? "an unknown endpoint"} is not one this connector maps; ignored`);
    }
  });
  return c;
}

function mapSites(b: SnapshotBuilder, c: Collections, options: ConnectorOptions) {
  for (const site of c.sites) {
    const f = site.custom_fields ?? {};
    b.add("datacenters", {
      id: site.slug ?? String(site.id),
      name: site.name ?? null,
      provider: setting(options, "provider") ?? null,
      region: site.region?.slug ?? null,
      hazardZones: list(f.hazard_zones),
      ...(typeof f.planet === "string" && f.planet ? { planet: f.planet } : {}),
    });
  }
}

/** Racks' keys and sites, power panels and feeds as power domains, and each rack's feeds. */
function mapRacksAndPower(b: SnapshotBuilder, c: Collections, refSite: RefSite) {
  const rackKey = new Map<number, string>();
  const rackSite = new Map<number, string>();
  for (const rack of c.racks) {
    const site = refSite(rack.site);
    if (!site) {
      b.warn(`rack ${rack.name}`, "names no site; left out");
      continue;
    }
    rackKey.set(rack.id, `${site}/${rack.name}`);
    rackSite.set(rack.id, site);
  }
  const panelKey = new Map<number, string>();
  for (const panel of c.powerPanels) {
    const site = refSite(panel.site);
    if (!site) continue;
    panelKey.set(panel.id, `${site}/${panel.name}`);
    b.add("powerDomains", { id: `${site}/${panel.name}`, datacenter: site });
  }
  const rackPower = new Map<number, Set<string>>();
  for (const feed of c.powerFeeds) {
    const panel = feed.power_panel?.id !== undefined ? panelKey.get(feed.power_panel.id) : undefined;
    const rackId = feed.rack?.id;
    if (!panel || rackId === undefined || !rackSite.has(rackId)) continue;
    const id = `${panel}/${feed.name}`;
    b.add("powerDomains", { id, datacenter: rackSite.get(rackId)! });
    getOrInsert(rackPower, rackId, () => new Set())
      .add(id)
      .add(panel);
  }
  return { rackKey, rackSite, rackPower };
}

/** Switches as their rack's network domains, PDUs counted, every other running device a host. */
function mapDevices(b: SnapshotBuilder, c: Collections, refSite: RefSite, rackKey: Map<number, string>, options: ConnectorOptions) {
  const switchRoles = new Set(keyList(setting(options, "switch-roles", "switch,tor,leaf,access-switch")));
  const pduRoles = new Set(keyList(setting(options, "pdu-roles", "pdu")));
  const rackNetwork = new Map<number, Set<string>>();
  const hosts = new Set<string>();
  const dedication = dedicationOf(b, c.virtualMachines, setting(options, "default-tenant"));
  let pdus = 0;
  for (const device of c.devices) {
    const role = (device.role ?? device.device_role)?.slug ?? "";
    const site = refSite(device.site);
    if (!RUNNING.has(statusOf(device))) continue;
    if (!device.name || !site) {
      b.warn(`device ${device.id}`, "has no name or no site; left out");
      continue;
    }
    const rackId = device.rack?.id;
    const rack = rackId !== undefined ? rackKey.get(rackId) : undefined;
    if (switchRoles.has(role)) {
      if (rackId === undefined || !rack) continue; // a core switch outside racks is not a rack's network domain
      const id = `${site}/${device.name}`;
      b.add("networkDomains", { id, datacenter: site });
      getOrInsert(rackNetwork, rackId, () => new Set()).add(id);
    } else if (pduRoles.has(role)) {
      pdus++;
    } else {
      const dedicatedTo = dedication(device.name, device.tenant?.slug ?? null);
      b.add("hosts", rack ? { id: device.name, rack, dedicatedTo } : { id: device.name, datacenter: site, dedicatedTo });
      hosts.add(device.name);
    }
  }
  return { rackNetwork, hosts, pdus };
}

function mapVirtualMachines(b: SnapshotBuilder, c: Collections, refSite: RefSite, hosts: Set<string>, defaultTenant: string | undefined) {
  const clusterSite = new Map(c.clusters.map((cl) => [cl.id, refSite(cl.site) ?? (cl.scope_type === "dcim.site" ? refSite(cl.scope) : null)]));
  // NetBox keeps VM names unique per cluster and tenant only: two VMs of one name are two units
  // (one record of both would drop one tenant's VM from its verdicts), keyed apart by NetBox id.
  const running = c.virtualMachines.filter((vm) => RUNNING.has(statusOf(vm)) && vm.name);
  const named = new Map<string, number>();
  for (const vm of running) named.set(vm.name!, (named.get(vm.name!) ?? 0) + 1);
  for (const [name, count] of named) if (count > 1) b.warn(name, `${count} running VMs have this name: each is keyed "${name}#<NetBox id>"`);
  for (const vm of running) {
    const id = named.get(vm.name!)! > 1 ? `${vm.name}#${vm.id}` : vm.name!;
    const tenant = vm.tenant?.slug ?? defaultTenant;
    if (!tenant) {
      b.warn(vm.name!, "has no tenant and no default tenant is configured; left out");
      continue;
    }
    const workload = typeof vm.custom_fields?.workload === "string" ? vm.custom_fields.workload : null;
    const device = vm.device?.name;
    const site = refSite(vm.site) ?? (vm.cluster?.id !== undefined ? clusterSite.get(vm.cluster.id) : null) ?? null;
    if (device && hosts.has(device)) b.add("virtualMachines", { id, host: device, tenant, workload, dedicated: false });
    else {
      if (device) b.warn(id, `runs on device ${device}, which is not a host here; placed in its site only`);
      b.add("virtualMachines", { id, datacenter: site, tenant, workload, dedicated: false });
    }
  }
}

/** Tenants, each of the organization its group tree's root names. */
function mapTenants(b: SnapshotBuilder, c: Collections) {
  const groups = new Map(c.tenantGroups.map((g) => [g.id, g]));
  const rootOf = (ref: Ref): string | null => {
    let group = ref?.id !== undefined ? groups.get(ref.id) : undefined;
    if (!group) return ref?.slug ?? null;
    for (let depth = 0; group.parent?.id !== undefined && groups.has(group.parent.id) && depth < 50; depth++) group = groups.get(group.parent.id)!;
    return group.slug ?? null;
  };
  for (const tenant of c.tenants) {
    const id = tenant.slug ?? String(tenant.id);
    b.add("tenants", { id, name: tenant.name ?? null, organization: rootOf(tenant.group) ?? id });
  }
}

/**
 * A device's tenant as the tenant its hardware is dedicated to, unless NetBox itself places a
 * running VM of another tenant on it: then it is dedicated to no one, with a warning.
 */
function dedicationOf(b: SnapshotBuilder, vms: NetboxObject[], defaultTenant: string | undefined) {
  const guests = new Map<string, Set<string>>();
  for (const vm of vms) {
    const device = vm.device?.name;
    const tenant = vm.tenant?.slug ?? defaultTenant;
    if (!device || !tenant || !RUNNING.has(statusOf(vm))) continue;
    guests.set(device, (guests.get(device) ?? new Set<string>()).add(tenant));
  }
  return (device: string, tenant: string | null): string | null => {
    const others = [...(guests.get(device) ?? [])].filter((t) => t !== tenant).sort();
    if (tenant === null || others.length === 0) return tenant;
    b.warn(device, `is tenant ${tenant}'s, but NetBox runs VMs of ${others.join(", ")} on it: not dedicated to one tenant`);
    return null;
  };
}
