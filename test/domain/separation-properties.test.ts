import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildTopology, type TopologyInput } from "../../src/domain/build-topology.ts";
import { rank, type IsolationLevel } from "../../src/domain/scale.ts";
import { separation } from "../../src/domain/separation.ts";
import type { Topology, UnitRef } from "../../src/domain/topology.ts";
import { randomInventory } from "../support/random-inventory.ts";

/*
 * Property tests of the separation rules on random inventories, and a deliberately naive
 * model of the rules for fully known inventories, written apart from src/domain.
 */

function units(t: Topology): UnitRef[] {
  return [
    ...[...t.containers.keys()].map((key) => ({ kind: "container" as const, key })),
    ...[...t.virtualMachines.keys()].map((key) => ({ kind: "virtualMachine" as const, key })),
    ...[...t.hosts.keys()].map((key) => ({ kind: "host" as const, key })),
  ];
}

function* pairs(t: Topology) {
  const all = units(t);
  for (let i = 0; i < all.length; i++) for (let j = 0; j < all.length; j++) if (i !== j) yield [all[i], all[j]] as const;
}

/**
 * Whether the data leaves a reservation of host `host` for tenant `reservedFor` standing: no
 * VM or container sits directly on the host for another tenant, and the host is dedicated to
 * nobody else. Straight from the topology's maps.
 */
function honoured(t: Topology, host: string, reservedFor: string): boolean {
  const vms = [...t.virtualMachines.values()].filter((vm) => vm.host === host);
  const containers = [...t.containers.values()].filter((c) => !c.virtualMachine && c.host === host);
  const dedicatedTo = t.hosts.get(host)?.dedicatedTo;
  return [...vms, ...containers].every((u) => u.tenant === reservedFor) && (!dedicatedTo || dedicatedTo === reservedFor);
}

/**
 * A unit's tenant, the tenant of its host-level unit (the last container or VM before the host,
 * or at the top; null when the walk meets an id nobody synced) and the tenants its way up is
 * reserved for (where the data does not contradict it), straight from the topology's maps.
 */
function wayUp(t: Topology, unit: UnitRef): { tenant: string | null; hostLevel: string | null; reservedFor: string[] } {
  const reservedFor: string[] = [];
  const tenant = (unit.kind === "container" ? t.containers.get(unit.key) : unit.kind === "virtualMachine" ? t.virtualMachines.get(unit.key) : undefined)?.tenant ?? null;
  let hostLevel: string | null = null;
  let at: UnitRef | null = unit;
  while (at !== null) {
    const { kind, key }: UnitRef = at;
    at = null;
    if (kind === "host") {
      const dedicatedTo = t.hosts.get(key)?.dedicatedTo;
      if (dedicatedTo && honoured(t, key, dedicatedTo)) reservedFor.push(dedicatedTo);
    } else if (kind === "virtualMachine") {
      const vm = t.virtualMachines.get(key);
      hostLevel = vm?.tenant ?? null;
      // A VM inside a container sits on no machine of its own: its flag reserves nothing.
      if (vm?.dedicated && !vm.container && (!vm.host || honoured(t, vm.host, vm.tenant))) reservedFor.push(vm.tenant);
      at = vm?.host ? { kind: "host", key: vm.host } : vm?.container ? { kind: "container", key: vm.container } : null;
    } else {
      const c = t.containers.get(key);
      hostLevel = c?.tenant ?? null;
      at = c?.virtualMachine ? { kind: "virtualMachine", key: c.virtualMachine } : c?.host ? { kind: "host", key: c.host } : null;
    }
  }
  return { tenant, hostLevel, reservedFor };
}

// ---- the naive model, for fully known inventories ----
const WALL: Record<string, IsolationLevel> = { runc: "CONTAINER", crun: "CONTAINER", gvisor: "SANDBOX", kata: "VIRTUAL_MACHINE" };
const LEVELS: IsolationLevel[] = ["PROCESS", "CONTAINER", "SANDBOX", "VIRTUAL_MACHINE", "HOST", "RACK", "DATACENTER", "HAZARD_ZONE", "PLANET"];

function naive(input: TopologyInput, a: UnitRef, b: UnitRef): IsolationLevel {
  const find = (list: any[] | undefined, id: string) => (list ?? []).find((x) => x.id === id);
  // The path from a unit up to its host, as "kind:key" with each one's wall.
  const path = (u: UnitRef): { id: string; wall: IsolationLevel }[] => {
    if (u.kind === "host") return [{ id: `host:${u.key}`, wall: "HOST" }];
    if (u.kind === "virtualMachine") {
      const vm = find(input.virtualMachines, u.key);
      const up = vm.host ? path({ kind: "host", key: vm.host }) : path({ kind: "container", key: vm.container });
      return [{ id: `virtualMachine:${u.key}`, wall: "VIRTUAL_MACHINE" }, ...up];
    }
    const c = find(input.containers, u.key);
    const up = c.virtualMachine ? path({ kind: "virtualMachine", key: c.virtualMachine }) : path({ kind: "host", key: c.host });
    // A privileged container has its node's rights: no wall of its own, unless a micro-VM holds
    // it. One with its node's files has none under any runtime: they are shared into a micro-VM.
    const walled = c.nodeFiles ? false : c.privileged ? c.runtime === "kata" : true;
    return [{ id: `container:${u.key}`, wall: walled ? WALL[c.runtime] : "PROCESS" }, ...up];
  };
  const pa = path(a);
  const pb = path(b);
  const idsB = pb.map((x) => x.id);
  for (let i = 0; i < pa.length; i++) {
    const j = idsB.indexOf(pa[i].id);
    if (j === -1) continue;
    if (i === 0 || j === 0) return "PROCESS";
    const max = (xs: { wall: IsolationLevel }[]) => xs.reduce((m, x) => Math.max(m, LEVELS.indexOf(x.wall)), 0);
    return LEVELS[Math.min(max(pa.slice(0, i)), max(pb.slice(0, j)))];
  }
  const hostA = find(input.hosts, pa.at(-1)!.id.split(":")[1]);
  const hostB = find(input.hosts, pb.at(-1)!.id.split(":")[1]);
  if (hostA.rack === hostB.rack) return "HOST";
  const rackA = find(input.racks, hostA.rack);
  const rackB = find(input.racks, hostB.rack);
  if (rackA.datacenter === rackB.datacenter) {
    const meet = (x: string[], y: string[]) => x.some((v) => y.includes(v));
    return meet(rackA.powerDomains, rackB.powerDomains) || meet(rackA.networkDomains, rackB.networkDomains) ? "HOST" : "RACK";
  }
  const dcA = find(input.datacenters, rackA.datacenter);
  const dcB = find(input.datacenters, rackB.datacenter);
  if (dcA.planet !== dcB.planet) return "PLANET";
  if (dcA.hazardZones.some((z: string) => dcB.hazardZones.includes(z))) return "DATACENTER";
  if (dcA.hazardZones.length === 0 && dcB.hazardZones.length === 0 && dcA.region && dcA.region === dcB.region) return "DATACENTER";
  return "HAZARD_ZONE";
}

const seeds = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const RUNS = { numRuns: 300 };

describe("separation properties", () => {
  it("is symmetric, and actual never exceeds possible", () => {
    fc.assert(
      fc.property(seeds, fc.boolean(), fc.boolean(), (seed, dedication, contradictions) => {
        const t = buildTopology(randomInventory(seed, { known: false, dedication, contradictions }));
        for (const [a, b] of pairs(t)) {
          const ab = separation(t, a, b);
          const ba = separation(t, b, a);
          expect([ba.actual, ba.possible]).toEqual([ab.actual, ab.possible]);
          expect(rank(ab.actual)).toBeLessThanOrEqual(rank(ab.possible));
        }
      }),
      RUNS,
    );
  });

  it("matches the naive model, with actual = possible, where everything is known", () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const input = randomInventory(seed, { known: true, dedication: false });
        const t = buildTopology(input);
        for (const [a, b] of pairs(t)) {
          const s = separation(t, a, b);
          expect(s.actual).toBe(s.possible);
          expect(s.actual, `${a.kind}:${a.key} / ${b.kind}:${b.key}`).toBe(naive(input, a, b));
        }
      }),
      RUNS,
    );
  });

  const FORGET = ["hide a VM's host", "drop a rack from a host", "unsync a rack", "unsync a datacenter", "unsync a host", "unsync a VM", "forget a datacenter's region", "a host names another datacenter than its rack's"] as const;
  it("never raises actual when something becomes unknown", () => {
    fc.assert(
      fc.property(seeds, fc.constantFrom(...FORGET), fc.nat(), (seed, forget, which) => {
        const input = randomInventory(seed, { known: true, dedication: false });
        const before = buildTopology(input);
        const after = structuredClone(input) as any;
        const pickFrom = (xs: any[]) => xs[which % xs.length];
        const dcOfHost = (hostId: string) => {
          const host = after.hosts.find((h: any) => h.id === hostId);
          return after.racks.find((r: any) => r.id === host?.rack)?.datacenter ?? null;
        };
        switch (forget) {
          case "hide a VM's host": {
            const vm = pickFrom(after.virtualMachines.filter((v: any) => v.host));
            if (!vm) return;
            vm.datacenter = dcOfHost(vm.host);
            delete vm.host;
            break;
          }
          case "drop a rack from a host": {
            const host = pickFrom(after.hosts);
            host.datacenter = dcOfHost(host.id);
            delete host.rack;
            break;
          }
          case "unsync a rack":
            after.racks.splice(which % after.racks.length, 1);
            break;
          case "unsync a datacenter":
            after.datacenters.splice(which % after.datacenters.length, 1);
            break;
          case "a host names another datacenter than its rack's": {
            // Its rack stays in its datacenter: the host is now in one of two, nobody knows which.
            const host = pickFrom(after.hosts);
            host.datacenter = after.datacenters.find((d: any) => d.id !== dcOfHost(host.id))?.id ?? "dc-elsewhere";
            break;
          }
          case "forget a datacenter's region":
            after.datacenters[which % after.datacenters.length].region = null;
            break;
          case "unsync a host":
            after.hosts.splice(which % after.hosts.length, 1);
            break;
          case "unsync a VM": {
            // Only VMs on hosts: a VM inside a container (KubeVirt) that becomes unknown cuts
            // its units off from what they are nested in, and the contract's worst case for
            // unknown placement is a shared host, not nesting (see the test below).
            const onHosts = after.virtualMachines.filter((v: any) => v.host);
            if (onHosts.length === 0) return;
            const gone = onHosts[which % onHosts.length];
            after.virtualMachines = after.virtualMachines.filter((v: any) => v !== gone);
            break;
          }
        }
        const t = buildTopology(after);
        for (const [a, b] of pairs(before)) {
          if (!t[a.kind === "host" ? "hosts" : a.kind === "container" ? "containers" : "virtualMachines"].has(a.key)) continue;
          if (!t[b.kind === "host" ? "hosts" : b.kind === "container" ? "containers" : "virtualMachines"].has(b.key)) continue;
          expect(rank(separation(t, a, b).actual), `${forget}: ${a.key} / ${b.key}`).toBeLessThanOrEqual(rank(separation(before, a, b).actual));
        }
      }),
      RUNS,
    );
  });

  it("dedicated hardware never lowers actual", () => {
    fc.assert(
      fc.property(seeds, fc.boolean(), (seed, contradictions) => {
        const input = randomInventory(seed, { known: false, dedication: true, contradictions });
        const plain = structuredClone(input) as any;
        for (const vm of plain.virtualMachines) vm.dedicated = false;
        for (const host of plain.hosts) delete host.dedicatedTo;
        const withIt = buildTopology(input);
        const without = buildTopology(plain);
        for (const [a, b] of pairs(withIt)) expect(rank(separation(withIt, a, b).actual)).toBeGreaterThanOrEqual(rank(separation(without, a, b).actual));
      }),
      RUNS,
    );
  });

  it("dedicated hardware rules out a possibly shared host exactly when the other unit and its host-level unit are known to be of other tenants, and the data does not contradict the dedication", () => {
    fc.assert(
      fc.property(seeds, fc.boolean(), fc.boolean(), (seed, dedication, contradictions) => {
        const input = randomInventory(seed, { known: false, dedication, platform: true, contradictions });
        const plain = structuredClone(input) as any;
        for (const vm of plain.virtualMachines) vm.dedicated = false;
        for (const host of plain.hosts) delete host.dedicatedTo;
        const withIt = buildTopology(input);
        const without = buildTopology(plain);
        const keptOff = (a: UnitRef, b: UnitRef) => {
          const other = wayUp(withIt, b);
          return other.tenant !== null && other.hostLevel !== null && wayUp(withIt, a).reservedFor.some((r) => r !== other.tenant && r !== other.hostLevel);
        };
        for (const [a, b] of pairs(withIt)) {
          const before = separation(without, a, b);
          const after = separation(withIt, a, b);
          const ruledOut = before.shared.kind === "POSSIBLE_HOST" && (keptOff(a, b) || keptOff(b, a));
          expect(after.actual).toBe(ruledOut ? "HOST" : before.actual);
        }
      }),
      RUNS,
    );
  });

  it("reads a host in one of two datacenters no further from anything than either reading of it", () => {
    // Its rack's datacenter (the host names only its rack), or the one it names (it names no
    // rack): whichever holds, the level shown must be proven (actual) and not ruled out (possible).
    fc.assert(
      fc.property(seeds, fc.boolean(), fc.boolean(), (seed, dedication, placementGroups) => {
        const input = randomInventory(seed, { known: false, dedication, placementGroups }) as any;
        const t = buildTopology(input);
        const rackOf = (h: any) => input.racks.find((r: any) => r.id === h.rack);
        const torn = input.hosts.filter((h: any) => rackOf(h) && h.datacenter && h.datacenter !== rackOf(h).datacenter);
        for (const host of torn) {
          for (const reading of [{ datacenter: undefined }, { rack: undefined }]) {
            const read = buildTopology({ ...input, hosts: input.hosts.map((h: any) => (h === host ? { ...h, ...reading } : h)) });
            for (const [a, b] of pairs(t)) {
              const [s, r] = [separation(t, a, b), separation(read, a, b)];
              expect(rank(s.actual), `${host.id} ${JSON.stringify(reading)}: ${a.key} / ${b.key}`).toBeLessThanOrEqual(rank(r.actual));
              expect(rank(s.possible)).toBeGreaterThanOrEqual(rank(r.possible));
            }
          }
        }
      }),
      RUNS,
    );
  });

  const MOVES = ["host to a fresh rack in its datacenter", "host to a fresh datacenter on its planet"] as const;
  it("never lowers a level when a host moves further away", () => {
    fc.assert(
      fc.property(seeds, fc.constantFrom(...MOVES), fc.nat(), fc.boolean(), (seed, move, which, known) => {
        const input = randomInventory(seed, { known, dedication: false });
        const before = buildTopology(input);
        const after = structuredClone(input) as any;
        const host = after.hosts[which % after.hosts.length];
        const rack = after.racks.find((r: any) => r.id === host.rack);
        // A host in one of two datacenters (its rack's, the one it names) has no one place to move further from.
        if (rack && host.datacenter && host.datacenter !== rack.datacenter) return;
        const dcKey = rack?.datacenter ?? host.datacenter;
        const dc = after.datacenters.find((d: any) => d.id === dcKey);
        if (!dc) return; // nowhere known to move from
        if (move === "host to a fresh rack in its datacenter") {
          after.racks.push({ id: "r-fresh", datacenter: dc.id, powerDomains: ["p-fresh"], networkDomains: ["n-fresh"] });
        } else {
          after.datacenters.push({ id: "dc-fresh", planet: dc.planet, hazardZones: ["z-fresh"], region: "r-fresh" });
          after.racks.push({ id: "r-fresh", datacenter: "dc-fresh", powerDomains: [], networkDomains: [] });
        }
        host.rack = "r-fresh";
        delete host.datacenter;
        const t = buildTopology(after);
        for (const [a, b] of pairs(before)) {
          const was = separation(before, a, b);
          const now = separation(t, a, b);
          expect(rank(now.actual), `${move}: ${a.key} / ${b.key}`).toBeGreaterThanOrEqual(rank(was.actual));
          expect(rank(now.possible)).toBeGreaterThanOrEqual(rank(was.possible));
        }
      }),
      RUNS,
    );
  });

  it("takes a shared host, not nesting, as the worst case when a nesting VM becomes unknown (the contract's rule)", () => {
    // c-inner sits in KubeVirt VM v-kv inside container c-outer: PROCESS while v-kv is known.
    const input: TopologyInput = {
      hosts: [{ id: "h" }],
      virtualMachines: [
        { id: "v", host: "h", tenant: "t1" },
        { id: "v-kv", container: "c-outer", tenant: "t1" },
      ],
      containers: [
        { id: "c-outer", virtualMachine: "v", runtime: "gvisor", tenant: "t1" },
        { id: "c-inner", virtualMachine: "v-kv", tenant: "t2" },
      ],
    };
    const a = { kind: "container" as const, key: "c-inner" };
    const b = { kind: "container" as const, key: "c-outer" };
    expect(separation(buildTopology(input), a, b).actual).toBe("PROCESS");
    const unknownVm = { ...input, virtualMachines: input.virtualMachines!.filter((v) => v.id !== "v-kv") };
    // With v-kv unknown, each side counts its own walls below the host: v-kv, and c-outer in v.
    expect(separation(buildTopology(unknownVm), a, b)).toMatchObject({ actual: "VIRTUAL_MACHINE", possible: "PLANET" });
  });
});
