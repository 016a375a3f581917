/*
 * What the verdict page asks for: the verdict, and each side's units with their way up the
 * scale (container → VM → host → rack → PDU and switch → datacenter → hazard zone → planet).
 */
export const VERDICT_QUERY = `
fragment Dc on Datacenter { key region hazardZones planet }
fragment Place on Host { key rack { key powerDomainKeys networkDomainKeys datacenter { ...Dc } } datacenter { ...Dc } }
fragment Vm on VirtualMachine { key host { ...Place } datacenter { ...Dc } }
fragment Units on ContainerConnection { totalCount nodes { key runtime virtualMachine { ...Vm } host { ...Place } } }
query Verdict($workload: String!, $tenant: String!, $first: Int!) {
  viewer { role }
  isolation(workload: $workload, tenant: $tenant) {
    outcome required actual possible explanation workloadKey tenantKey relationship pairCount inventoryAsOf
    evidence(limit: 20) {
      actual possible
      unit { __typename key }
      otherUnit { __typename key }
      shared { kind key description }
    }
  }
  workload(key: $workload) {
    key tenantKey
    containers(first: $first) { ...Units }
    virtualMachines(first: $first) { totalCount nodes { ...Vm } }
  }
  tenant(key: $tenant) {
    key name
    containers(first: $first) { ...Units }
    virtualMachines(first: $first) { totalCount nodes { ...Vm } }
  }
}`;

/** How many units of each kind a tree draws; the page says when a side has more. */
export const UNITS_DRAWN = 100;

export interface Dc {
  key: string;
  region: string | null;
  hazardZones: string[];
  planet: string;
}
export interface HostPlace {
  key: string;
  rack: { key: string; powerDomainKeys: string[]; networkDomainKeys: string[]; datacenter: Dc | null } | null;
  datacenter: Dc | null;
}
export interface VmPlace {
  key: string;
  host: HostPlace | null;
  datacenter: Dc | null;
}
export interface ContainerPlace {
  key: string;
  runtime: string;
  virtualMachine: VmPlace | null;
  host: HostPlace | null;
}
export interface UnitsOf {
  key: string;
  containers: { totalCount: number; nodes: ContainerPlace[] };
  virtualMachines: { totalCount: number; nodes: VmPlace[] };
}
export interface Evidence {
  actual: string;
  possible: string;
  unit: { __typename: string; key: string };
  otherUnit: { __typename: string; key: string } | null;
  shared: { kind: string; key: string | null; description: string };
}
export interface Verdict {
  outcome: string;
  required: string;
  actual: string;
  possible: string;
  explanation: string;
  workloadKey: string;
  tenantKey: string;
  relationship: string;
  pairCount: number | null;
  inventoryAsOf: string | null;
  evidence: Evidence[];
}
export interface VerdictData {
  viewer: { role: string };
  isolation: Verdict;
  workload: (UnitsOf & { tenantKey: string }) | null;
  tenant: (UnitsOf & { name: string | null }) | null;
}
