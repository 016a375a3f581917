import { Gauge, type Registry } from "prom-client";
import type { SqlClient } from "../db/sql-client.ts";
import { CURRENT_INVENTORY_VERSION } from "../inventory/inventory-version.ts";

interface SourceRow {
  source: string;
  lastSuccess: number | null;
  lastAttempt: number | null;
  status: string | null;
  duration: number | null;
  written: number | null;
  inventory: number;
}

/**
 * Gauges read from the database at each scrape, in one statement: every replica then reports
 * the same truth about the sources, whichever replica or CLI ran their syncs. The `source`
 * label is bounded by the sources an operator configured, not by the inventory.
 */
export class DatabaseGauges {
  private readonly up: Gauge;
  private readonly inventoryVersion: Gauge;
  private readonly lastSuccess: Gauge;
  private readonly lastAttempt: Gauge;
  private readonly lastStatus: Gauge;
  private readonly lastDuration: Gauge;
  private readonly lastWritten: Gauge;
  private readonly findings: Gauge;
  private findingsCountedAt = -Infinity;

  constructor(
    registry: Registry,
    private readonly sql: SqlClient,
  ) {
    const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
    this.up = gauge("tenancy_database_up", "1 when the last scrape could read the database, else 0.");
    this.inventoryVersion = gauge("tenancy_inventory_version", "The committed inventory version (bumped by every applied sync or rule override).");
    this.lastSuccess = gauge("tenancy_source_last_success_timestamp_seconds", "When the source last synced successfully (applied or unchanged), Unix time.", ["source"]);
    this.lastAttempt = gauge("tenancy_source_last_attempt_timestamp_seconds", "When the source's last sync attempt started, Unix time.", ["source"]);
    this.lastStatus = gauge("tenancy_source_last_status", "1 for the status of the source's last finished attempt (APPLIED, UNCHANGED, REFUSED, FAILED, ABANDONED).", ["source", "status"]);
    this.lastDuration = gauge("tenancy_source_last_sync_duration_seconds", "How long the source's last finished sync run took.", ["source"]);
    this.lastWritten = gauge("tenancy_source_last_sync_objects_written", "Objects created, updated or removed by the source's last finished sync run.", ["source"]);
    // Labels from closed sets (kind ISOLATION or ANTI_AFFINITY, state OPEN or ACCEPTED, the severity's few values): never a key.
    this.findings = gauge("tenancy_findings", "Findings not resolved (docs/history.md), by kind, state and severity.", ["kind", "state", "severity"]);
  }

  async refresh(): Promise<void> {
    let rows: SourceRow[];
    try {
      rows = await this.sql.query<SourceRow>(SOURCES_SQL);
      await this.refreshFindings();
    } catch {
      this.up.set(0);
      return;
    }
    this.up.set(1);
    for (const gauge of [this.lastSuccess, this.lastAttempt, this.lastStatus, this.lastDuration, this.lastWritten]) gauge.reset();
    this.inventoryVersion.set(rows[0]?.inventory ?? 0);
    for (const row of rows) {
      if (row.source === null) continue; // the row that only carries the version
      const source = { source: row.source };
      if (row.lastSuccess !== null) this.lastSuccess.set(source, row.lastSuccess);
      if (row.lastAttempt !== null) this.lastAttempt.set(source, row.lastAttempt);
      if (row.status !== null) this.lastStatus.set({ ...source, status: row.status }, 1);
      if (row.duration !== null) this.lastDuration.set(source, row.duration);
      if (row.written !== null) this.lastWritten.set(source, row.written);
    }
  }

  /**
   * The unresolved findings by kind, state and severity: what an on-call engineer is asked to
   * look at. Counted at most every FINDINGS_MAX_AGE_MS: the count reads every open finding (a
   * second of the database on a fleet with 800,000 of them), and a scrape in progress holds
   * the index's background work back (src/isolation/background-slices.ts).
   */
  private async refreshFindings(): Promise<void> {
    if (performance.now() - this.findingsCountedAt < FINDINGS_MAX_AGE_MS) return;
    this.findingsCountedAt = performance.now();
    const rows = await this.sql.query<{ kind: string; state: string; severity: string; count: number }>(FINDINGS_SQL);
    this.findings.reset();
    for (const row of rows) this.findings.set({ kind: row.kind, state: row.state, severity: row.severity }, row.count);
  }
}

/** How old the findings gauge may be: Prometheus scrapes every 15 s or more, a poller more often. */
export const FINDINGS_MAX_AGE_MS = 10_000;

const FINDINGS_SQL = `SELECT kind, state, severity, count(*)::int AS count FROM finding WHERE state <> 'RESOLVED' GROUP BY kind, state, severity`;

// Sources that pushed (source) and connector sources that only ever failed (source_status);
// each one's last finished run through the (source, id) index. A right join on a one-row
// version keeps the version when there is no source yet.
const SOURCES_SQL = `
  WITH keys AS (SELECT key AS source FROM source UNION SELECT source FROM source_status)
  SELECT k.source,
         extract(epoch FROM greatest(s.last_synced_at, st.last_success_at))::float8 AS "lastSuccess",
         extract(epoch FROM greatest(st.last_attempt_at, r.started_at))::float8 AS "lastAttempt",
         -- A connector that could not read its provider has no run: its failure, when newer, counts.
         CASE WHEN st.status = 'FAILED' AND (r.started_at IS NULL OR st.last_attempt_at > r.started_at) THEN 'FAILED' ELSE r.status END AS status,
         extract(epoch FROM r.finished_at - r.started_at)::float8 AS duration,
         r.created + r.updated + r.removed AS written,
         v.inventory
    FROM keys k
    LEFT JOIN source s ON s.key = k.source
    LEFT JOIN source_status st ON st.source = k.source
    LEFT JOIN LATERAL (SELECT * FROM sync_run WHERE source = k.source AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1) r ON true
   RIGHT JOIN (SELECT ${CURRENT_INVENTORY_VERSION} AS inventory) v ON true`;
