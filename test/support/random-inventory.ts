import type { TopologyInput } from "../../src/domain/build-topology.ts";

/** Random small inventories for property tests: seeded, so a failing seed replays. */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Options {
  /** Everything placed, nothing dangling, no hidden hosts. */
  known: boolean;
  dedication: boolean;
  /**
   * Tenant t1 is a platform: some of its VMs are dedicated nodes, some hosts are dedicated to
   * it, and other tenants' containers run in them (hidden hosts too): dedication is about the
   * units on the host, not about whose containers run inside them.
   */
  platform?: boolean;
  /**
   * Some dedicated hosts, and some hosts of dedicated VMs, also hold a VM or a container of
   * another tenant directly: the data contradicts the dedication, which then rules nothing out.
   */
  contradictions?: boolean;
  /** Some hosts are slots of placement groups g1, g2 (never when `known`). */
  placementGroups?: boolean;
  /** Some tenants have no tenant record, so no organization is known for them. */
  unlistedTenants?: boolean;
  /** Larger fleets: this many hosts (else 1 to 5) and this many units (else 3 to 12). */
  hosts?: number;
  units?: number;
}

/** A random inventory; units only ever sit in units made before them, so there is no cycle. */
export function randomInventory(seed: number, o: Options): TopologyInput {
  const r = rng(seed);
  // Privilege is drawn from a stream of its own, so every other draw (and each seed's fleet) stays as it was.
  const privileged = rng(seed ^ 0x5bd1e995);
  // The node's files (a hostPath volume) too: a stream of their own, for the same reason.
  const nodeFiles = rng(seed ^ 0x27d4eb2f);
  // So is a datacenter named beside a synced rack: the rack's, or another (a host in one of two places).
  const named = rng(seed ^ 0x165667b1);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const chance = (p: number) => r() < p;
  // Each of `names` with chance 0.3; at least one when `atLeastOne`.
  const someOf = (names: string[], atLeastOne = false) => {
    const some = names.filter(() => chance(0.3));
    return atLeastOne && some.length === 0 ? [pick(names)] : some;
  };
  const zones = ["z1", "z2", "z3"];
  const datacenters = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, i) => {
    const region = pick(["ra", "rb", null]);
    const hazardZones = zones.filter(() => chance(0.3));
    // Unknown zones (rule 3): none listed, and a region missing or shared with one that lists
    // some. Known: regions always, and those that list none never share one with those that do.
    const knownRegion = hazardZones.length > 0 ? (region ?? "ra") : region === "rb" ? "rd" : "rc";
    return { id: `dc${i}`, region: o.known ? knownRegion : region, hazardZones, planet: chance(0.15) ? "moon" : "earth" };
  });
  const racks = Array.from({ length: 1 + Math.floor(r() * 5) }, (_, i) => ({
    id: `r${i}`,
    datacenter: o.known || chance(0.9) ? pick(datacenters).id : "dc-dangling-2",
    // A rack listing no domain of a kind has it unknown (separation.ts `rackDomainsListed`): a known fleet lists one at least.
    powerDomains: someOf(["p1", "p2", "p3", "p4"], o.known),
    networkDomains: someOf(["n1", "n2", "n3", "n4"], o.known),
  }));
  const tenants = ["t1", "t2", "t3"];
  const hosts = Array.from({ length: o.hosts ?? 1 + Math.floor(r() * 5) }, (_, i) => {
    const h: Record<string, unknown> = { id: `h${i}` };
    if (o.known || chance(0.7)) {
      h.rack = o.known || chance(0.9) ? pick(racks).id : "r-dangling";
      // A host on a rack nobody synced may still name its datacenter.
      if (h.rack === "r-dangling" && chance(0.5)) h.datacenter = pick(datacenters).id;
      // Beside a synced rack, unless everything is known: the rack's datacenter, or another one.
      else if (!o.known && h.rack !== "r-dangling" && named() < 0.3) {
        const rackDatacenter = racks.find((rack) => rack.id === h.rack)!.datacenter;
        h.datacenter = named() < 0.4 ? rackDatacenter : [...datacenters.map((d) => d.id), "dc-dangling"][Math.floor(named() * (datacenters.length + 1))];
      }
    } else if (chance(0.5)) h.datacenter = chance(0.8) ? pick(datacenters).id : "dc-dangling";
    if (o.dedication && chance(0.2)) h.dedicatedTo = pick(tenants);
    if (o.platform && chance(0.3)) h.dedicatedTo = "t1";
    if (!o.known && o.placementGroups && chance(0.4)) h.placementGroup = pick(["g1", "g2"]);
    return h;
  });
  const vms: Record<string, unknown>[] = [];
  const containers: Record<string, unknown>[] = [];
  // Without `units`, the bound is drawn again at each turn (as it always was: the seeds replay).
  for (let i = 0; i < (o.units ?? 3 + Math.floor(r() * 10)); i++) {
    const tenant = pick(tenants);
    if (chance(0.4)) {
      const vm: Record<string, unknown> = { id: `v${i}`, tenant, dedicated: o.dedication && chance(0.2) };
      const where = r();
      if (where < 0.15 && containers.length > 0) vm.container = pick(containers).id;
      else if (o.known || where < 0.7)
        vm.host = o.known || chance(0.95) ? pick(hosts).id : i % 2 === 0 ? "h-dangling" : "h-dangling-2"; // two names nobody described (no draw: the seeds replay)
      else if (where < 0.9) vm.datacenter = chance(0.9) ? pick(datacenters).id : "dc-dangling";
      if (o.platform && chance(0.5)) Object.assign(vm, { tenant: "t1", dedicated: chance(0.7) });
      vms.push(vm);
    } else {
      const c: Record<string, unknown> = { id: `c${i}`, tenant, runtime: pick(["runc", "crun", "gvisor", "kata"]) };
      if (privileged() < 0.25) c.privileged = true;
      if (nodeFiles() < 0.2) c.nodeFiles = true;
      const where = r();
      // On a platform, most containers run in its nodes (t1's VMs), whoever they belong to.
      const nodes = o.platform && chance(0.6) ? vms.filter((vm) => vm.tenant === "t1") : [];
      if (nodes.length > 0 && where < 0.8) c.virtualMachine = pick(nodes).id;
      else if (vms.length > 0 && where < 0.7) c.virtualMachine = o.known || chance(0.95) ? pick(vms).id : "v-dangling";
      else if (o.known || where < 0.9) c.host = pick(hosts).id;
      containers.push(c);
    }
  }
  const organizations = ["o1", "o1", "o2"];
  const workloads = ["w1", "w2", "w3", "w4"].map((id, i) => ({
    id,
    tenant: tenants[i % tenants.length],
    minimumIsolation: pick([null, null, "CONTAINER", "VIRTUAL_MACHINE", "HOST", "RACK", "DATACENTER", "HAZARD_ZONE", "PLANET"] as const),
  }));
  for (const unit of [...vms, ...containers]) if (chance(0.6)) unit.workload = pick(workloads).id;
  if (o.contradictions) contradict(seed, hosts, vms, containers, tenants, workloads);
  return {
    datacenters,
    racks,
    hosts,
    virtualMachines: vms,
    containers,
    tenants: tenants.map((id, i) => ({ id, organization: organizations[i] })).filter(() => !o.unlistedTenants || chance(0.7)),
    workloads,
  };
}

/**
 * Another tenant's unit directly on about half the reserved machines: a VM (sometimes dedicated
 * itself, sometimes with a container in it) or a container. Drawn from a stream of its own, so
 * the rest of each seed's fleet stays as it was.
 */
function contradict(seed: number, hosts: Record<string, unknown>[], vms: Record<string, unknown>[], containers: Record<string, unknown>[], tenants: string[], workloads: { id: string }[]) {
  const r = rng(seed ^ 0x7feb352d);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const reserved = [
    ...hosts.filter((h) => h.dedicatedTo).map((h) => ({ host: h.id as string, tenant: h.dedicatedTo as string })),
    ...vms.filter((vm) => vm.dedicated && vm.host && !vm.container).map((vm) => ({ host: vm.host as string, tenant: vm.tenant as string })),
  ];
  reserved.forEach(({ host, tenant }, i) => {
    if (r() < 0.5) return;
    const foreign = pick(tenants.filter((t) => t !== tenant));
    const workload = r() < 0.5 ? { workload: pick(workloads).id } : {};
    if (r() < 0.3) {
      containers.push({ id: `cx${i}`, tenant: foreign, runtime: pick(["runc", "gvisor", "kata"]), host, ...workload });
      return;
    }
    vms.push({ id: `vx${i}`, tenant: foreign, host, dedicated: r() < 0.3, ...workload });
    if (r() < 0.5) containers.push({ id: `cy${i}`, tenant: pick(tenants), runtime: "runc", virtualMachine: `vx${i}` });
  });
}
