import type { Fleet, Rec } from "./patched-fleet.ts";

/**
 * What the property tests' mutators make their changes with (test/domain/patch-report.test.ts,
 * carried-places.test.ts, overtaken-warm-ups.test.ts): random picks over the fleet as it is
 * now, ghosts and dangling ids among them, new keys, a unit placed anew (a VM on a host, in a
 * datacenter or in a pod; a container in a VM or on a host, never in a cycle), and another
 * tenant's unit put on a reserved machine.
 */
export function mutationKit(fleet: Fleet, r: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const chance = (p: number) => r() < p;
  const ids = (kind: keyof Fleet) => fleet[kind].map((o) => o.id);
  const placeVm = (vm: Rec) => {
    for (const k of ["host", "datacenter", "container"]) delete vm[k];
    const where = r();
    if (where < 0.6) vm.host = chance(0.9) ? pick(ids("hosts")) : "h-dangling";
    else if (where < 0.85) vm.datacenter = chance(0.9) ? pick(ids("datacenters")) : "dc-dangling";
    else if (where < 0.95) {
      const pods = fleet.containers.filter((c) => c.host);
      if (pods.length > 0) vm.container = pick(pods).id;
    }
    return vm;
  };
  const placeContainer = (c: Rec) => {
    delete c.host;
    delete c.virtualMachine;
    const vms = fleet.virtualMachines.filter((v) => !v.container);
    if (vms.length > 0 && chance(0.7)) c.virtualMachine = pick(vms).id;
    else c.host = pick(ids("hosts"));
    // A VM inside it would make a cycle once it sits in a VM.
    if (c.virtualMachine) for (const vm of fleet.virtualMachines) if (vm.container === c.id) placeVm(vm);
    return c;
  };
  let serial = 0;
  const newKey = (prefix: string) => `${prefix}${serial++}`;
  const workload = () => (chance(0.3) ? null : pick([...ids("workloads"), "w-ghost"]));
  // Another tenant's VM or container directly on a reserved machine (a dedicated host, a dedicated VM's host): the data contradicts the dedication.
  const intrude = () => {
    const reserved = [...fleet.hosts.filter((h) => h.dedicatedTo).map((h) => [h.id, h.dedicatedTo]), ...fleet.virtualMachines.filter((v) => v.dedicated && v.host && !v.container).map((v) => [v.host, v.tenant])];
    if (reserved.length === 0) return;
    const [host, owner] = pick(reserved);
    const other = pick([...ids("tenants").filter((t) => t !== owner), "t-ghost"]);
    if (chance(0.7)) fleet.virtualMachines.push({ id: newKey("v-new"), tenant: other, workload: workload(), host, dedicated: chance(0.2) });
    else fleet.containers.push({ id: newKey("c-new"), tenant: other, workload: workload(), runtime: "runc", host });
  };
  return {
    pick,
    newKey,
    intrude,
    chance,
    ids,
    tenant: () => (chance(0.05) ? "t-ghost" : pick(ids("tenants"))),
    workload,
    placeVm,
    placeContainer,
    remove: (kind: keyof Fleet) => fleet[kind].length > 1 && fleet[kind].splice(Math.floor(r() * fleet[kind].length), 1),
    unit: () => pick([...fleet.virtualMachines, ...fleet.containers]),
    /** Keeps the first record of each id, per kind: a mutation may add a key that is there already. */
    uniqueKeys: () => {
      for (const part of Object.keys(fleet) as (keyof Fleet)[]) {
        const seen = new Set<string>();
        fleet[part] = fleet[part].filter((o) => !seen.has(o.id) && seen.add(o.id));
      }
    },
  };
}
