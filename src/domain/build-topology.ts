import type { IsolationLevel } from "./scale.ts";
import type { AntiAffinityRule, ContainerNode, DatacenterNode, HostNode, RackNode, TenantNode, Topology, VirtualMachineNode, WorkloadNode } from "./topology.ts";

/*
 * Builds a Topology from plain records, as the database rows or a validated snapshot give
 * them (`id` or `key`, optional fields absent or null).
 */
type Keyed = { key?: string; id?: string; source?: string | null; sources?: readonly string[] | null };
type Rec<T> = Keyed & Partial<Omit<T, "key" | "source">>;

export interface TopologyInput {
  datacenters?: Rec<DatacenterNode>[];
  racks?: Rec<RackNode>[];
  hosts?: Rec<HostNode>[];
  virtualMachines?: Rec<VirtualMachineNode>[];
  containers?: Rec<ContainerNode>[];
  tenants?: Rec<TenantNode>[];
  workloads?: (Keyed & {
    tenant?: string;
    minimumIsolation?: IsolationLevel | null;
    antiAffinity?: readonly AntiAffinityRule[] | null;
    minHealthyReplicas?: number | null;
  })[];
}

export function buildTopology(input: TopologyInput): Topology {
  const steps = buildTopologySteps(input);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** Records converted between two yields: a few hundred microseconds of work. */
const RECORDS_PER_STEP = 256;

/** The same in steps, yielding every few hundred records, so a service loading a large fleet keeps answering. */
export function* buildTopologySteps(input: TopologyInput): Generator<void, Topology> {
  const workloadTenant = new Map((input.workloads ?? []).map((w) => [keyOf(w), w.tenant]));
  const unit = unitNodes(
    ownWorkload((workload) => workloadTenant.get(workload)),
    interner(),
  );
  return {
    datacenters: yield* map(input.datacenters, nodeOf.datacenters),
    racks: yield* map(input.racks, nodeOf.racks),
    hosts: yield* map(input.hosts, nodeOf.hosts),
    virtualMachines: yield* map(input.virtualMachines, unit.virtualMachines),
    containers: yield* map(input.containers, unit.containers),
    tenants: yield* map(input.tenants, nodeOf.tenants),
    workloads: yield* map(input.workloads, nodeOf.workloads),
  };
}

type Input<K extends keyof TopologyInput> = Required<NonNullable<TopologyInput[K]>[number]>;

/**
 * Each record made a node, for what needs no other record: the loader's and the per-sync
 * patch's one way of reading a row (src/domain/patch-topology.ts).
 */
export const nodeOf = {
  datacenters: (r: Input<"datacenters">): DatacenterNode => ({
    key: keyOf(r),
    sources: r.sources ?? [src(r)],
    region: r.region ?? null,
    hazardZones: r.hazardZones ?? [],
    planet: r.planet ?? "earth",
  }),
  racks: (r: Input<"racks">): RackNode => ({
    key: keyOf(r),
    source: src(r),
    datacenter: r.datacenter,
    powerDomains: r.powerDomains ?? [],
    networkDomains: r.networkDomains ?? [],
  }),
  hosts: (r: Input<"hosts">): HostNode => ({
    key: keyOf(r),
    source: src(r),
    rack: r.rack ?? null,
    datacenter: r.datacenter ?? null,
    dedicatedTo: r.dedicatedTo ?? null,
    placementGroup: r.placementGroup ?? null,
  }),
  tenants: (r: Input<"tenants">): TenantNode => ({ key: keyOf(r), source: src(r), organization: r.organization, name: r.name ?? null }),
  workloads: (r: Input<"workloads">): WorkloadNode => ({
    key: keyOf(r),
    source: src(r),
    tenant: r.tenant,
    minimumIsolation: r.minimumIsolation ?? null,
    antiAffinity: (r.antiAffinity ?? []).map((rule: AntiAffinityRule) => ({ ...rule, mode: rule.mode ?? "HARD" })),
    minHealthyReplicas: r.minHealthyReplicas ?? null,
  }),
};

const keyOf = (r: Keyed) => (r.key ?? r.id) as string;
const src = (r: Keyed) => r.source ?? "";

/**
 * The records by key, each made a node. The records were validated before they got here (a
 * snapshot) or are database rows, so every field the node needs is present: Required says so.
 */
function* map<T extends { key: string }, R extends Keyed>(records: readonly R[] | undefined, node: (r: Required<R>) => T): Generator<void, Map<string, T>> {
  const nodes = new Map<string, T>();
  const all = records ?? [];
  for (let i = 0; i < all.length; i++) {
    if (i % RECORDS_PER_STEP === RECORDS_PER_STEP - 1) yield;
    nodes.set(keyOf(all[i]), node(all[i] as Required<R>));
  }
  return nodes;
}

/**
 * A unit belongs to a workload only when the workload is of the unit's own tenant. A unit
 * that names another tenant's workload is no replica of it: it does not count in its
 * verdicts, replicas, anti-affinity or what-ifs (the sync warns about it). Otherwise anyone
 * who can sync a unit could add replicas to someone else's workload, or learn where that
 * workload's failure domains are. A workload no source has synced yet has no tenant to
 * check: the unit keeps naming it, and the rule applies once it is synced.
 */
export function ownWorkload(workloadTenant: (workload: string) => string | undefined) {
  return (r: { workload?: string | null; tenant?: string }) => {
    const workload = r.workload ?? null;
    if (workload === null) return null;
    const tenant = workloadTenant(workload);
    return tenant !== undefined && tenant !== r.tenant ? null : workload;
  };
}

/** The compute units (virtual machines and containers) made nodes, their workload checked by `workloadOf`. */
export function unitNodes(workloadOf: ReturnType<typeof ownWorkload>, intern: (text: string) => string = (text) => text) {
  const internOrNull = (text: string | null) => (text === null ? null : intern(text));
  return {
    virtualMachines: (r: Input<"virtualMachines">): VirtualMachineNode => ({
      key: keyOf(r),
      source: intern(src(r)),
      tenant: intern(r.tenant),
      workload: internOrNull(workloadOf(r)),
      dedicated: r.dedicated ?? false,
      host: r.host ?? null,
      container: r.container ?? null,
      datacenter: r.datacenter ?? null,
    }),
    containers: (r: Input<"containers">): ContainerNode => ({
      key: keyOf(r),
      source: intern(src(r)),
      runtime: intern(r.runtime ?? "runc"),
      privileged: r.privileged ?? false,
      nodeFiles: r.nodeFiles ?? false,
      tenant: intern(r.tenant),
      workload: internOrNull(workloadOf(r)),
      virtualMachine: r.virtualMachine ?? null,
      host: r.host ?? null,
    }),
  };
}

/**
 * One string for each distinct value: a fleet's units name a few thousand tenants and workloads
 * and a few sources, and as one string each they are compared by identity in every map the
 * indexes fill, and stay in the cache (as a string per row, a lookup cost two cache misses).
 */
function interner(): (text: string) => string {
  const strings = new Map<string, string>();
  return (text) => {
    const known = strings.get(text);
    if (known !== undefined) return known;
    strings.set(text, text);
    return text;
  };
}
