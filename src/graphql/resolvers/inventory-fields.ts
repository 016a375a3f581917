import type { UnitRef } from "../../domain/topology.ts";
import type { InventoryKind } from "../../inventory/snapshot.ts";
import { loadersFor } from "../as-of.ts";
import type { Context } from "../context.ts";
import { toGlobalId } from "../global-id.ts";
import type { ChildRelationName } from "../inventory-sql.ts";
import type { InventoryRow } from "../inventory-types.ts";
import type { PageArgs } from "../pagination.ts";

/**
 * Resolver builders shared by the inventory types: the global id, the owning source, a
 * reference to another object by key, and a connection of children. Each goes through the
 * request's loaders.
 */
export function nodeFields(type: string) {
  return {
    id: (row: InventoryRow) => toGlobalId(type, row.key),
    source: (row: InventoryRow, _: unknown, ctx: Context) => ctx.loaders.sources.load(row.source),
  };
}

/** Every source that describes a shared object (a datacenter), through the sources loader. */
export async function describingSources(row: InventoryRow, _: unknown, ctx: Context) {
  const found = await ctx.loaders.sources.loadMany(row.sources ?? [row.source]);
  return found.filter((source) => source !== null && !(source instanceof Error));
}

/** Resolves `field` (a key, possibly dangling) to the object of `kind`, or null. */
export function reference(kind: InventoryKind, field: string) {
  return (row: InventoryRow, _: unknown, ctx: Context) => {
    const key = row[field] as string | null | undefined;
    return key ? loadersFor(ctx, row).byKey[kind].load(key) : null;
  };
}

/** Resolves a list of keys to the objects of `kind` that some source has synced. */
export function references(kind: InventoryKind, field: string) {
  return async (row: InventoryRow, _: unknown, ctx: Context) => {
    const found = await loadersFor(ctx, row).byKey[kind].loadMany((row[field] as string[]) ?? []);
    return found.filter((item) => item !== null && !(item instanceof Error));
  };
}

/** A connection of the row's children along `relation`. */
export function children(relation: ChildRelationName) {
  return (row: InventoryRow, args: PageArgs, ctx: Context) => loadersFor(ctx, row).children(relation, row.key, args);
}

/** Exposes a stored reference column under its `…Key` name. */
export const keyOf = (field: string) => (row: InventoryRow) => row[field] ?? null;

const KIND_OF_UNIT = { container: "containers", virtualMachine: "virtualMachines", host: "hosts" } as const;

/** Loads a compute unit named by the domain (a verdict's pair, a violation's replica). */
export function loadUnit(ctx: Context, unit: UnitRef, parent?: unknown) {
  return loadersFor(ctx, parent).byKey[KIND_OF_UNIT[unit.kind]].load(unit.key);
}

/** The units the caller may see, in order (a tenant caller never sees another tenant's). */
export const loadUnits = async (ctx: Context, units: readonly UnitRef[], parent?: unknown) =>
  (await Promise.all(units.map((u) => loadUnit(ctx, u, parent)))).filter((u) => u !== null);

/**
 * A reference key to another tenant-owned object (a container's VM, a KubeVirt VM's container,
 * a unit's workload): for a tenant caller, null unless that object is its own, so the key of
 * another tenant's unit or workload is never shown.
 */
export function visibleKeyOf(kind: "virtualMachines" | "containers" | "workloads", field: string) {
  return async (row: InventoryRow, _: unknown, ctx: Context) => {
    const key = (row[field] as string | null | undefined) ?? null;
    if (key === null || ctx.scope.tenant === null) return key;
    return (await loadersFor(ctx, row).byKey[kind].load(key)) ? key : null;
  };
}
