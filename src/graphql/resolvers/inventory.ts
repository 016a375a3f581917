import { loadersFor } from "../as-of.ts";
import type { Context } from "../context.ts";
import type { InventoryRow } from "../inventory-types.ts";
import { children, describingSources, keyOf, nodeFields, reference, references, visibleKeyOf } from "./inventory-fields.ts";

/**
 * The inventory types of schema.graphql. Thin: each field reads the row or follows a relation
 * through the request's loaders.
 */
export const Datacenter = {
  ...nodeFields("Datacenter"),
  sources: describingSources,
  descriptions: (row: InventoryRow, _: unknown, ctx: Context) => loadersFor(ctx, row).datacenterDescriptions.load(row.key),
  hazardZones: (row: { hazardZones: string[] | null }) => row.hazardZones ?? [],
  racks: children("Datacenter.racks"),
  powerDomains: children("Datacenter.powerDomains"),
  networkDomains: children("Datacenter.networkDomains"),
  hosts: children("Datacenter.hosts"),
  virtualMachines: children("Datacenter.virtualMachines"),
};

export const DatacenterDescription = {
  source: (row: InventoryRow, _: unknown, ctx: Context) => ctx.loaders.sources.load(row.source),
  hazardZones: (row: { hazardZones: string[] | null }) => row.hazardZones ?? [],
};

export const PowerDomain = {
  ...nodeFields("PowerDomain"),
  datacenterKey: keyOf("datacenter"),
  datacenter: reference("datacenters", "datacenter"),
  racks: children("PowerDomain.racks"),
};

export const NetworkDomain = {
  ...nodeFields("NetworkDomain"),
  datacenterKey: keyOf("datacenter"),
  datacenter: reference("datacenters", "datacenter"),
  racks: children("NetworkDomain.racks"),
};

export const Rack = {
  ...nodeFields("Rack"),
  datacenterKey: keyOf("datacenter"),
  datacenter: reference("datacenters", "datacenter"),
  powerDomainKeys: (row: { powerDomains: string[] | null }) => row.powerDomains ?? [],
  powerDomains: references("powerDomains", "powerDomains"),
  networkDomainKeys: (row: { networkDomains: string[] | null }) => row.networkDomains ?? [],
  networkDomains: references("networkDomains", "networkDomains"),
  hosts: children("Rack.hosts"),
};

export const Host = {
  ...nodeFields("Host"),
  rackKey: keyOf("rack"),
  rack: reference("racks", "rack"),
  datacenterKey: keyOf("datacenter"),
  // The rack's datacenter when the rack is synced, else the one the host names.
  datacenter: async (row: { rack: string | null; datacenter: string | null }, _: unknown, ctx: import("../context.ts").Context) => {
    const loaders = loadersFor(ctx, row);
    const rack = row.rack ? await loaders.byKey.racks.load(row.rack) : null;
    const key = (rack?.datacenter as string | undefined) ?? row.datacenter;
    return key ? loaders.byKey.datacenters.load(key) : null;
  },
  dedicatedToKey: keyOf("dedicatedTo"),
  dedicatedTo: reference("tenants", "dedicatedTo"),
  virtualMachines: children("Host.virtualMachines"),
  containers: children("Host.containers"),
};

export const VirtualMachine = {
  ...nodeFields("VirtualMachine"),
  hostKey: keyOf("host"),
  host: reference("hosts", "host"),
  containerKey: visibleKeyOf("containers", "container"),
  container: reference("containers", "container"),
  datacenterKey: keyOf("datacenter"),
  datacenter: reference("datacenters", "datacenter"),
  tenantKey: keyOf("tenant"),
  tenant: reference("tenants", "tenant"),
  workloadKey: visibleKeyOf("workloads", "workload"),
  workload: reference("workloads", "workload"),
  containers: children("VirtualMachine.containers"),
};

export const Container = {
  ...nodeFields("Container"),
  virtualMachineKey: visibleKeyOf("virtualMachines", "virtualMachine"),
  virtualMachine: reference("virtualMachines", "virtualMachine"),
  hostKey: keyOf("host"),
  host: reference("hosts", "host"),
  tenantKey: keyOf("tenant"),
  tenant: reference("tenants", "tenant"),
  workloadKey: visibleKeyOf("workloads", "workload"),
  workload: reference("workloads", "workload"),
  virtualMachines: children("Container.virtualMachines"),
};

export const Tenant = {
  ...nodeFields("Tenant"),
  workloads: children("Tenant.workloads"),
  virtualMachines: children("Tenant.virtualMachines"),
  containers: children("Tenant.containers"),
};

export const Workload = {
  ...nodeFields("Workload"),
  tenantKey: keyOf("tenant"),
  tenant: reference("tenants", "tenant"),
  antiAffinity: (row: { antiAffinity: unknown }) => (Array.isArray(row.antiAffinity) ? row.antiAffinity : []),
  virtualMachines: children("Workload.virtualMachines"),
  containers: children("Workload.containers"),
};
