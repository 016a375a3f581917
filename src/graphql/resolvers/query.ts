import type { InventoryKind } from "../../inventory/snapshot.ts";
import { pastReadAt } from "../as-of.ts";
import type { Context } from "../context.ts";
import type { QueryResolvers } from "../generated/resolvers-types.ts";
import { badUserInput } from "../errors.ts";
import { fromGlobalId } from "../global-id.ts";
import { inventoryConnection } from "../inventory-connection.ts";
import type { Filter } from "../inventory-sql.ts";
import { KIND_OF_TYPE, typed } from "../inventory-types.ts";
import { connectionFromRows, pageRequest, type PageArgs } from "../pagination.ts";

type ListArgs = PageArgs & { filter?: Filter | null };
const list = (kind: InventoryKind) => (_: unknown, args: ListArgs, ctx: Context) => inventoryConnection(ctx, kind, args.filter, args);
const one =
  <K extends InventoryKind>(kind: K) =>
  async (_: unknown, args: { key: string; asOf?: Date | null }, ctx: Context) =>
    (args.asOf ? ctx.loadersAt(await pastReadAt(ctx, args.asOf)) : ctx.loaders).byKey[kind].load(args.key);

/** Resolves a global id to its object through the loaders; null when it does not exist. */
async function loadNode(id: string, ctx: Context) {
  const { type, key } = fromGlobalId(id);
  if (Object.hasOwn(KIND_OF_TYPE, type)) return ctx.loaders.byKey[KIND_OF_TYPE[type]].load(key);
  if (type === "Source") return ctx.loaders.sources.load(key);
  if (type === "SyncRun" && /^\d+$/.test(key)) return ctx.loaders.syncRuns.load(Number(key));
  // Compliance's own objects: never a tenant's.
  if (ctx.scope.tenant !== null) return null;
  if (type === "SavedQuery") return ctx.loaders.savedQueries.load(key).then((q) => q && typed("SavedQuery", q));
  if (type === "SavedQueryRun") return ctx.loaders.savedQueryRunsById.load(key).then((r) => r && typed("SavedQueryRun", r));
  return null;
}

export const Query: QueryResolvers = {
  node: (_, args, ctx) => loadNode(args.id, ctx),
  // One promise per id, not one for all: a bad id is an error (and null) at its own index only.
  nodes: (_, args, ctx) => args.ids.map((id) => loadNode(id, ctx)),

  datacenters: list("datacenters"),
  powerDomains: list("powerDomains"),
  networkDomains: list("networkDomains"),
  racks: list("racks"),
  hosts: list("hosts"),
  virtualMachines: list("virtualMachines"),
  containers: list("containers"),
  tenants: list("tenants"),
  workloads: list("workloads"),

  datacenter: one("datacenters"),
  rack: one("racks"),
  host: one("hosts"),
  virtualMachine: one("virtualMachines"),
  container: one("containers"),
  tenant: one("tenants"),
  workload: one("workloads"),

  source: (_, args, ctx) => ctx.loaders.sources.load(args.key),
  async sources(_, args, ctx) {
    const page = pageRequest(args);
    const rows = await ctx.db.prisma.source.findMany({
      where: page.after === null ? {} : { key: { gt: page.after } },
      orderBy: { key: "asc" },
      take: page.size + 1,
    });
    return connectionFromRows(
      rows,
      page,
      (row) => row.key,
      () => ctx.db.prisma.source.count(),
    );
  },
  async syncRuns(_, args, ctx) {
    const page = pageRequest(args);
    if (page.after !== null && !/^\d+$/.test(page.after)) throw badUserInput("after is not a cursor of sync runs", "after");
    const where = {
      ...(args.source ? { source: args.source } : {}),
      ...(args.status ? { status: args.status } : {}),
    };
    const rows = await ctx.db.prisma.syncRun.findMany({
      where: page.after === null ? where : { ...where, id: { lt: Number(page.after) } },
      orderBy: { id: "desc" },
      take: page.size + 1,
    });
    return connectionFromRows(
      rows,
      page,
      (row) => row.id,
      () => ctx.db.prisma.syncRun.count({ where }),
    );
  },
};
