import DataLoader from "dataloader";
import type { AccessScope } from "../access/access-scope.ts";
import type { Database } from "../db/open-database.ts";
import type { SqlParam } from "../db/sql-client.ts";
import { loadRuns, RUN_COLUMNS, type SavedQueryRun } from "../compliance/saved-query-runs.ts";
import { newestVersions, type SavedQueryVersion } from "../compliance/saved-queries.ts";
import { sourceStatuses, type SourceStatusRow } from "../connectors/source-status.ts";
import { TABLES } from "../inventory/inventory-tables.ts";
import { INVENTORY_KINDS, type InventoryKind } from "../inventory/snapshot.ts";
import { CHILD_RELATIONS, type ChildRelationName } from "./inventory-sql.ts";
import { selectList, typed, TYPE_OF_KIND, type DatacenterDescriptionRow, type InventoryRow, type SourceRow, type SyncRunRow } from "./inventory-types.ts";
import { badUserInput } from "./errors.ts";
import { HISTORY_TABLES, pastTable, type HistoryTable } from "../history/past-tables.ts";
import { markPast, type PastRead } from "./as-of.ts";
import { findingEvents, findingsByIds, type FindingEventRow, type FindingRow } from "../findings/finding-store.ts";
import { connectionFromRows, pageRequest, type Connection, type PageArgs, type PageRequest } from "./pagination.ts";
import { getOrInsert } from "../domain/get-or-insert.ts";

/*
 * The per-request DataLoaders. Every relation a resolver follows goes through one of these, so
 * a query over N objects and their relations costs a number of SQL statements that depends on
 * the query's shape, not on N (proven by test/graphql/statement-count.test.ts).
 *
 * Every statement carries the caller's row condition (src/access/access-scope.ts), and every
 * row is checked again before it is returned, so a hidden row never reaches a resolver: it
 * reads as absent, exactly like a key no source has synced.
 */
export type Loaders = ReturnType<typeof createLoaders>;

interface ChildPageKey {
  relation: ChildRelationName;
  parentKey: string;
  page: PageRequest;
}

/** A sync run as the resolvers read it (the shape Prisma gives). */
const SYNC_RUN_COLUMNS = `t.id, t.source, t.status, t.complete, t.allow_mass_removal AS "allowMassRemoval", t.started_at AS "startedAt",
  t.finished_at AS "finishedAt", t.created, t.updated, t.removed, t.unchanged, t.warnings, t.errors`;

/** Items by a key of theirs, each group in the items' order. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    getOrInsert(groups, keyOf(item), () => []).push(item);
  }
  return groups;
}

/**
 * Pages of one list for many parents at once (a host's VMs, a source's runs): the requests are
 * grouped by `kindOf` and page shape (size, cursor), each group costs one statement (`load`,
 * which returns the rows by parent), and the rows are split back into one page per request.
 */
async function pagesForParents<Request extends { page: PageRequest }, Row>(
  requests: readonly Request[],
  kindOf: (request: Request) => string,
  load: (group: Request[], page: PageRequest) => Promise<Map<string, Row[]>>,
  parentOf: (request: Request) => string,
  toConnection: (rows: Row[], request: Request) => Connection<Row>,
): Promise<Connection<Row>[]> {
  const pages = new Map<Request, Connection<Row>>();
  for (const group of groupBy(requests, (r) => `${kindOf(r)}|${r.page.size}|${r.page.after ?? ""}`).values()) {
    const byParent = await load(group, group[0].page);
    for (const request of group) pages.set(request, toConnection(byParent.get(parentOf(request)) ?? [], request));
  }
  return requests.map((request) => pages.get(request)!);
}

/**
 * A FROM clause (`host t LEFT JOIN rack r ON …`) with each inventory table read as it was at
 * `past` (src/history/past-tables.ts); unchanged for a current read.
 */
function fromAt(from: string, past: PastRead | undefined): string {
  if (!past) return from;
  return from.replace(/(?<![.\w])([a-z_]+)(?= [a-z]\b)/g, (table) => (HISTORY_TABLES.includes(table as HistoryTable) ? pastTable(table as HistoryTable, past.version) : table));
}

/** The request's loaders; given `past`, they read the inventory as it was then and mark what they return. */
export function createLoaders(db: Database, scope: AccessScope, past?: PastRead) {
  return { ...inventoryLoaders(db, scope, past), ...sourceLoaders(db, scope), ...savedQueryLoaders(db), ...findingLoaders(db) };
}

/** Inventory rows: by key, a parent's children by page, and each source's description of a datacenter. */
function inventoryLoaders(db: Database, scope: AccessScope, past: PastRead | undefined) {
  // Safe: one loader per kind, each built for that kind's rows.
  const byKey = Object.fromEntries(INVENTORY_KINDS.map((kind) => [kind, byKeyLoader(db, scope, kind, past)])) as { [K in InventoryKind]: DataLoader<string, InventoryRow<K> | null> };

  const childPages = childPageLoader(db, scope, past, childCountLoader(db, scope, past));

  // Each source's own description of a datacenter, by source key: one statement for every datacenter asked.
  const datacenterDescriptions = new DataLoader<string, DatacenterDescriptionRow[]>(async (keys) => {
    const params: SqlParam[] = [[...keys]];
    const condition = scope.rowCondition("datacenters", (value) => `$${params.push(value)}`);
    const rows = await db.sql.query<DatacenterDescriptionRow>(
      `SELECT t.key, t.source, t.name, t.provider, t.region, t.hazard_zones AS "hazardZones", t.planet, t.updated_at AS "updatedAt"
         FROM ${fromAt("datacenter_description t", past)} WHERE t.key = ANY($1::text[]) AND ${condition} ORDER BY t.key, t.source`,
      params,
    );
    const byDatacenter = groupBy(scope.checked("datacenters", rows), (row) => row.key);
    return keys.map((key) => byDatacenter.get(key) ?? []);
  });

  return {
    byKey,
    datacenterDescriptions,
    /** One page of a parent's children (e.g. a host's VMs). */
    children(relation: ChildRelationName, parentKey: string, args: PageArgs): Promise<Connection<InventoryRow>> {
      return childPages.load({ relation, parentKey, page: pageRequest(args) });
    },
  };
}

/** One kind's rows by key. */
function byKeyLoader<K extends InventoryKind>(db: Database, scope: AccessScope, kind: K, past: PastRead | undefined) {
  return new DataLoader<string, InventoryRow<K> | null>(async (keys) => {
    const params: SqlParam[] = [[...keys]];
    const condition = scope.rowCondition(kind, (value) => `$${params.push(value)}`);
    const rows = await db.sql.query<InventoryRow<K>>(`SELECT ${selectList(kind)} FROM ${fromAt(`${TABLES[kind].table} t`, past)} WHERE t.key = ANY($1::text[]) AND ${condition}`, params);
    const found = new Map(scope.checked(kind, rows).map((row) => [row.key, markPast(typed(TYPE_OF_KIND[kind], row), past)]));
    return keys.map((key) => found.get(key) ?? null);
  });
}

/** Pages of children for many parents at once: one statement per (relation, page) asked. */
function childPageLoader(db: Database, scope: AccessScope, past: PastRead | undefined, childCounts: DataLoader<string, number>) {
  return new DataLoader<ChildPageKey, Connection<InventoryRow>, string>(
    (requests) =>
      pagesForParents(
        requests,
        (r) => r.relation,
        async (group, page) => {
          const spec = CHILD_RELATIONS[group[0].relation];
          const params: SqlParam[] = [[...new Set(group.map((r) => r.parentKey))], page.after, page.size + 1];
          const condition = scope.rowCondition(spec.kind, (value) => `$${params.push(value)}`);
          const rows = await db.sql.query<InventoryRow & { __parent: string; __rn: unknown }>(
            `SELECT * FROM (
               SELECT x.*, row_number() OVER (PARTITION BY x.__parent ORDER BY x.key) AS __rn FROM (
                 SELECT ${selectList(spec.kind)}, ${spec.parent} AS __parent FROM ${fromAt(spec.from, past)} WHERE ${spec.match} AND ${condition}
               ) x WHERE $2::text IS NULL OR x.key > $2
             ) y WHERE y.__rn <= $3 ORDER BY y.__parent, y.key`,
            params,
          );
          const byParent = groupBy(scope.checked(spec.kind, rows), (row) => row.__parent);
          return new Map([...byParent].map(([parent, mine]) => [parent, mine.map(({ __parent, __rn, ...row }) => markPast(typed(TYPE_OF_KIND[spec.kind], row), past))]));
        },
        (r) => r.parentKey,
        (rows, r) =>
          connectionFromRows(
            rows,
            r.page,
            (row) => row.key,
            () => childCounts.load(`${r.relation}|${r.parentKey}`),
          ),
      ),
    { cacheKeyFn: (r) => `${r.relation}|${r.parentKey}|${r.page.size}|${r.page.after ?? ""}` },
  );
}

/** totalCount of child connections, only when asked: one grouped count per relation. */
function childCountLoader(db: Database, scope: AccessScope, past: PastRead | undefined) {
  return new DataLoader<string, number>(async (keys) => {
    const byRelation = new Map<ChildRelationName, string[]>();
    for (const key of keys) {
      const bar = key.indexOf("|");
      const relation = key.slice(0, bar) as ChildRelationName;
      getOrInsert(byRelation, relation, () => []).push(key.slice(bar + 1));
    }
    const counts = new Map<string, number>();
    for (const [relation, parents] of byRelation) {
      const spec = CHILD_RELATIONS[relation];
      const params: SqlParam[] = [parents];
      const condition = scope.rowCondition(spec.kind, (value) => `$${params.push(value)}`);
      const rows = await db.sql.query<{ parent: string; n: number }>(`SELECT ${spec.parent} AS parent, count(*)::int AS n FROM ${fromAt(spec.from, past)} WHERE ${spec.match} AND ${condition} GROUP BY 1`, params);
      for (const row of rows) counts.set(`${relation}|${row.parent}`, row.n);
    }
    return keys.map((key) => counts.get(key) ?? 0);
  });
}

/** Sources, their sync runs (by id and by page of a source) and their statuses. */
function sourceLoaders(db: Database, scope: AccessScope) {
  const sources = new DataLoader<string, SourceRow | null>(async (keys) => {
    const params: SqlParam[] = [[...keys]];
    const condition = scope.rowCondition("sources", (value) => `$${params.push(value)}`);
    const rows = await db.sql.query<SourceRow>(`SELECT t.key, t.created_at AS "createdAt", t.last_synced_at AS "lastSyncedAt" FROM source t WHERE t.key = ANY($1::text[]) AND ${condition}`, params);
    const found = new Map(scope.checked("sources", rows).map((row) => [row.key, typed("Source", row)]));
    return keys.map((key) => found.get(key) ?? null);
  });

  const syncRuns = new DataLoader<number, SyncRunRow | null>(async (ids) => {
    const params: SqlParam[] = [[...ids]];
    const condition = scope.rowCondition("syncRuns", (value) => `$${params.push(value)}`);
    const rows = await db.sql.query<SyncRunRow>(`SELECT ${SYNC_RUN_COLUMNS} FROM sync_run t WHERE t.id = ANY($1::int[]) AND ${condition}`, params);
    const found = new Map(scope.checked("syncRuns", rows).map((row) => [row.id, typed("SyncRun", row)]));
    return ids.map((id) => found.get(id) ?? null);
  });

  const sourceRuns = sourceRunPageLoader(db);

  const sourceStatusesByKey = new DataLoader<string, SourceStatusRow | null>(async (keys) => {
    const found = new Map((await sourceStatuses(db.sql, keys)).map((row) => [row.source, row]));
    return keys.map((key) => found.get(key) ?? null);
  });

  return {
    sources,
    syncRuns,
    sourceStatuses: sourceStatusesByKey,
    /** A page of a source's sync runs, newest first. */
    sourceRuns(source: string, args: PageArgs) {
      const page = pageRequest(args);
      if (page.after !== null && !/^\d+$/.test(page.after)) throw badUserInput("after is not a cursor of sync runs", "after");
      return sourceRuns.load({ source, page });
    },
  };
}

/** A source's runs, newest first: one statement per page shape for all the sources asked. */
function sourceRunPageLoader(db: Database) {
  return new DataLoader<{ source: string; page: PageRequest }, Connection<SyncRunRow>, string>(
    (requests) =>
      pagesForParents(
        requests,
        () => "",
        async (group, page) => {
          const rows = await db.sql.query<SyncRunRow & { __rn: unknown }>(
            `SELECT * FROM (
               SELECT ${SYNC_RUN_COLUMNS}, row_number() OVER (PARTITION BY t.source ORDER BY t.id DESC) AS __rn
                 FROM sync_run t WHERE t.source = ANY($1::text[]) AND ($2::int IS NULL OR t.id < $2::int)
             ) x WHERE __rn <= $3 ORDER BY source, id DESC`,
            [[...new Set(group.map((r) => r.source))], page.after === null ? null : Number(page.after), page.size + 1],
          );
          return groupBy(
            rows.map(({ __rn, ...run }) => typed("SyncRun", run)),
            (run) => run.source,
          );
        },
        (r) => r.source,
        (runs, r) =>
          connectionFromRows(
            runs,
            r.page,
            (run) => run.id,
            () => db.prisma.syncRun.count({ where: { source: r.source } }),
          ),
      ),
    { cacheKeyFn: (r) => `${r.source}|${r.page.size}|${r.page.after ?? ""}` },
  );
}

/** Saved queries: the newest version by name, runs by id, and a query's runs by page. */
function savedQueryLoaders(db: Database) {
  const savedQueries = new DataLoader<string, SavedQueryVersion | null>(async (names) => {
    const rows = await newestVersions(db.sql, names);
    const found = new Map(rows.map((row) => [row.name, row]));
    return names.map((name) => found.get(name) ?? null);
  });

  const savedQueryRunsById = new DataLoader<string, SavedQueryRun | null>(async (ids) => {
    const found = new Map((await loadRuns(db.sql, ids)).map((run) => [run.id, run]));
    return ids.map((id) => found.get(id) ?? null);
  });

  const savedQueryRunPages = savedQueryRunPageLoader(db);

  return {
    savedQueries,
    savedQueryRunsById,
    /** A page of a saved query's runs, newest first. */
    savedQueryRuns(name: string, args: PageArgs) {
      const page = pageRequest(args);
      if (page.after !== null && !/^\d{1,18}$/.test(page.after)) throw badUserInput("after is not a cursor of saved query runs", "after");
      return savedQueryRunPages.load({ name, page });
    },
  };
}

/** A saved query's runs, newest first: one statement per page shape for every saved query asked. */
function savedQueryRunPageLoader(db: Database) {
  return new DataLoader<{ name: string; page: PageRequest }, Connection<SavedQueryRun>, string>(
    (requests) =>
      pagesForParents(
        requests,
        () => "",
        async (group, page) => {
          const rows = await db.sql.query<SavedQueryRun & { __rn: unknown }>(
            `SELECT * FROM (
               SELECT ${RUN_COLUMNS}, row_number() OVER (PARTITION BY name ORDER BY id DESC) AS __rn
                 FROM saved_query_run WHERE name = ANY($1::text[]) AND ($2::bigint IS NULL OR id < $2::bigint)
             ) x WHERE __rn <= $3 ORDER BY name, id::bigint DESC`,
            [[...new Set(group.map((r) => r.name))], page.after, page.size + 1],
          );
          return groupBy(
            rows.map(({ __rn, ...run }) => run),
            (run) => run.name,
          );
        },
        (r) => r.name,
        (runs, r) =>
          connectionFromRows(
            runs,
            r.page,
            (run) => run.id,
            async () => {
              const [row] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM saved_query_run WHERE name = $1`, [r.name]);
              return row.n;
            },
          ),
      ),
    { cacheKeyFn: (r) => `${r.name}|${r.page.size}|${r.page.after ?? ""}` },
  );
}

/** Findings by id (a report row's or a violation's `since`), and their events: one statement each per request wave. */
function findingLoaders(db: Database) {
  const findings = new DataLoader<string, FindingRow | null>(async (ids) => {
    const found = new Map((await findingsByIds(db.sql, ids)).map((row) => [row.id, row]));
    return ids.map((id) => found.get(id) ?? null);
  });
  const findingHistory = new DataLoader<string, FindingEventRow[]>(async (ids) => {
    const byFinding = groupBy(await findingEvents(db.sql, ids), (event) => event.finding);
    return ids.map((id) => byFinding.get(id) ?? []);
  });
  return { findings, findingHistory };
}
