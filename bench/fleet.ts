/**
 * A deterministic fleet generator for benchmarks: the same size and seed always give the same
 * snapshot. Size S ≈ 1k hosts / 10k VMs / 50k containers / 500 tenants / 5k workloads; M is
 * 5× S. A realistic mix: on-premises datacenters with racks, PDUs and switches, cloud zones
 * with hidden hosts, containers mostly in VMs with a spread of runtimes.
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
const LEVELS = ["HOST", "RACK", "POWER_DOMAIN", "DATACENTER", "HAZARD_ZONE"];

export function generateFleet(size: FleetSize, seed = 42, source = "bench-fleet") {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)];
  const onPremDcs = Math.max(2, Math.round(size.hosts / 125));
  const cloudZones = Math.max(3, Math.round(size.hosts / 100));
  const datacenters = [
    ...Array.from({ length: onPremDcs }, (_, i) => ({
      id: `dc-${i}`,
      region: `region-${i % 4}`,
      provider: "onprem",
      hazardZones: [`seismic:${i % 3}`, `weather:${i % 5}`],
    })),
    ...Array.from({ length: cloudZones }, (_, i) => ({ id: `az-${i}`, region: `cloud-${Math.floor(i / 3)}`, provider: "cloud" })),
  ];
  const powerDomains = datacenters.slice(0, onPremDcs).flatMap((dc) => [0, 1, 2, 3].map((p) => ({ id: `${dc.id}-pdu-${p}`, datacenter: dc.id })));
  const racksPerDc = Math.ceil(size.hosts / 20 / onPremDcs);
  const racks = datacenters.slice(0, onPremDcs).flatMap((dc) =>
    Array.from({ length: racksPerDc }, (_, r) => ({
      id: `${dc.id}-r${String(r).padStart(3, "0")}`,
      datacenter: dc.id,
      powerDomains: [...new Set([`${dc.id}-pdu-${r % 4}`, `${dc.id}-pdu-${(r + Math.floor(rnd() * 2)) % 4}`])],
      networkDomains: [`${dc.id}-tor-${r}`],
    })),
  );
  const networkDomains = racks.map((r) => ({ id: r.networkDomains[0], datacenter: r.datacenter }));
  const hosts = Array.from({ length: size.hosts }, (_, i) =>
    i % 20 === 19
      ? { id: `host-${i}`, datacenter: pick(datacenters.slice(0, onPremDcs)).id }
      : { id: `host-${i}`, rack: racks[Math.floor(i / 20) % racks.length].id },
  );
  const organizations = Math.max(1, Math.round(size.tenants / 5));
  const tenants = Array.from({ length: size.tenants }, (_, i) => ({ id: `tenant-${i}`, organization: `org-${i % organizations}` }));
  const workloads = Array.from({ length: size.workloads }, (_, i) => ({
    id: `workload-${i}`,
    tenant: tenants[i % tenants.length].id,
    ...(rnd() < 0.3 ? { minimumIsolation: pick(["CONTAINER", "VIRTUAL_MACHINE", "HOST"]) } : {}),
    antiAffinity: rnd() < 0.5 ? [{ level: pick(LEVELS), ...(rnd() < 0.3 ? { minDomains: 2 } : {}) }] : [],
  }));
  const virtualMachines = Array.from({ length: size.vms }, (_, i) => {
    const workload = workloads[Math.floor(rnd() * workloads.length)];
    const placement = rnd() < 0.7 ? { host: hosts[Math.floor(rnd() * hosts.length)].id } : { datacenter: `az-${Math.floor(rnd() * cloudZones)}` };
    return { id: `vm-${i}`, ...placement, tenant: workload.tenant, workload: workload.id, dedicated: rnd() < 0.05 };
  });
  const containers = Array.from({ length: size.containers }, (_, i) => {
    const vm = virtualMachines[Math.floor(rnd() * virtualMachines.length)];
    return { id: `ct-${i}`, virtualMachine: vm.id, runtime: pick(RUNTIMES), tenant: vm.tenant, workload: vm.workload };
  });
  return { source, complete: true, datacenters, powerDomains, networkDomains, racks, hosts, tenants, workloads, virtualMachines, containers };
}

export type Fleet = ReturnType<typeof generateFleet>;

/** The same fleet with `fraction` of its VMs moved and containers' runtimes changed. */
export function changeFleet(fleet: Fleet, fraction: number, seed = 7): Fleet {
  const rnd = random(seed);
  const changed = structuredClone(fleet);
  for (const vm of changed.virtualMachines) {
    if (rnd() < fraction && "host" in vm) vm.host = changed.hosts[Math.floor(rnd() * changed.hosts.length)].id;
  }
  for (const ct of changed.containers) {
    if (rnd() < fraction) ct.runtime = ct.runtime === "gvisor" ? "runc" : "gvisor";
  }
  return changed;
}

export function rowCount(fleet: Fleet): number {
  return fleet.datacenters.length + fleet.powerDomains.length + fleet.networkDomains.length + fleet.racks.length + fleet.hosts.length +
    fleet.tenants.length + fleet.workloads.length + fleet.virtualMachines.length + fleet.containers.length;
}
