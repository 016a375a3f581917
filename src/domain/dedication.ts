import type { Topology, UnitRef } from "./topology.ts";
import { unitsIndex } from "./units-index.ts";

/*
 * Whether dedicated hardware is what it claims (docs/separation.md, "Dedicated hardware"). A
 * host dedicated to a tenant, or a dedicated VM, promises that its machine runs only that
 * tenant's host-level units. The inventory can prove the promise broken: another tenant's VM
 * or container sits directly on that very machine (a host id, synced or dangling: every unit
 * naming it shares it), or the host is dedicated to another tenant than a dedicated VM on it.
 * A reservation the data contradicts rules nothing out, so every rule reads a reservation
 * through `honouredReservation`: the chains' links carry only honoured ones (separation.ts),
 * and the verdict, the fleet report, placement advice and their sentences read those.
 */

/** What `hostHolder` gives for a machine two or more tenants hold (no tenant key holds a NUL: PostgreSQL text cannot). */
const SEVERAL_TENANTS = "\u0000several tenants\u0000";

/**
 * Who is known to hold host `host`: the tenant it is dedicated to and the tenants of the units
 * sitting directly on it, when these are one tenant; SEVERAL_TENANTS when they are more; null
 * when none is known. Every such unit is synced, so its tenant is a key; a tenant nobody synced
 * is still another tenant than any other key (conservatively: it holds the machine too).
 */
export function hostHolder(topology: Topology, host: string): string | null {
  let holder = topology.hosts.get(host)?.dedicatedTo ?? null;
  for (const unit of unitsIndex(topology).byHost.get(host) ?? []) {
    const tenant = unitTenant(topology, unit);
    if (holder === null) holder = tenant;
    else if (tenant !== holder) return SEVERAL_TENANTS;
  }
  return holder;
}

/**
 * The rule, once: hardware reserved for `reservedFor` (null: not reserved) on a machine that
 * `holder` holds (`hostHolder`; null: no host known, or nobody on it) is reserved for that
 * tenant only while nobody else is known to hold the machine; else it is reserved for nobody.
 */
export function honouredReservation(reservedFor: string | null, holder: string | null): string | null {
  return reservedFor !== null && (holder === null || holder === reservedFor) ? reservedFor : null;
}

/**
 * Why the data voids a reservation of host `host` for `reservedFor`, to say so: its first unit
 * (in key order) of another tenant, else the host itself when it is dedicated to another
 * tenant; null when the reservation is honoured (exactly when `honouredReservation` keeps it).
 */
export function reservationBreach(topology: Topology, host: string, reservedFor: string): { unit: UnitRef; tenant: string } | null {
  for (const unit of unitsIndex(topology).byHost.get(host) ?? []) {
    const tenant = unitTenant(topology, unit);
    if (tenant !== reservedFor) return { unit, tenant };
  }
  const dedicatedTo = topology.hosts.get(host)?.dedicatedTo ?? null;
  return dedicatedTo !== null && dedicatedTo !== reservedFor ? { unit: { kind: "host", key: host }, tenant: dedicatedTo } : null;
}

/** The tenant of a unit the units index lists on a host: a synced container or VM. */
function unitTenant(topology: Topology, unit: UnitRef): string {
  const node = unit.kind === "container" ? topology.containers.get(unit.key) : topology.virtualMachines.get(unit.key);
  return node!.tenant;
}
