import DataLoader from "dataloader";
import type { Database } from "../db/open-database.ts";
import { INVENTORY_KINDS, type InventoryKind } from "../inventory/snapshot.ts";
import { CHILD_RELATIONS, type ChildRelationName } from "./inventory-sql.ts";
import { selectList, typed, TYPE_OF_KIND, type InventoryRow } from "./inventory-types.ts";
import { badUserInput } from "./errors.ts";
import { connectionFromRows, pageRequest, type Connection, type PageArgs, type PageRequest } from "./pagination.ts";

/**
 * The per-request DataLoaders. Every relation a resolver follows goes through one of these, so
 * a query over N objects and their relations costs a number of SQL statements that depends on
 * the query's shape, not on N (proven by test/graphql/statement-count.test.ts).
 */
export type Loaders = ReturnType<typeof createLoaders>;

const PRISMA_DELEGATE: Record<InventoryKind, string> = {
  datacenters: "datacenter",
  powerDomains: "powerDomain",
  networkDomains: "networkDomain",
  racks: "rack",
  hosts: "host",
  tenants: "tenant",
  workloads: "workload",
  virtualMachines: "virtualMachine",
  containers: "container",
};

interface ChildPageKey {
  relation: ChildRelationName;
  parentKey: string;
  page: PageRequest;
}

export function createLoaders(db: Database) {
  const byKey = Object.fromEntries(
    INVENTORY_KINDS.map((kind) => [
      kind,
      new DataLoader<string, InventoryRow | null>(async (keys) => {
        const delegate = (db.prisma as unknown as Record<string, { findMany(args: unknown): Promise<InventoryRow[]> }>)[PRISMA_DELEGATE[kind]];
        const rows = await delegate.findMany({ where: { key: { in: [...keys] } } });
        const found = new Map(rows.map((row) => [row.key, typed(TYPE_OF_KIND[kind], row)]));
        return keys.map((key) => found.get(key) ?? null);
      }),
    ]),
  ) as Record<InventoryKind, DataLoader<string, InventoryRow | null>>;

  // Pages of children for many parents at once: one statement per (relation, page) asked.
  const childPages = new DataLoader<ChildPageKey, Connection<InventoryRow>, string>(
    async (requests) => {
      const groups = new Map<string, ChildPageKey[]>();
      for (const request of requests) {
        const group = `${request.relation}|${request.page.size}|${request.page.after ?? ""}`;
        groups.set(group, [...(groups.get(group) ?? []), request]);
      }
      const results = new Map<ChildPageKey, Connection<InventoryRow>>();
      for (const group of groups.values()) {
        const { relation, page } = group[0];
        const spec = CHILD_RELATIONS[relation];
        const rows = await db.sql.query<InventoryRow & { __parent: string }>(
          `SELECT * FROM (
             SELECT x.*, row_number() OVER (PARTITION BY x.__parent ORDER BY x.key) AS __rn FROM (
               SELECT ${selectList(spec.kind)}, ${spec.parent} AS __parent FROM ${spec.from} WHERE ${spec.match}
             ) x WHERE $2::text IS NULL OR x.key > $2
           ) y WHERE y.__rn <= $3 ORDER BY y.__parent, y.key`,
          [[...new Set(group.map((r) => r.parentKey))], page.after, page.size + 1],
        );
        const byParent = new Map<string, InventoryRow[]>();
        for (const { __parent, __rn, ...row } of rows as (InventoryRow & { __parent: string; __rn: unknown })[]) {
          byParent.set(__parent, [...(byParent.get(__parent) ?? []), typed(TYPE_OF_KIND[spec.kind], row as InventoryRow)]);
        }
        for (const request of group) {
          results.set(
            request,
            connectionFromRows(byParent.get(request.parentKey) ?? [], page, (row) => row.key, () =>
              childCounts.load(`${request.relation}|${request.parentKey}`),
            ),
          );
        }
      }
      return requests.map((request) => results.get(request)!);
    },
    { cacheKeyFn: (r) => `${r.relation}|${r.parentKey}|${r.page.size}|${r.page.after ?? ""}` },
  );

  // totalCount of child connections, only when asked: one grouped count per relation.
  const childCounts = new DataLoader<string, number>(async (keys) => {
    const byRelation = new Map<ChildRelationName, string[]>();
    for (const key of keys) {
      const bar = key.indexOf("|");
      const relation = key.slice(0, bar) as ChildRelationName;
      byRelation.set(relation, [...(byRelation.get(relation) ?? []), key.slice(bar + 1)]);
    }
    const counts = new Map<string, number>();
    for (const [relation, parents] of byRelation) {
      const spec = CHILD_RELATIONS[relation];
      const rows = await db.sql.query<{ parent: string; n: number }>(
        `SELECT ${spec.parent} AS parent, count(*)::int AS n FROM ${spec.from} WHERE ${spec.match} GROUP BY 1`,
        [parents],
      );
      for (const row of rows) counts.set(`${relation}|${row.parent}`, row.n);
    }
    return keys.map((key) => counts.get(key) ?? 0);
  });

  const sources = new DataLoader<string, Record<string, unknown> | null>(async (keys) => {
    const rows = await db.prisma.source.findMany({ where: { key: { in: [...keys] } } });
    const found = new Map(rows.map((row) => [row.key, typed("Source", row)]));
    return keys.map((key) => found.get(key) ?? null);
  });

  const syncRuns = new DataLoader<number, Record<string, unknown> | null>(async (ids) => {
    const rows = await db.prisma.syncRun.findMany({ where: { id: { in: [...ids] } } });
    const found = new Map(rows.map((row) => [row.id, typed("SyncRun", row)]));
    return ids.map((id) => found.get(id) ?? null);
  });

  // A source's runs, newest first: one statement for all the sources on the page.
  const sourceRuns = new DataLoader<{ source: string; page: PageRequest }, Connection<Record<string, unknown>>, string>(
    async (requests) => {
      const { page } = requests[0];
      const sameShape = requests.every((r) => r.page.size === page.size && r.page.after === page.after);
      if (!sameShape) return Promise.all(requests.map((r) => loadSourceRuns([r.source], r.page).then((m) => m.get(r.source)!)));
      const pages = await loadSourceRuns([...new Set(requests.map((r) => r.source))], page);
      return requests.map((r) => pages.get(r.source)!);
    },
    { cacheKeyFn: (r) => `${r.source}|${r.page.size}|${r.page.after ?? ""}` },
  );

  async function loadSourceRuns(sourceKeys: string[], page: PageRequest) {
    const rows = await db.sql.query<Record<string, unknown> & { id: number; source: string }>(
      `SELECT * FROM (
         SELECT id, source, status, complete, allow_mass_removal AS "allowMassRemoval", started_at AS "startedAt",
                finished_at AS "finishedAt", created, updated, removed, unchanged, warnings, errors,
                row_number() OVER (PARTITION BY source ORDER BY id DESC) AS __rn
           FROM sync_run WHERE source = ANY($1::text[]) AND ($2::int IS NULL OR id < $2::int)
       ) x WHERE __rn <= $3 ORDER BY source, id DESC`,
      [sourceKeys, page.after === null ? null : Number(page.after), page.size + 1],
    );
    const pages = new Map<string, Connection<Record<string, unknown>>>();
    for (const source of sourceKeys) {
      const mine = rows.filter((r) => r.source === source).map(({ __rn, ...r }) => typed("SyncRun", r));
      pages.set(source, connectionFromRows(mine, page, (r) => r.id as number, () => db.prisma.syncRun.count({ where: { source } })));
    }
    return pages;
  }

  return {
    byKey,
    /** A page of a source's sync runs, newest first. */
    sourceRuns(source: string, args: PageArgs) {
      const page = pageRequest(args);
      if (page.after !== null && !/^\d+$/.test(page.after)) throw badUserInput("after is not a cursor of sync runs", "after");
      return sourceRuns.load({ source, page });
    },
    sources,
    syncRuns,
    /** One page of a parent's children (e.g. a host's VMs). */
    children(relation: ChildRelationName, parentKey: string, args: PageArgs): Promise<Connection<InventoryRow>> {
      return childPages.load({ relation, parentKey, page: pageRequest(args) });
    },
  };
}

