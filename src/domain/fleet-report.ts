import { requiredLevel, type Policy } from "./policy.ts";
import { rank, stronger } from "./scale.ts";
import { cachedChainOf, tenantOf, workloadOf, type Chain } from "./separation.ts";
import type { Topology, UnitRef } from "./topology.ts";
import { unitsIndex } from "./units-index.ts";
import { isolationVerdict, type Outcome } from "./verdict.ts";

/**
 * Every (workload, tenant) pair of the fleet that is NOT_ISOLATED or UNPROVEN, without
 * comparing every workload with every tenant.
 *
 * Why it can skip most pairs: when a pair requires at most HOST, only two kinds of unit pairs
 * can fall short of it. (i) Units that share a compute unit (or contain one another): their
 * level is exact, so one below the requirement makes the pair NOT_ISOLATED. (ii) Units that
 * might share a host (a host hidden or unknown, datacenters not known to differ): their worst
 * case below the requirement makes the pair UNPROVEN. Units on different known hosts, or in
 * datacenters known to differ, are separated by HOST or more. So the scan visits, per unit,
 * the tenants met under each compute unit of its way up and the tenants of its datacenter's
 * hidden hosts: the size of the co-located population, not workloads × tenants.
 *
 * Requirements above HOST (an operator's policy or a workload's minimum) fall back to the
 * exact pairwise verdict against every tenant; the result is the same, only slower.
 * test/domain/fleet-report.test.ts checks the scan against that brute force.
 */
export interface ReportEntry {
  workload: string;
  tenant: string;
  outcome: Exclude<Outcome, "ISOLATED">;
}

const HOST_RANK = rank("HOST");
const PROCESS_RANK = rank("PROCESS");
const UNKNOWN_DC = "\u0000unknown";
const NO_TENANTS: string[] = [];

/**
 * The lowest value offered and the trust group (workload, or the unit itself when it has none)
 * that offered it, and the lowest from any other group: a workload's own units are never
 * paired with each other.
 */
class Lowest {
  first = Infinity;
  firstGroup = "";
  second = Infinity;
  offer(value: number, group: string) {
    if (value < this.first) {
      if (group !== this.firstGroup) this.second = this.first;
      this.first = value;
      this.firstGroup = group;
    } else if (group !== this.firstGroup && value < this.second) this.second = value;
  }
  /** The lowest offered by a unit outside `group`. */
  without(group: string): number {
    return group === this.firstGroup ? this.second : this.first;
  }
}

/** A unit's trust group: its workload's, or its own when it has none. */
const groupOf = (workload: string | null, id: string) => (workload !== null ? `w:${workload}` : `u:${id}`);

interface UnitFacts {
  ref: UnitRef;
  id: string;
  tenant: string;
  workload: string | null;
  chain: Chain;
  /** Strongest wall below the host: what the unit brings when a host is shared. */
  side: number;
  hostKnown: boolean;
  group: string;
  /** The tenants that dedicated hardware on its way up is reserved for. */
  dedicated: string[];
}

function byTenant<K>(map: Map<K, Map<string, Lowest>>, key: K, tenant: string): Lowest {
  let inner = map.get(key);
  if (!inner) map.set(key, (inner = new Map()));
  let lowest = inner.get(tenant);
  if (!lowest) inner.set(tenant, (lowest = new Lowest()));
  return lowest;
}

/** Work counters, for the benchmark: how much of the co-located population the scan visited. */
export interface ReportStats {
  /** (unit, tenant) combinations looked at. */
  visits: number;
}

export function fleetReport(topology: Topology, policy: Policy, stats: ReportStats = { visits: 0 }): ReportEntry[] {
  const facts: UnitFacts[] = [];
  const factsByWorkload = new Map<string, UnitFacts[]>();
  const add = (ref: UnitRef, tenant: string, workload: string | null) => {
    const chain = cachedChainOf(topology, ref);
    let dedicated: string[] = NO_TENANTS;
    for (const link of chain.links) {
      if (link.dedicatedTo !== null && !dedicated.includes(link.dedicatedTo)) dedicated = [...dedicated, link.dedicatedTo];
    }
    const side = rank(chain.belowHost);
    const f: UnitFacts = { ref, id: chain.ids[0], tenant, workload, chain, side, hostKnown: chain.host !== null, group: chain.datacenter ?? UNKNOWN_DC, dedicated };
    facts.push(f);
    if (workload !== null) {
      const list = factsByWorkload.get(workload);
      if (list) list.push(f);
      else factsByWorkload.set(workload, [f]);
    }
  };
  for (const vm of topology.virtualMachines.values()) add({ kind: "virtualMachine", key: vm.key }, vm.tenant, vm.workload);
  for (const c of topology.containers.values()) add({ kind: "container", key: c.key }, c.tenant, c.workload);

  // (i) Under each compute unit, per tenant: the lowest wall-strength of that tenant's units
  // on their way up to it (units below it, not counting it).
  const below = new Map<string, Map<string, Lowest>>();
  // (ii) Per datacenter (or unknown), per tenant: the lowest side of units on hidden or known
  // hosts, for units without dedicated hardware; dedicated ones keyed also by their tenant.
  const hidden = new Map<string, Map<string, Lowest>>();
  const onHosts = new Map<string, Map<string, Lowest>>();
  const dedicatedHidden = new Map<string, Map<string, Lowest>>();
  const dedicatedOnHosts = new Map<string, Map<string, Lowest>>();
  for (const f of facts) {
    let strongest = PROCESS_RANK;
    for (let k = 1; k < f.chain.links.length; k++) {
      strongest = Math.max(strongest, rank(f.chain.links[k - 1].boundary));
      byTenant(below, f.chain.ids[k], f.tenant).offer(strongest, groupOf(f.workload, f.id));
    }
    if (f.dedicated.length > 1) continue; // reserved for two tenants at once: shares a host with nobody else's units
    const [only] = f.dedicated;
    const target = only === undefined ? (f.hostKnown ? onHosts : hidden) : f.hostKnown ? dedicatedOnHosts : dedicatedHidden;
    byTenant(target, f.group, only === undefined ? f.tenant : `${f.tenant}\u0000${only}`).offer(f.side, groupOf(f.workload, f.id));
  }
  const groups = [...new Set([...hidden.keys(), ...onHosts.keys(), ...dedicatedHidden.keys(), ...dedicatedOnHosts.keys()])];

  const index = unitsIndex(topology);
  const organizationOf = new Map([...topology.tenants.values()].map((t) => [t.key, t.organization]));
  const entries: ReportEntry[] = [];
  // Workloads in key order, and each workload's tenants sorted: the report comes out ordered.
  const workloads = [...topology.workloads.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  for (const workload of workloads) {
    const units = index.byWorkload.get(workload.key) ?? [];
    // The three levels this workload can require, by relationship; one lookup per tenant visited.
    const organization = topology.tenants.get(workload.tenant)?.organization;
    const [forSelf, forOrganization, forOthers] = (["SAME_TENANT", "SAME_ORGANIZATION", "OTHER_ORGANIZATION"] as const).map((rel) =>
      rank(requiredLevel(policy, rel, workload.minimumIsolation)),
    );
    const required = (tenant: string) =>
      tenant === workload.tenant ? forSelf : organization !== undefined && organizationOf.get(tenant) === organization ? forOrganization : forOthers;
    const exceedsHost = [policy.sameTenant, policy.sameOrganization, policy.otherOrganization].some((l) => rank(workload.minimumIsolation ? stronger(l, workload.minimumIsolation) : l) > HOST_RANK);
    if (exceedsHost) {
      for (const tenant of [...index.byTenant.keys()].sort()) {
        stats.visits += units.length * (index.byTenant.get(tenant)?.length ?? 0);
        const verdict = isolationVerdict(topology, workload.key, tenant, policy);
        if (verdict.outcome !== "ISOLATED") entries.push({ workload: workload.key, tenant, outcome: verdict.outcome });
      }
      continue;
    }
    if (units.length === 0) continue;
    const status = new Map<string, Exclude<Outcome, "ISOLATED">>();
    const mark = (tenant: string, outcome: Exclude<Outcome, "ISOLATED">) => {
      if (status.get(tenant) !== "NOT_ISOLATED") status.set(tenant, outcome);
    };
    const unitFacts = factsByWorkload.get(workload.key) ?? [];
    const own = groupOf(workload.key, "");
    for (const a of unitFacts) {
      // (i) exact levels through shared compute units, and containment.
      let strongest = PROCESS_RANK;
      for (let k = 0; k < a.chain.links.length; k++) {
        const e = a.chain.links[k];
        if (k > 0) {
          strongest = Math.max(strongest, rank(a.chain.links[k - 1].boundary));
          const owner = tenantOf(topology, e);
          // a runs inside another's unit (not one of its own workload's)
          if (owner !== null && workloadOf(topology, e) !== workload.key && PROCESS_RANK < required(owner)) mark(owner, "NOT_ISOLATED");
        }
        const tenants = below.get(a.chain.ids[k]);
        if (!tenants) continue;
        stats.visits += tenants.size;
        // forEach, not for-of: no entry array per tenant on this hot path.
        tenants.forEach((lowest, tenant) => {
          const other = lowest.without(own);
          if (other === Infinity) return;
          const level = k === 0 ? PROCESS_RANK : Math.min(strongest, other);
          if (level < required(tenant)) mark(tenant, "NOT_ISOLATED");
        });
      }
    }

    // (ii) worst cases where a host might be shared. The workload's units that bring the same
    // wall, tenant, dedication and whereabouts meet the same tenants: visit those once.
    const alike = new Map<string, UnitFacts[]>();
    for (const a of unitFacts) {
      if (a.dedicated.length > 1) continue; // reserved for two tenants at once: shares with nobody
      const key = `${a.group}\u0000${a.hostKnown}\u0000${a.side}\u0000${a.tenant}\u0000${a.dedicated[0] ?? ""}`;
      const list = alike.get(key);
      if (list) list.push(a);
      else alike.set(key, [a]);
    }
    for (const members of alike.values()) {
      const a = members[0];
      const reservedFor = a.dedicated[0];
      const visit = (source: Map<string, Map<string, Lowest>>, group: string, dedicatedSide: boolean) => {
        const tenants = source.get(group);
        if (!tenants) return;
        stats.visits += tenants.size;
        tenants.forEach((lowest, key) => {
          let tenant = key;
          if (dedicatedSide) {
            const [owner, only] = key.split("\u0000");
            if (only !== a.tenant) return; // the other's hardware is reserved for another tenant
            tenant = owner;
          }
          if (reservedFor !== undefined && tenant !== reservedFor) return; // ours is reserved
          const other = lowest.without(own);
          if (other === Infinity) return;
          if (Math.min(a.side, other) < required(tenant)) mark(tenant, "UNPROVEN");
        });
      };
      const partnerGroups = a.group === UNKNOWN_DC ? groups : [a.group, UNKNOWN_DC];
      for (const group of partnerGroups) {
        visit(hidden, group, false);
        visit(dedicatedHidden, group, true);
        if (!a.hostKnown) {
          visit(onHosts, group, false);
          visit(dedicatedOnHosts, group, true);
        }
      }
    }
    for (const tenant of [...status.keys()].sort()) entries.push({ workload: workload.key, tenant, outcome: status.get(tenant)! });
  }
  return entries;
}

