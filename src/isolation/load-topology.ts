import type { SqlClient } from "../db/sql-client.ts";
import { readInBatches } from "../db/read-in-batches.ts";
import { buildTopology, buildTopologySteps } from "../domain/build-topology.ts";
import { CURRENT_INVENTORY_VERSION } from "../inventory/inventory-version.ts";
import type { Topology } from "../domain/topology.ts";
import { currentTables, type TableAt } from "../history/past-tables.ts";
import { runInSlices } from "./run-in-slices.ts";

/*
 * Loads the placement graph the separation rules read, from the inventory tables. The whole
 * fleet for the in-memory index; or only what one verdict needs (`loadTopologyFor`), straight
 * from SQL, which the tests use to prove the index gives the same answers.
 */
export const COLUMNS = {
  datacenters: `key, sources, region, hazard_zones AS "hazardZones", planet`,
  racks: `key, source, datacenter, power_domains AS "powerDomains", network_domains AS "networkDomains"`,
  hosts: `key, source, rack, datacenter, dedicated_to AS "dedicatedTo", placement_group AS "placementGroup"`,
  virtualMachines: `key, source, tenant, workload, dedicated, host, container, datacenter`,
  containers: `key, source, runtime, privileged, node_files AS "nodeFiles", tenant, workload, virtual_machine AS "virtualMachine", host`,
  tenants: `key, source, organization, name`,
  // An operator's rules, where set, take the place of the snapshot's.
  workloads: `key, source, tenant, minimum_isolation AS "minimumIsolation", min_healthy_replicas AS "minHealthyReplicas",
              coalesce((SELECT o.rules FROM anti_affinity_override o WHERE o.workload = workload.key), anti_affinity) AS "antiAffinity"`,
};
/** The workloads' columns reading the rule overrides from `tables` (now, or a past version). */
export const workloadColumns = (tables: TableAt) => (tables === currentTables ? COLUMNS.workloads : COLUMNS.workloads.replace("FROM anti_affinity_override o", `FROM ${tables("anti_affinity_override")} o`));
export const TABLE = {
  datacenters: "datacenter",
  racks: "rack",
  hosts: "host",
  virtualMachines: "virtual_machine",
  containers: "container",
  tenants: "tenant",
  workloads: "workload",
} as const;
export type Part = keyof typeof COLUMNS;

/**
 * The whole fleet, plus the inventory version it was read at (one snapshot of the database);
 * or, given a past version's tables (src/history/past-tables.ts), the fleet as it was then.
 */
export async function loadTopology(sql: SqlClient, tables: TableAt = currentTables): Promise<{ topology: Topology; version: number }> {
  return sql.transaction(async (tx) => {
    await tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const [state] = await tx.query<{ version: number }>(`SELECT ${CURRENT_INVENTORY_VERSION} AS version`);
    const parts: Record<string, unknown[]> = {};
    // In key order (code points, as JavaScript compares them): the index then need not sort a
    // million keys on the event loop (src/domain/sorted-keys.ts checks, and sorts if not).
    for (const part of Object.keys(COLUMNS) as Part[]) {
      const columns = part === "workloads" ? workloadColumns(tables) : COLUMNS[part];
      const rows: unknown[] = [];
      await readInBatches(tx, "topology_rows", `SELECT ${columns} FROM ${tables(TABLE[part])} ${TABLE[part]} ORDER BY key COLLATE "C"`, [], (row) => rows.push(row));
      parts[part] = rows;
    }
    return { topology: await runInSlices(buildTopologySteps(parts)), version: state.version };
  });
}

/**
 * Only what the verdict of `workload` against `tenant` reads: the units of both, every unit
 * on their way up (a recursive walk), and the hosts' racks and datacenters.
 */
export async function loadTopologyFor(sql: SqlClient, workload: string, tenant: string): Promise<Topology> {
  const units = await sql.query<{ kind: string; key: string }>(
    `WITH RECURSIVE unit(kind, key) AS (
        SELECT 'container', key FROM container WHERE workload = $1 OR tenant = $2
        UNION
        SELECT 'virtualMachine', key FROM virtual_machine WHERE workload = $1 OR tenant = $2
        UNION
        SELECT up.kind, up.key FROM unit u
          JOIN LATERAL (
            SELECT 'virtualMachine' AS kind, c.virtual_machine AS key FROM container c WHERE u.kind = 'container' AND c.key = u.key
            UNION ALL SELECT 'host', c.host FROM container c WHERE u.kind = 'container' AND c.key = u.key
            UNION ALL SELECT 'host', v.host FROM virtual_machine v WHERE u.kind = 'virtualMachine' AND v.key = u.key
            UNION ALL SELECT 'container', v.container FROM virtual_machine v WHERE u.kind = 'virtualMachine' AND v.key = u.key
          ) up ON up.key IS NOT NULL
     )
     SELECT kind, key FROM unit`,
    [workload, tenant],
  );
  const keys = (kind: string) => units.filter((u) => u.kind === kind).map((u) => u.key);
  const containers = await sql.query(`SELECT ${COLUMNS.containers} FROM container WHERE key = ANY($1::text[])`, [keys("container")]);
  const virtualMachines = await sql.query<{ datacenter: string | null }>(`SELECT ${COLUMNS.virtualMachines} FROM virtual_machine WHERE key = ANY($1::text[])`, [keys("virtualMachine")]);
  const hosts = await sql.query<{ rack: string | null; datacenter: string | null }>(`SELECT ${COLUMNS.hosts} FROM host WHERE key = ANY($1::text[])`, [keys("host")]);
  const racks = await sql.query<{ datacenter: string }>(`SELECT ${COLUMNS.racks} FROM rack WHERE key = ANY($1::text[])`, [hosts.map((h) => h.rack).filter(Boolean)]);
  const datacenterKeys = [...racks.map((r) => r.datacenter), ...hosts.map((h) => h.datacenter), ...virtualMachines.map((v) => v.datacenter)].filter(Boolean);
  const datacenters = await sql.query(`SELECT ${COLUMNS.datacenters} FROM datacenter WHERE key = ANY($1::text[])`, [datacenterKeys]);
  const workloads = await sql.query<{ tenant: string }>(`SELECT ${COLUMNS.workloads} FROM workload WHERE key = $1`, [workload]);
  const tenants = await sql.query(`SELECT ${COLUMNS.tenants} FROM tenant WHERE key = ANY($1::text[])`, [[tenant, ...workloads.map((w) => w.tenant)]]);
  return buildTopology({ containers, virtualMachines, hosts, racks, datacenters, workloads, tenants });
}
