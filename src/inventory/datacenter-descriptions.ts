import type { SqlClient } from "../db/sql-client.ts";
import type { Snapshot, SnapshotProblem } from "./snapshot.ts";

/*
 * Datacenters are places many sources see (one AWS zone id seen by fifty accounts, a campus
 * that the DCIM and a curated "places" source both describe). Each source's description is a
 * row of `datacenter_description`; the `datacenter` table every reader reads is their union,
 * rewritten here in the same transaction that changes a description:
 *
 * - `hazardZones` is the union of the lists (in the order of the sources' keys, then of each list);
 * - `name`, `provider`, `region` and `planet` come from whoever gives them (planet `earth`
 *   when nobody does). Two sources giving different values disagree: the later snapshot is
 *   refused, naming the field and the other source (`disagreements`);
 * - a datacenter leaves the inventory when no source describes it any longer.
 *
 * Syncs that touch the same datacenters take their locks (`lockDatacenters`) before they read
 * the other sources' descriptions, so two disagreeing snapshots cannot both pass the check.
 */
const SCALARS = ["name", "provider", "region", "planet"] as const;

/** The datacenters a complete snapshot stops describing: this source's descriptions it no longer lists. */
export async function leavingDatacenters(tx: SqlClient, source: string, keys: string): Promise<string[]> {
  const rows = await tx.query<{ key: string }>(
    `SELECT d.key FROM datacenter_description d
      WHERE d.source = $2 AND NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS k(key) WHERE k.key = d.key)`,
    [keys, source],
  );
  return rows.map((r) => r.key);
}

/**
 * Locks each datacenter this sync describes or stops describing, in key order (so two syncs
 * never wait for each other in a circle), until the transaction ends.
 */
export async function lockDatacenters(tx: SqlClient, keys: readonly string[], timeoutMs: number): Promise<void> {
  if (keys.length === 0) return;
  await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [`${timeoutMs}ms`]);
  try {
    await tx.query(
      `SELECT 1 FROM (SELECT DISTINCT k.key FROM unnest($1::text[]) AS k(key) ORDER BY k.key) s,
              LATERAL (SELECT pg_advisory_xact_lock(hashtextextended('tenancy-datacenter:' || s.key, 0))) l`,
      [keys],
    );
  } catch (error) {
    if ((error as { code?: string })?.code !== "55P03") throw error;
    throw new Error(`another source's sync of the same datacenters did not finish within ${Math.round(timeoutMs / 1000)} s; try again`);
  }
  await tx.query(`SELECT set_config('lock_timeout', '0', true)`);
}

/**
 * Each scalar of the snapshot's datacenters that other sources' descriptions give differently:
 * one problem per field and value, naming the sources that give it.
 */
export async function disagreements(tx: SqlClient, snapshot: Snapshot): Promise<SnapshotProblem[]> {
  const records = snapshot.datacenters;
  if (records.length === 0) return [];
  const rows = await tx.query<{ position: number; key: string; field: string; mine: string; theirs: string; sources: string[] }>(
    `SELECT (i.position - 1)::int AS position, i.key, f.field, f.mine, f.theirs, array_agg(d.source ORDER BY d.source) AS sources
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS i(key, name, provider, region, planet, position)
       JOIN datacenter_description d ON d.key = i.key AND d.source <> $6
      CROSS JOIN LATERAL (VALUES ('name', i.name, d.name), ('provider', i.provider, d.provider),
                                 ('region', i.region, d.region), ('planet', i.planet, d.planet)) AS f(field, mine, theirs)
      WHERE f.mine <> f.theirs
      GROUP BY i.position, i.key, f.field, f.mine, f.theirs
      ORDER BY i.position, f.field, f.theirs LIMIT 1000`,
    [records.map((r) => r.id), ...SCALARS.map((field) => records.map((r) => r[field])), snapshot.source],
  );
  return rows.map((row) => ({
    path: ["datacenters", String(row.position), row.field],
    message: `datacenter "${row.key}": ${row.field} "${row.mine}" disagrees with ${sourceList(row.sources)}, which ${row.sources.length === 1 ? "gives" : "give"} "${row.theirs}"; the sources that describe one datacenter must agree`,
  }));
}

/** `source "a"`, `sources "a", "b" and "c"`, `sources "a", "b", "c" and 47 more`. */
export function sourceList(sources: string[]): string {
  const quoted = sources.slice(0, 3).map((s) => `"${s}"`);
  if (sources.length === 1) return `source ${quoted[0]}`;
  if (sources.length > 3) return `sources ${quoted.join(", ")} and ${sources.length - 3} more`;
  return `sources ${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

/**
 * Rewrites the union of the given datacenters from their descriptions: one statement that
 * inserts or updates only the rows whose union changed and removes those nobody describes.
 */
export async function refreshDatacenters(tx: SqlClient, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await tx.query(
    `WITH affected AS (SELECT DISTINCT k.key FROM unnest($1::text[]) AS k(key)),
     described AS (
       SELECT d.key, array_agg(d.source ORDER BY d.source) AS sources, max(d.name) AS name, max(d.provider) AS provider,
              max(d.region) AS region, coalesce(max(d.planet), 'earth') AS planet,
              coalesce((SELECT array_agg(z.zone ORDER BY z.source, z.position) FROM (
                          SELECT DISTINCT ON (u.zone) u.zone, e.source, u.position
                            FROM datacenter_description e CROSS JOIN LATERAL unnest(e.hazard_zones) WITH ORDINALITY AS u(zone, position)
                           WHERE e.key = d.key ORDER BY u.zone, e.source, u.position) z), '{}') AS hazard_zones
         FROM datacenter_description d WHERE d.key IN (SELECT key FROM affected) GROUP BY d.key
     ), gone AS (
       DELETE FROM datacenter t WHERE t.key IN (SELECT key FROM affected)
          AND NOT EXISTS (SELECT 1 FROM datacenter_description d WHERE d.key = t.key)
     )
     INSERT INTO datacenter AS t (key, sources, name, provider, region, hazard_zones, planet, updated_at)
     SELECT key, sources, name, provider, region, hazard_zones, planet, now() FROM described
     ON CONFLICT (key) DO UPDATE SET sources = EXCLUDED.sources, name = EXCLUDED.name, provider = EXCLUDED.provider,
            region = EXCLUDED.region, hazard_zones = EXCLUDED.hazard_zones, planet = EXCLUDED.planet, updated_at = EXCLUDED.updated_at
      WHERE (t.sources, t.name, t.provider, t.region, t.hazard_zones, t.planet)
            IS DISTINCT FROM (EXCLUDED.sources, EXCLUDED.name, EXCLUDED.provider, EXCLUDED.region, EXCLUDED.hazard_zones, EXCLUDED.planet)`,
    [keys],
  );
}
