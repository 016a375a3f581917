/** Small snapshots for tests, built from the contract's example. */
export function campusSnapshot(overrides: Record<string, unknown> = {}) {
  return {
    source: "dcim-ams",
    complete: true,
    datacenters: [{ id: "ams1", region: "eu-west", hazardZones: ["seismic:nl", "weather:north-sea"] }],
    powerDomains: [{ id: "ams1-pdu-a", datacenter: "ams1" }],
    networkDomains: [{ id: "ams1-tor-1", datacenter: "ams1" }],
    racks: [{ id: "ams1-r01", datacenter: "ams1", powerDomains: ["ams1-pdu-a"], networkDomains: ["ams1-tor-1"] }],
    hosts: [{ id: "h-001", rack: "ams1-r01" }],
    tenants: [{ id: "biology", organization: "university" }],
    workloads: [{ id: "genome-pipeline", tenant: "biology", antiAffinity: [{ level: "RACK" }] }],
    virtualMachines: [{ id: "vm-1", host: "h-001", tenant: "biology", workload: "genome-pipeline" }],
    containers: [{ id: "c-1", virtualMachine: "vm-1", runtime: "runc", tenant: "biology" }],
    ...overrides,
  };
}

/** A fleet of `hosts` hosts in racks of 20, each host with `vmsPerHost` VMs of `containersPerVm` containers. */
export function fleetSnapshot(source: string, hosts: number, vmsPerHost = 1, containersPerVm = 1, prefix = "") {
  const racks = Math.max(1, Math.ceil(hosts / 20));
  const snapshot = {
    source,
    complete: true,
    datacenters: [{ id: `${prefix}dc`, region: "r" }],
    racks: Array.from({ length: racks }, (_, i) => ({ id: `${prefix}rack-${i}`, datacenter: `${prefix}dc` })),
    hosts: Array.from({ length: hosts }, (_, i) => ({ id: `${prefix}host-${String(i).padStart(6, "0")}`, rack: `${prefix}rack-${Math.floor(i / 20)}` })),
    tenants: [{ id: `${prefix}tenant`, organization: "org" }],
    virtualMachines: [] as Record<string, unknown>[],
    containers: [] as Record<string, unknown>[],
  };
  for (let h = 0; h < hosts; h++) {
    for (let v = 0; v < vmsPerHost; v++) {
      const vm = `${prefix}vm-${h}-${v}`;
      snapshot.virtualMachines.push({ id: vm, host: snapshot.hosts[h].id, tenant: `${prefix}tenant` });
      for (let c = 0; c < containersPerVm; c++) snapshot.containers.push({ id: `${prefix}ct-${h}-${v}-${c}`, virtualMachine: vm, tenant: `${prefix}tenant` });
    }
  }
  return snapshot;
}
