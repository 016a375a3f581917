import { loadersFor } from "../as-of.ts";
import type { Context } from "../context.ts";
import type {
  ContainerResolvers,
  DatacenterDescriptionResolvers,
  DatacenterResolvers,
  HostResolvers,
  NetworkDomainResolvers,
  PowerDomainResolvers,
  RackResolvers,
  TenantResolvers,
  VirtualMachineResolvers,
  WorkloadResolvers,
} from "../generated/resolvers-types.ts";
import type { InventoryRow } from "../inventory-types.ts";
import type { AntiAffinityRule } from "../../domain/topology.ts";
import { children, describingSources, nodeFields, nonNull, rowFields } from "./inventory-fields.ts";

/*
 * The inventory types of schema.graphql. Thin: each field reads the row or follows a relation
 * through the request's loaders.
 */
export const Datacenter: DatacenterResolvers = {
  ...nodeFields("Datacenter"),
  sources: describingSources,
  descriptions: (row, _, ctx) => loadersFor(ctx, row).datacenterDescriptions.load(row.key),
  hazardZones: (row) => row.hazardZones ?? [],
  racks: children("Datacenter.racks"),
  powerDomains: children("Datacenter.powerDomains"),
  networkDomains: children("Datacenter.networkDomains"),
  hosts: children("Datacenter.hosts"),
  virtualMachines: children("Datacenter.virtualMachines"),
};

export const DatacenterDescription: DatacenterDescriptionResolvers = {
  source: (row, _, ctx) => nonNull(ctx.loaders.sources.load(row.source)),
  hazardZones: (row) => row.hazardZones ?? [],
};

const powerDomain = rowFields<InventoryRow<"powerDomains">>();
export const PowerDomain: PowerDomainResolvers = {
  ...nodeFields("PowerDomain"),
  datacenterKey: powerDomain.keyOf("datacenter"),
  datacenter: powerDomain.reference("datacenters", "datacenter"),
  racks: children("PowerDomain.racks"),
};

const networkDomain = rowFields<InventoryRow<"networkDomains">>();
export const NetworkDomain: NetworkDomainResolvers = {
  ...nodeFields("NetworkDomain"),
  datacenterKey: networkDomain.keyOf("datacenter"),
  datacenter: networkDomain.reference("datacenters", "datacenter"),
  racks: children("NetworkDomain.racks"),
};

const rack = rowFields<InventoryRow<"racks">>();
export const Rack: RackResolvers = {
  ...nodeFields("Rack"),
  datacenterKey: rack.keyOf("datacenter"),
  datacenter: rack.reference("datacenters", "datacenter"),
  powerDomainKeys: (row) => row.powerDomains ?? [],
  powerDomains: rack.references("powerDomains", "powerDomains"),
  networkDomainKeys: (row) => row.networkDomains ?? [],
  networkDomains: rack.references("networkDomains", "networkDomains"),
  hosts: children("Rack.hosts"),
};

const host = rowFields<InventoryRow<"hosts">>();
export const Host: HostResolvers = {
  ...nodeFields("Host"),
  rackKey: host.keyOf("rack"),
  rack: host.reference("racks", "rack"),
  datacenterKey: host.keyOf("datacenter"),
  // The rack's datacenter when the rack is synced, else the one the host names; neither when
  // they differ (src/domain/topology.ts `hostDatacenter`: the verdicts read it so).
  datacenter: async (row, _, ctx: Context) => {
    const loaders = loadersFor(ctx, row);
    const rack = row.rack ? await loaders.byKey.racks.load(row.rack) : null;
    const key = !rack ? row.datacenter : row.datacenter === null || row.datacenter === rack.datacenter ? rack.datacenter : null;
    return key ? loaders.byKey.datacenters.load(key) : null;
  },
  dedicatedToKey: host.keyOf("dedicatedTo"),
  dedicatedTo: host.reference("tenants", "dedicatedTo"),
  virtualMachines: children("Host.virtualMachines"),
  containers: children("Host.containers"),
};

const virtualMachine = rowFields<InventoryRow<"virtualMachines">>();
export const VirtualMachine: VirtualMachineResolvers = {
  ...nodeFields("VirtualMachine"),
  hostKey: virtualMachine.keyOf("host"),
  host: virtualMachine.reference("hosts", "host"),
  containerKey: virtualMachine.visibleKeyOf("containers", "container"),
  container: virtualMachine.reference("containers", "container"),
  datacenterKey: virtualMachine.keyOf("datacenter"),
  datacenter: virtualMachine.reference("datacenters", "datacenter"),
  tenantKey: virtualMachine.keyOf("tenant"),
  tenant: virtualMachine.reference("tenants", "tenant"),
  workloadKey: virtualMachine.visibleKeyOf("workloads", "workload"),
  workload: virtualMachine.reference("workloads", "workload"),
  containers: children("VirtualMachine.containers"),
};

const container = rowFields<InventoryRow<"containers">>();
export const Container: ContainerResolvers = {
  ...nodeFields("Container"),
  virtualMachineKey: container.visibleKeyOf("virtualMachines", "virtualMachine"),
  virtualMachine: container.reference("virtualMachines", "virtualMachine"),
  hostKey: container.keyOf("host"),
  host: container.reference("hosts", "host"),
  tenantKey: container.keyOf("tenant"),
  tenant: container.reference("tenants", "tenant"),
  workloadKey: container.visibleKeyOf("workloads", "workload"),
  workload: container.reference("workloads", "workload"),
  virtualMachines: children("Container.virtualMachines"),
};

export const Tenant: TenantResolvers = {
  ...nodeFields("Tenant"),
  workloads: children("Tenant.workloads"),
  virtualMachines: children("Tenant.virtualMachines"),
  containers: children("Tenant.containers"),
};

const workload = rowFields<InventoryRow<"workloads">>();
export const Workload: WorkloadResolvers = {
  ...nodeFields("Workload"),
  tenantKey: workload.keyOf("tenant"),
  tenant: workload.reference("tenants", "tenant"),
  // The rules as the sync stored them, validated (validate-snapshot.ts): JSON to Prisma's types.
  antiAffinity: (row) => (Array.isArray(row.antiAffinity) ? (row.antiAffinity as unknown as AntiAffinityRule[]) : []),
  virtualMachines: children("Workload.virtualMachines"),
  containers: children("Workload.containers"),
};
