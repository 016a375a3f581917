import { ownersFromTags, SnapshotBuilder, type ConnectorOptions, type ConnectorResult } from "../connector.ts";
import { mergeProviderRecords } from "../merge-provider-records.ts";
import { AzureZones, isLocation } from "./azure-zones.ts";
import { compareCodeUnits } from "../../domain/compare-code-units.ts";
import { getOrInsert } from "../../domain/get-or-insert.ts";

/*
 * Azure: `az vm list -d -o json`, `az vm get-instance-view` (fault domains),
 * `az vmss list-instances` (scale set VMs, AKS node pools) and the subscription's locations
 * (`az rest … /locations?api-version=2022-12-01`: which physical zone each logical zone is) → a snapshot.
 *
 * - The records of one VM from several exports are merged field by field, whatever the order
 *   of the files; fields that disagree are dropped (not known), with a warning.
 * - A zonal VM is in its *physical* zone's datacenter (`westeurope-az2`), from the locations
 *   export: Azure maps logical zones to physical ones per subscription, so a logical zone
 *   names no place by itself, and such a VM's datacenter is left unknown, with a warning.
 * - A VM on a dedicated host names that host (dedicated to its tenant) and is dedicated; one a
 *   host group places automatically names the host its instance view says Azure assigned. A VM
 *   of such a group whose host is not known may be on any host of the group: no host of the
 *   group is then dedicated to another tenant, nor is a VM on one (with a warning). A host whose
 *   id names another subscription (a host group shared with this one) is only named, as AWS
 *   names a Dedicated Host another account shares: its own subscription's source describes it
 *   (two sources describing one host would be refused, so an operator could not sync both),
 *   and the VM on it is not dedicated. That host runs the other subscription's VMs too, whose
 *   tenants this export does not know, and a host this source does not describe dedicates
 *   nothing here. Until its owner's source is synced it is a dangling host, which may be any
 *   other host (docs/separation.md).
 * - An availability set's fault domains share no power source or network switch: a VM in one
 *   gets the rack `azure-fd/<subscription>/<group>/<set>/<fault domain>`, with a power domain
 *   and a network domain of its own, and a (conservatively shared) host of the same key. Azure
 *   keeps fault domains apart *within* a set only, so that host is a slot of the set
 *   (`placementGroup`: `azure-fd/<subscription>/<group>/<set>`): apart from the set's other
 *   fault domains, and possibly the very machine of any other set's VM or any other VM. A
 *   rack needs a datacenter, and Azure names none for a set: only in a region the locations
 *   export shows to have no zones is the region that datacenter. Elsewhere a set's VM could
 *   share a datacenter with any zonal VM of its region, so it gets the host alone.
 * - Tags name the tenant and the workload. Deallocated and stopped VMs are left out.
 */
type Vm = {
  id?: string;
  name?: string;
  location?: string;
  zones?: string[] | null;
  tags?: Record<string, string> | null;
  powerState?: string | null;
  availabilitySet?: { id?: string } | null;
  host?: { id?: string } | null;
  hostGroup?: { id?: string } | null;
  platformFaultDomain?: number | null;
  instanceView?: { platformFaultDomain?: number | null; assignedHost?: string | null; statuses?: { code?: string; displayStatus?: string }[] | null } | null;
};

export function mapAzure(documents: unknown[], options: ConnectorOptions): ConnectorResult {
  const b = new SnapshotBuilder(options.source);
  const ownerOf = ownersFromTags(options, { tenantTags: "tenant,Tenant", workloadTags: "workload,Workload,app", word: "tags" });
  const { vms, zones } = readExports(b, documents);
  const places = new AzurePlaces(b, zones);
  for (const vm of vms) {
    if (!vm.id || !vm.location) {
      b.warn(vm.name ?? "az vm list", "a VM without id or location; left out");
      continue;
    }
    const id = vm.id.toLowerCase();
    const power = powerOf(vm);
    if (!/running|starting/i.test(power)) {
      b.leaveOut("az vm list", "VMs", power);
      continue;
    }
    const owner = ownerOf(b, vm.name ?? id, vm.tags ?? {});
    if (!owner) continue;
    const { tenant, workload } = owner;
    const { parent, dedicatedHost } = places.place(vm, id, tenant);
    const record = { id, ...parent, tenant, workload, dedicated: dedicatedHost !== null };
    b.add("virtualMachines", record);
    if (dedicatedHost !== null) places.onDedicatedHost(dedicatedHost, tenant, record);
  }
  places.finish();
  return b.result();
}

/** The VMs, one merged record each, and the zone mappings, from every export in any order. */
function readExports(b: SnapshotBuilder, documents: unknown[]): { vms: Vm[]; zones: AzureZones } {
  const zones = new AzureZones();
  const byId = new Map<string, Record<string, unknown>[]>();
  const records = documents.flatMap((d): unknown[] => (Array.isArray(d) ? (d as unknown[]) : Array.isArray((d as { value?: unknown })?.value) ? (d as { value: unknown[] }).value : [d]));
  for (const record of records as Record<string, unknown>[]) {
    if (isLocation(record)) zones.add(record);
    else getOrInsert(byId, String(record.id ?? "").toLowerCase(), () => []).push(record);
  }
  const vms: Vm[] = [];
  for (const [id, group] of [...byId].sort(([x], [y]) => compareCodeUnits(x, y))) {
    const { record, conflicts } = mergeProviderRecords(group);
    if (conflicts.length > 0) b.warn(String(record.name ?? id), `its exports disagree on ${conflicts.join(", ")}: not known`);
    vms.push(record);
  }
  return { vms, zones };
}

/** `az vm list -d` words it; `get-instance-view` has it as a PowerState status. Not known: running. */
function powerOf(vm: Vm): string {
  if (vm.powerState) return vm.powerState;
  const status = vm.instanceView?.statuses?.find((s) => s.code?.startsWith("PowerState/"));
  return status?.displayStatus ?? (status?.code ? `VM ${status.code.slice("PowerState/".length)}` : "VM running");
}

/** The subscription a resource id names (lower case; "" when it names none). */
function subscriptionOf(resourceId: string): string {
  return /^\/subscriptions\/([^/]+)\//i.exec(resourceId)?.[1]?.toLowerCase() ?? "";
}

/** A dedicated host group as the exports show it. */
interface HostGroup {
  unplaced: Set<string>;
  onHosts: { host: string; tenant: string; vm: { dedicated: boolean } }[];
}

/** Where each VM runs: its parent fields; and the warnings about places Azure does not name, once each. */
class AzurePlaces {
  private readonly unmappedZones = new Set<string>();
  private readonly setsWithoutRack = new Set<string>();
  private unplaced = 0;
  /** Dedicated host groups, by id: the tenants of VMs whose host in the group is not known, and the VMs on its known hosts. */
  private readonly hostGroups = new Map<string, HostGroup>();

  constructor(
    private readonly b: SnapshotBuilder,
    private readonly zones: AzureZones,
  ) {}

  place(vm: Vm, id: string, tenant: string): { parent: Record<string, string | null>; dedicatedHost: string | null } {
    const subscription = subscriptionOf(id);
    const location = vm.location!.toLowerCase();
    const logical = vm.zones?.[0];
    const physical = logical ? this.zones.physical(subscription, location, logical) : null;
    if (physical) this.b.add("datacenters", { id: physical, name: physical, provider: "azure", region: location });
    if (logical && !physical) this.unmappedZones.add(`${subscription} ${location} ${logical}`);
    const regionIsPlace = !logical && this.zones.knownWithoutZones(subscription, location);
    const dedicated = (vm.host?.id ?? vm.instanceView?.assignedHost)?.toLowerCase();
    if (dedicated && subscriptionOf(dedicated) !== subscription) {
      // Another subscription's host (a shared host group): its own subscription's source describes it.
      return { parent: { host: dedicated }, dedicatedHost: null };
    }
    if (dedicated) {
      this.b.add("hosts", { id: dedicated, datacenter: physical ?? (regionIsPlace ? this.region(location) : null), dedicatedTo: tenant });
      return { parent: { host: dedicated }, dedicatedHost: dedicated };
    }
    if (vm.hostGroup?.id) this.groupOf(vm.hostGroup.id.toLowerCase()).unplaced.add(tenant);
    const faultDomain = vm.instanceView?.platformFaultDomain ?? vm.platformFaultDomain;
    if (vm.availabilitySet?.id && faultDomain !== undefined && faultDomain !== null) {
      return { parent: { host: this.faultDomain(vm.availabilitySet.id, faultDomain, location, regionIsPlace) }, dedicatedHost: null };
    }
    if (vm.availabilitySet?.id) this.b.warn(vm.name ?? id, "in an availability set, but its fault domain is not in the export (add az vm get-instance-view output)");
    if (!physical) this.unplaced++;
    return { parent: { datacenter: physical }, dedicatedHost: null };
  }

  /** A VM on a dedicated host, kept so that finish() can undedicate both. */
  onDedicatedHost(host: string, tenant: string, vm: { dedicated: boolean }): void {
    this.groupOf(host.replace(/\/hosts\/[^/]+$/, "")).onHosts.push({ host, tenant, vm });
  }

  private groupOf(group: string): HostGroup {
    return getOrInsert(this.hostGroups, group, (): HostGroup => ({ unplaced: new Set(), onHosts: [] }));
  }

  /** No host of a group, nor VM on one, stays dedicated to a tenant while a VM of another tenant of that group has no known host. */
  private undedicate(): void {
    for (const [group, { unplaced, onHosts }] of [...this.hostGroups].sort(([x], [y]) => compareCodeUnits(x, y))) {
      const shared = onHosts.filter((on) => [...unplaced].some((tenant) => tenant !== on.tenant));
      if (shared.length === 0) continue;
      for (const on of shared) {
        on.vm.dedicated = false;
        const record = this.b.snapshot.hosts.find((h) => h.id === on.host);
        if (record) delete record.dedicatedTo;
      }
      this.b.warn(`host group ${group}`, `VMs of ${[...unplaced].sort().join(", ")} are placed on its hosts automatically and their hosts are not known (add az vm get-instance-view output): its hosts are dedicated to no other tenant`);
    }
  }

  /** A fault domain's host; its rack, power and network domain where the region is a place. */
  private faultDomain(setId: string, faultDomain: number, location: string, regionIsPlace: boolean): string {
    const set = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/.*\/availabilitysets\/([^/]+)$/i.exec(setId);
    const placementGroup = `azure-fd/${set ? `${set[1]}/${set[2]}/${set[3]}` : setId}`.toLowerCase();
    const key = `${placementGroup}/${faultDomain}`;
    if (!regionIsPlace) {
      this.b.add("hosts", { id: key, placementGroup });
      this.setsWithoutRack.add(location);
      return key;
    }
    const datacenter = this.region(location);
    this.b.add("powerDomains", { id: `${key}/power`, datacenter });
    this.b.add("networkDomains", { id: `${key}/network`, datacenter });
    this.b.add("racks", { id: key, datacenter, powerDomains: [`${key}/power`], networkDomains: [`${key}/network`] });
    this.b.add("hosts", { id: key, rack: key, placementGroup });
    return key;
  }

  private region(location: string): string {
    this.b.add("datacenters", { id: location, name: location, provider: "azure", region: location });
    return location;
  }

  finish(): void {
    this.undedicate();
    for (const zone of [...this.unmappedZones].sort()) {
      const [subscription, location, logical] = zone.split(" ");
      this.b.warn(`${location} zone ${logical}`, `subscription ${subscription}'s logical zone ${logical} names no physical zone by itself (add the subscription's locations with their zone mappings): its VMs' datacenter is unknown`);
    }
    if (this.unplaced > 0) this.b.warn("az vm list", `${this.unplaced} VM(s) have no known physical zone and no fault domain: they may run anywhere in their region, so their placement is unknown`);
    for (const location of [...this.setsWithoutRack].sort()) {
      this.b.warn(location, "availability sets here have no rack: Azure does not say which datacenter a set is in, and this region has (or may have) zones, so only their fault domains' hosts are known");
    }
  }
}
