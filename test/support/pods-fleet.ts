import type { Fleet, Rec } from "./patched-fleet.ts";

/**
 * One rack of three hosts, six VMs and 24 pods of three tenants and four workloads, and `pod()`
 * to make the next pod (a new key each time): the fleet the tests of pods replaced sync after
 * sync start from (test/domain/carried-places.test.ts, overtaken-warm-ups.test.ts).
 */
export function podsFleet(): { fleet: Fleet; pod: () => Rec } {
  let serial = 0;
  const pod = () => ({ id: `pod-${serial}`, tenant: `t${serial % 3}`, workload: `w${serial % 4}`, runtime: "runc", virtualMachine: `v${serial++ % 6}` });
  const fleet: Fleet = {
    datacenters: [{ id: "dc0", planet: "earth", hazardZones: ["z1"] }],
    racks: [{ id: "r0", datacenter: "dc0", powerDomains: ["p1"], networkDomains: ["n1"] }],
    hosts: [0, 1, 2].map((i) => ({ id: `h${i}`, rack: "r0" })),
    virtualMachines: Array.from({ length: 6 }, (_, i) => ({ id: `v${i}`, tenant: `t${i % 3}`, host: `h${i % 3}` })),
    containers: Array.from({ length: 24 }, pod),
    tenants: [0, 1, 2].map((i) => ({ id: `t${i}`, organization: `o${i}` })),
    workloads: [0, 1, 2, 3].map((i) => ({ id: `w${i}`, tenant: `t${i % 3}` })),
  };
  return { fleet, pod };
}
