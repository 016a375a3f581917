import { TABLES } from "../inventory/inventory-tables.ts";
import type { InventoryKind } from "../inventory/snapshot.ts";
import type { Context } from "./context.ts";
import { applyFilter, WhereBuilder, type Filter } from "./inventory-sql.ts";
import { selectList, typed, TYPE_OF_KIND, type InventoryRow } from "./inventory-types.ts";
import { connectionFromRows, pageRequest, type Connection, type PageArgs } from "./pagination.ts";

/*
 * A top-level inventory connection (`Query.hosts(filter:, first:, after:)`): one keyset-paged
 * statement, and a count statement only when the client asks for `totalCount`.
 */
export async function inventoryConnection(ctx: Context, kind: InventoryKind, filter: Filter | null | undefined, args: PageArgs): Promise<Connection<InventoryRow>> {
  const page = pageRequest(args);
  const where = new WhereBuilder();
  applyFilter(kind, filter ?? {}, where, ctx.scope.tenant);
  where.add(ctx.scope.rowCondition(kind, (value) => where.param(value)));
  const condition = where.sql();
  const countParams = [...where.params];
  const after = where.param(page.after);
  const limit = where.param(page.size + 1);
  const table = TABLES[kind].table;
  const rows = await ctx.db.sql.query<InventoryRow>(
    `SELECT ${selectList(kind)} FROM ${table} t
      WHERE ${condition} AND (${after}::text IS NULL OR t.key > ${after}::text)
      ORDER BY t.key LIMIT ${limit}::int`,
    where.params,
  );
  return connectionFromRows(
    ctx.scope.checked(kind, rows).map((row) => typed(TYPE_OF_KIND[kind], row)),
    page,
    (row) => row.key,
    async () => {
      const [row] = await ctx.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} t WHERE ${condition}`, countParams);
      return row.n;
    },
  );
}
