import { ownersFromTags, SnapshotBuilder, type ConnectorOptions, type ConnectorResult } from "../connector.ts";

/**
 * Azure: `az vm list -d -o json` → a snapshot.
 *
 * - A zonal VM is in the datacenter `<location>-az<zone>`, region `<location>`. A VM without a
 *   zone may be in any datacenter of its region: its placement is unknown (the contract's worst
 *   case), unless its availability set places it.
 * - A VM on a dedicated host names that host (dedicated to its tenant) and is dedicated.
 * - An availability set's fault domains share no rack, power or network: a VM in one gets the
 *   rack and (conservatively shared) host `azure-fd/<set>/<fault domain>`, in the
 *   datacenter `<location>`. The fault domain is `platformFaultDomain` (on the VM, or in its
 *   `instanceView`, from `az vm get-instance-view`).
 * - Tags name the tenant and the workload. Deallocated and stopped VMs are left out.
 */
type Vm = {
  id?: string;
  name?: string;
  location?: string;
  zones?: string[] | null;
  tags?: Record<string, string> | null;
  powerState?: string;
  availabilitySet?: { id?: string } | null;
  host?: { id?: string } | null;
  platformFaultDomain?: number | null;
  instanceView?: { platformFaultDomain?: number | null } | null;
};

const lastSegment = (id: string) => id.split("/").filter(Boolean).at(-1) ?? id;

export function mapAzure(documents: unknown[], options: ConnectorOptions): ConnectorResult {
  const b = new SnapshotBuilder(options.source);
  const ownerOf = ownersFromTags(options, { tenantTags: "tenant,Tenant", workloadTags: "workload,Workload,app", word: "tags" });
  const vms = documents.flatMap((d) => (Array.isArray(d) ? (d as Vm[]) : [d as Vm]));

  let unplaced = 0;
  const setsByLocation = new Map<string, Set<string>>();
  for (const vm of vms) {
    if (!vm.id || !vm.location) {
      b.warn(vm.name ?? "az vm list", "a VM without id or location; left out");
      continue;
    }
    const id = vm.id.toLowerCase();
    const power = vm.powerState ?? "VM running";
    if (!/running|starting/i.test(power)) {
      b.leaveOut("az vm list", "VMs", power);
      continue;
    }
    const owner = ownerOf(b, vm.name ?? id, vm.tags ?? {});
    if (!owner) continue;
    const { tenant, workload } = owner;
    const zone = vm.zones?.[0];
    const zonal = zone ? `${vm.location}-az${zone}` : null;
    if (zonal) b.add("datacenters", { id: zonal, name: `${vm.location} zone ${zone}`, provider: "azure", region: vm.location });

    if (vm.host?.id) {
      const host = vm.host.id.toLowerCase();
      b.add("hosts", { id: host, datacenter: zonal ?? vm.location, dedicatedTo: tenant });
      if (!zonal) b.add("datacenters", { id: vm.location, name: vm.location, provider: "azure", region: vm.location });
      b.add("virtualMachines", { id, host, tenant, workload, dedicated: true });
      continue;
    }
    const faultDomain = vm.platformFaultDomain ?? vm.instanceView?.platformFaultDomain;
    if (vm.availabilitySet?.id && faultDomain !== undefined && faultDomain !== null) {
      const set = lastSegment(vm.availabilitySet.id).toLowerCase();
      const key = `azure-fd/${set}/${faultDomain}`;
      b.add("datacenters", { id: vm.location, name: vm.location, provider: "azure", region: vm.location });
      b.add("racks", { id: key, datacenter: vm.location, powerDomains: [], networkDomains: [] });
      b.add("hosts", { id: key, rack: key });
      b.add("virtualMachines", { id, host: key, tenant, workload, dedicated: false });
      setsByLocation.set(vm.location, (setsByLocation.get(vm.location) ?? new Set()).add(set));
      continue;
    }
    if (vm.availabilitySet?.id) b.warn(vm.name ?? id, "in an availability set, but its fault domain is not in the export (add az vm get-instance-view output)");
    if (!zonal) unplaced++;
    b.add("virtualMachines", zonal ? { id, datacenter: zonal, tenant, workload, dedicated: false } : { id, tenant, workload, dedicated: false });
  }
  if (unplaced > 0) b.warn("az vm list", `${unplaced} VM(s) have no zone and no fault domain: they may run anywhere in their region, so their placement is unknown`);
  for (const [location, sets] of setsByLocation) {
    if (sets.size > 1) b.warn(location, `availability sets ${[...sets].sort().join(", ")} share this region: each set's fault domains are modeled apart, but Azure keeps them apart only within a set`);
  }
  return b.result();
}
