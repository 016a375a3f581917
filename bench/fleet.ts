/*
 * A deterministic fleet generator for benchmarks: the same size and seed always give the same
 * snapshot. S ≈ 1k hosts / 10k VMs / 50k containers / 500 tenants / 5k workloads; M is 5× S;
 * L is 20× S (1,000,000 containers).
 *
 * The mix is meant to look like a real estate: on-premises datacenters in regions that share
 * hazard zones, racks with PDUs (some racks on two) and top-of-rack switches, a few hosts whose
 * rack is not known and a few dedicated to a tenant; cloud zones with hidden hosts (10 % of the
 * VMs, some of them dedicated); KubeVirt VMs inside pods; containers mostly in VMs, some on bare
 * metal, with a spread of runtimes, some of them another workload's sidecar. Each tenant lives
 * in a home pair of datacenters and a home cloud region, as teams do. 30 % of the workloads set
 * a minimumIsolation from VIRTUAL_MACHINE to DATACENTER; half have an anti-affinity rule, at
 * every level.
 */
export interface FleetSize {
  name: string;
  hosts: number;
  vms: number;
  containers: number;
  tenants: number;
  workloads: number;
}

export const FLEET_SIZES: Record<string, FleetSize> = {
  S: { name: "S", hosts: 1_000, vms: 10_000, containers: 50_000, tenants: 500, workloads: 5_000 },
  M: { name: "M", hosts: 5_000, vms: 50_000, containers: 250_000, tenants: 2_500, workloads: 25_000 },
  L: { name: "L", hosts: 20_000, vms: 200_000, containers: 1_000_000, tenants: 10_000, workloads: 100_000 },
};

/** mulberry32: a small seeded PRNG, so fleets are reproducible. */
export function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RUNTIMES = ["runc", "runc", "runc", "runc", "crun", "gvisor", "kata"];
const AFFINITY_LEVELS = ["HOST", "RACK", "POWER_DOMAIN", "NETWORK_DOMAIN", "DATACENTER", "HAZARD_ZONE", "PLANET"];
const MINIMUMS = ["VIRTUAL_MACHINE", "HOST", "RACK", "DATACENTER"];

function places(size: FleetSize, rnd: () => number) {
  const onPremDcs = Math.max(2, Math.round(size.hosts / 125));
  const cloudZones = Math.max(3, Math.round(size.hosts / 100));
  // Neighbouring datacenters share a weather zone (pairs) and a seismic zone (groups of eight).
  const onPrem = Array.from({ length: onPremDcs }, (_, i) => ({
    id: `dc-${i}`,
    region: `region-${Math.floor(i / 4)}`,
    provider: "onprem",
    hazardZones: [`seismic:${Math.floor(i / 8)}`, `weather:${Math.floor(i / 2)}`],
  }));
  // Cloud zones: three per region, no hazard zones given (so one region is one hazard).
  const cloud = Array.from({ length: cloudZones }, (_, i) => ({ id: `az-${i}`, region: `cloud-${Math.floor(i / 3)}`, provider: "cloud" }));
  const powerDomains = onPrem.flatMap((dc) => [0, 1, 2, 3].map((p) => ({ id: `${dc.id}-pdu-${p}`, datacenter: dc.id })));
  // Rounded down: the hosts (20 a rack, wrapping round) then fill every rack, so every
  // datacenter has hosts (rounded up, the last datacenters of M and L had none, and their
  // tenants' VMs no place at all).
  const racksPerDc = Math.max(1, Math.floor(size.hosts / 20 / onPremDcs));
  const racks = onPrem.flatMap((dc) =>
    Array.from({ length: racksPerDc }, (_, r) => ({
      id: `${dc.id}-r${String(r).padStart(3, "0")}`,
      datacenter: dc.id,
      powerDomains: [...new Set([`${dc.id}-pdu-${r % 4}`, `${dc.id}-pdu-${(r + Math.floor(rnd() * 2)) % 4}`])],
      networkDomains: [`${dc.id}-tor-${r}`],
    })),
  );
  const networkDomains = racks.map((r) => ({ id: r.networkDomains[0], datacenter: r.datacenter }));
  return { onPrem, cloud, datacenters: [...onPrem, ...cloud], powerDomains, networkDomains, racks };
}

export function generateFleet(size: FleetSize, seed = 42, source = "bench-fleet") {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)];
  const { onPrem, cloud, datacenters, powerDomains, networkDomains, racks } = places(size, rnd);
  const organizations = Math.max(1, Math.round(size.tenants / 5));
  const tenants = Array.from({ length: size.tenants }, (_, i) => ({ id: `tenant-${i}`, organization: `org-${i % organizations}` }));
  // Hosts: 20 per rack; every 20th knows only its datacenter; 2 % are dedicated to a tenant.
  const hostsByDc = new Map<string, string[]>(onPrem.map((dc) => [dc.id, []]));
  const hosts = Array.from({ length: size.hosts }, (_, i) => {
    const rack = racks[Math.floor(i / 20) % racks.length];
    const host: { id: string; rack?: string; datacenter?: string; dedicatedTo?: string } = i % 20 === 19 ? { id: `host-${i}`, datacenter: rack.datacenter } : { id: `host-${i}`, rack: rack.id };
    if (rnd() < 0.02) host.dedicatedTo = pick(tenants).id;
    hostsByDc.get(rack.datacenter)!.push(host.id);
    return host;
  });
  const dedicatedTo = new Map(hosts.filter((h) => h.dedicatedTo).map((h) => [h.id, h.dedicatedTo!]));
  // Each tenant's home: two neighbouring datacenters and one cloud region.
  const pairs = Math.floor(onPrem.length / 2);
  const cloudRegions = Math.floor(cloud.length / 3);
  const home = tenants.map((_, t) => {
    const pair = (t % pairs) * 2;
    const region = (t % cloudRegions) * 3;
    return { dcs: [onPrem[pair].id, onPrem[pair + 1].id], zones: cloud.slice(region, region + 3).map((z) => z.id) };
  });
  const workloads = Array.from({ length: size.workloads }, (_, i) => ({
    id: `workload-${i}`,
    tenant: tenants[i % tenants.length].id,
    ...(rnd() < 0.3 ? { minimumIsolation: pick(MINIMUMS) } : {}),
    antiAffinity: rnd() < 0.5 ? [{ level: pick(AFFINITY_LEVELS), ...(rnd() < 0.3 ? { minDomains: 2 } : {}), ...(rnd() < 0.2 ? { mode: "SOFT" } : {}) }] : [],
  }));
  const tenantIndex = (workload: number) => workload % tenants.length;
  // A host of the tenant's home that is not dedicated to someone else.
  const homeHost = (t: number) => {
    for (let tries = 0; ; tries++) {
      const candidates = hostsByDc.get(pick(home[t].dcs))!;
      if (candidates.length === 0) throw new Error(`fleet ${size.name}: a datacenter without hosts`);
      const host = pick(candidates);
      const owner = dedicatedTo.get(host);
      if (owner === undefined || owner === tenants[t].id || tries > 20) return host;
    }
  };
  const kubeVirtFrom = Math.floor(size.vms * 0.99);
  const virtualMachines: Record<string, unknown>[] = Array.from({ length: kubeVirtFrom }, (_, i) => {
    const w = Math.floor(rnd() * workloads.length);
    const t = tenantIndex(w);
    const inCloud = rnd() < 0.1;
    const placement = inCloud ? { datacenter: pick(home[t].zones), dedicated: rnd() < 0.05 } : { host: homeHost(t) };
    return { id: `vm-${i}`, ...placement, tenant: tenants[t].id, workload: workloads[w].id };
  });
  const containers = Array.from({ length: size.containers }, (_, i) => {
    const vm = virtualMachines[Math.floor(rnd() * virtualMachines.length)] as { id: string; tenant: string; workload: string };
    const t = Number(vm.tenant.slice("tenant-".length));
    // Mostly the VM's own workload; some another workload of the same tenant (a shared node pool).
    const workload = rnd() < 0.1 ? workloads[(t + tenants.length * Math.floor(rnd() * (workloads.length / tenants.length))) % workloads.length].id : vm.workload;
    const placement = rnd() < 0.05 ? { host: homeHost(t) } : { virtualMachine: vm.id };
    return { id: `ct-${i}`, ...placement, runtime: pick(RUNTIMES), tenant: vm.tenant, workload };
  });
  // KubeVirt: the last 1 % of the VMs run inside a pod of their own tenant.
  for (let i = kubeVirtFrom; i < size.vms; i++) {
    const pod = containers[Math.floor(rnd() * containers.length)];
    virtualMachines.push({ id: `vm-${i}`, container: pod.id, tenant: pod.tenant, workload: pod.workload });
  }
  return { source, complete: true, datacenters, powerDomains, networkDomains, racks, hosts, tenants, workloads, virtualMachines, containers };
}

export type Fleet = ReturnType<typeof generateFleet>;

/** The same fleet with `fraction` of its VMs moved to another host of their datacenter and containers' runtimes changed. */
export function changeFleet(fleet: Fleet, fraction: number, seed = 7): Fleet {
  const rnd = random(seed);
  const changed = structuredClone(fleet);
  const hostsOfRack = new Map<string, string[]>();
  for (const host of changed.hosts) if (host.rack) hostsOfRack.set(host.rack, [...(hostsOfRack.get(host.rack) ?? []), host.id]);
  const rackOf = new Map(changed.hosts.map((h) => [h.id, h.rack]));
  for (const vm of changed.virtualMachines as { host?: string }[]) {
    const rack = vm.host ? rackOf.get(vm.host) : undefined;
    if (rack && rnd() < fraction) {
      const choices = hostsOfRack.get(rack)!;
      vm.host = choices[Math.floor(rnd() * choices.length)];
    }
  }
  for (const ct of changed.containers) {
    if (rnd() < fraction) ct.runtime = ct.runtime === "gvisor" ? "runc" : "gvisor";
  }
  return changed;
}

export function rowCount(fleet: Fleet): number {
  return fleet.datacenters.length + fleet.powerDomains.length + fleet.networkDomains.length + fleet.racks.length + fleet.hosts.length + fleet.tenants.length + fleet.workloads.length + fleet.virtualMachines.length + fleet.containers.length;
}
