import type { UnitRef } from "../../domain/topology.ts";
import type { InventoryKind } from "../../inventory/snapshot.ts";
import { loadersFor } from "../as-of.ts";
import type { Context } from "../context.ts";
import { toGlobalId } from "../global-id.ts";
import type { ChildRelationName } from "../inventory-sql.ts";
import type { InventoryRow } from "../inventory-types.ts";
import type { PageArgs } from "../pagination.ts";

/*
 * Resolver builders shared by the inventory types: the global id, the owning source, a
 * reference to another object by key, and a connection of children. Each goes through the
 * request's loaders.
 */
export function nodeFields(type: string) {
  return {
    id: (row: { key: string }) => toGlobalId(type, row.key),
    source: (row: { source: string }, _: unknown, ctx: Context) => nonNull(ctx.loaders.sources.load(row.source)),
  };
}

/**
 * A loader's answer for a field the schema declares non-null (a row's own source, which the
 * sync writes in the same transaction as the row): should it be null after all, GraphQL
 * reports the non-null field as an error, exactly as without this type.
 */
export const nonNull = <T>(answer: Promise<T | null>) => answer as Promise<T>;

/** The objects a loadMany found: neither missing (null) nor failed. */
export const found = <T>(items: (T | Error | null)[]) => items.filter((item): item is T => item !== null && !(item instanceof Error));

/** Every source that describes a shared object (a datacenter), through the sources loader. */
export async function describingSources(row: InventoryRow<"datacenters">, _: unknown, ctx: Context) {
  return found(await ctx.loaders.sources.loadMany(row.sources ?? [row.source]));
}

/** The fields of row type R that hold one key (or null), and those that hold a list of keys. */
type KeyField<R> = { [F in keyof R]-?: R[F] extends string | null ? F : never }[keyof R];
type KeysField<R> = { [F in keyof R]-?: R[F] extends string[] ? F : never }[keyof R];

/**
 * The builders for one row type R: its key columns named by their field, so a misspelt
 * column is a compile error.
 */
export function rowFields<R>() {
  return {
    /** Resolves `field` (a key, possibly dangling) to the object of `kind`, or null. */
    reference<K extends InventoryKind>(kind: K, field: KeyField<R>) {
      return (row: R, _: unknown, ctx: Context) => {
        const key = row[field] as string | null;
        return key ? loadersFor(ctx, row).byKey[kind].load(key) : null;
      };
    },
    /** Resolves a list of keys to the objects of `kind` that some source has synced. */
    references<K extends InventoryKind>(kind: K, field: KeysField<R>) {
      return async (row: R, _: unknown, ctx: Context) => {
        return found(await loadersFor(ctx, row).byKey[kind].loadMany((row[field] as string[]) ?? []));
      };
    },
    /** Exposes a stored reference column under its `…Key` name. */
    keyOf:
      <F extends KeyField<R>>(field: F) =>
      (row: R): R[F] =>
        row[field],
    /**
     * A reference key to another tenant-owned object (a container's VM, a KubeVirt VM's container,
     * a unit's workload): for a tenant caller, null unless that object is its own, so the key of
     * another tenant's unit or workload is never shown.
     */
    visibleKeyOf(kind: "virtualMachines" | "containers" | "workloads", field: KeyField<R>) {
      return async (row: R, _: unknown, ctx: Context) => {
        const key = (row[field] as string | null) ?? null;
        if (key === null || ctx.scope.tenant === null) return key;
        return (await loadersFor(ctx, row).byKey[kind].load(key)) ? key : null;
      };
    },
  };
}

/** A connection of the row's children along `relation`. */
export function children(relation: ChildRelationName) {
  return (row: { key: string }, args: PageArgs, ctx: Context) => loadersFor(ctx, row).children(relation, row.key, args);
}

const KIND_OF_UNIT = { container: "containers", virtualMachine: "virtualMachines", host: "hosts" } as const;

/** Loads a compute unit named by the domain (a verdict's pair, a violation's replica). */
export function loadUnit(ctx: Context, unit: UnitRef, parent?: unknown): Promise<InventoryRow<(typeof KIND_OF_UNIT)[keyof typeof KIND_OF_UNIT]> | null> {
  return loadersFor(ctx, parent).byKey[KIND_OF_UNIT[unit.kind]].load(unit.key);
}

/** The units the caller may see, in order (a tenant caller never sees another tenant's). */
export const loadUnits = async (ctx: Context, units: readonly UnitRef[], parent?: unknown) => (await Promise.all(units.map((u) => loadUnit(ctx, u, parent)))).filter((u) => u !== null);
