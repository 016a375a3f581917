import type { AntiAffinityLevel, AntiAffinityMode, IsolationLevel } from "../domain/scale.ts";

/**
 * The snapshot document of docs/snapshots.md, after validation: every
 * collection present (empty when the document left it out) and every default applied.
 */
export interface Snapshot {
  source: string;
  complete: boolean;
  datacenters: DatacenterRecord[];
  powerDomains: DomainRecord[];
  networkDomains: DomainRecord[];
  racks: RackRecord[];
  hosts: HostRecord[];
  tenants: TenantRecord[];
  workloads: WorkloadRecord[];
  virtualMachines: VirtualMachineRecord[];
  containers: ContainerRecord[];
}

export interface DatacenterRecord {
  id: string;
  name: string | null;
  provider: string | null;
  region: string | null;
  hazardZones: string[];
  /** Null when the source does not say: the datacenter is on earth unless a description says otherwise. */
  planet: string | null;
}
export interface DomainRecord {
  id: string;
  datacenter: string;
}
export interface RackRecord {
  id: string;
  datacenter: string;
  powerDomains: string[];
  networkDomains: string[];
}
export interface HostRecord {
  id: string;
  rack: string | null;
  datacenter: string | null;
  dedicatedTo: string | null;
  /** The provider's placement group it is a slot of (docs/separation.md). */
  placementGroup: string | null;
}
export interface TenantRecord {
  id: string;
  name: string | null;
  organization: string;
}
export interface AntiAffinityRule {
  level: AntiAffinityLevel;
  maxPerDomain?: number;
  minDomains?: number;
  /** Kubernetes' maxSkew: replicas in a domain minus the fewest in any eligible domain. */
  maxSkew?: number;
  mode: AntiAffinityMode;
}
export interface WorkloadRecord {
  id: string;
  tenant: string;
  minimumIsolation: IsolationLevel | null;
  antiAffinity: AntiAffinityRule[];
  /** The fewest replicas the owner needs running (the failure what-ifs' quorum). */
  minHealthyReplicas: number | null;
}
export interface VirtualMachineRecord {
  id: string;
  host: string | null;
  container: string | null;
  datacenter: string | null;
  tenant: string;
  workload: string | null;
  dedicated: boolean;
}
export interface ContainerRecord {
  id: string;
  virtualMachine: string | null;
  host: string | null;
  runtime: string;
  tenant: string;
  workload: string | null;
}

/** The inventory kinds, in the order the snapshot lists them; also the sync's write order. */
export const INVENTORY_KINDS = [
  "datacenters",
  "powerDomains",
  "networkDomains",
  "racks",
  "hosts",
  "tenants",
  "workloads",
  "virtualMachines",
  "containers",
] as const;
export type InventoryKind = (typeof INVENTORY_KINDS)[number];

/** A problem with a snapshot, at a JSON path such as ["hosts", "3", "rack"]. */
export interface SnapshotProblem {
  path: string[];
  message: string;
}
