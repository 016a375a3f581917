import { getOrInsert } from "../domain/get-or-insert.ts";
import { LRUCache } from "lru-cache";
import pLimit from "p-limit";
import type { SqlClient } from "../db/sql-client.ts";
import { antiAffinityViolationsSteps, type Violation } from "../domain/anti-affinity.ts";
import { fleetReportSteps, type FleetReport } from "../domain/fleet-report.ts";
import type { Freshness, Topology } from "../domain/topology.ts";
import type { IsolationView } from "../isolation/isolation-index.ts";
import { loadTopology } from "../isolation/load-topology.ts";
import { policyFromRow, type StoredPolicy } from "../isolation/policy-store.ts";
import { runInSlices } from "../isolation/run-in-slices.ts";
import { unitsIndexSteps } from "../domain/units-index.ts";
import { tablesAt } from "./past-tables.ts";

/*
 * Views of the isolation index as it was at a past moment: the inventory version, the policy
 * and the sources' sync times in force then, and the topology of that version built from
 * history on demand (src/history/past-tables.ts). A few topologies and reports are kept (LRU);
 * the current index is only read (its topology is reused when the moment's version is the one
 * it holds), never replaced or reloaded.
 */

/** What was in force at a moment. */
export interface Moment {
  at: Date;
  version: number;
  policy: StoredPolicy;
  freshness: Freshness;
}

/** A moment history cannot answer for: before it began (or before retention), or not yet come. */
export class MomentOutOfRange extends Error {
  constructor(
    message: string,
    readonly earliest: Date,
  ) {
    super(message);
  }
}

/** How many past topologies (and reports) a replica keeps. */
export const KEPT_PAST_TOPOLOGIES = 4;

/** Distinct `asOf` moments one request may ask: no more than are kept, so none is built twice. */
export const MAX_PAST_MOMENTS_PER_REQUEST = KEPT_PAST_TOPOLOGIES;

/** Past topologies a replica builds at once (each reads and indexes a whole inventory); the others wait. */
export const CONCURRENT_PAST_BUILDS = 1;

/**
 * Past topologies that may wait for a build; a moment of yet another version is refused
 * (PastBuildsBusy) instead of queued. A build is never abandoned, so a queue without bound is
 * work without bound: a caller cycling through more versions than are kept would otherwise
 * leave a backlog of whole-inventory builds that runs on long after it stopped asking.
 */
export const WAITING_PAST_BUILDS = KEPT_PAST_TOPOLOGIES;

/** A moment that would need one more past build than may wait. */
export class PastBuildsBusy extends Error {}

/** The version, policy and sync times in force at `at`, in one statement. */
export async function momentAt(sql: SqlClient, at: Date): Promise<Moment> {
  const [row] = await sql.query<{ since: Date | string; now: Date | string; version: number | null; policy: Parameters<typeof policyFromRow>[0]; sources: [string, string][] | null }>(
    `SELECT (SELECT since FROM history_horizon WHERE id = 1) AS since, clock_timestamp() AS now,
            (SELECT max(version) FROM inventory_change WHERE changed_at <= $1) AS version,
            (SELECT row_to_json(p) FROM (SELECT * FROM isolation_policy WHERE created_at <= $1 ORDER BY version DESC LIMIT 1) p) AS policy,
            (SELECT json_agg(json_build_array(s.source, s.synced_at)) FROM (
               SELECT DISTINCT ON (source) source, synced_at FROM source_sync_log WHERE logged_at <= $1 ORDER BY source, logged_at DESC, id DESC
             ) s WHERE s.synced_at IS NOT NULL) AS sources`,
    [at.toISOString()],
  );
  const since = new Date(row.since);
  if (at < since || row.version === null) {
    throw new MomentOutOfRange(`${at.toISOString()} is before history begins: the earliest moment it answers for is ${since.toISOString()}`, since);
  }
  if (at > new Date(row.now)) throw new MomentOutOfRange(`${at.toISOString()} has not come yet: ask for a moment up to now`, since);
  return {
    at,
    version: row.version,
    policy: policyFromRow(row.policy),
    freshness: new Map((row.sources ?? []).map(([key, synced]) => [key, new Date(synced)] as [string, Date])),
  };
}

/** A past topology: usable for verdicts once loaded; its shared places and replicas once warmed (built when first asked for). */
interface PastTopology {
  topology: Promise<Topology>;
  warmed: () => Promise<void>;
}

export class PastViews {
  private topologies = new LRUCache<number, PastTopology>({ max: KEPT_PAST_TOPOLOGIES });
  private reports = new LRUCache<string, Promise<FleetReport>>({ max: KEPT_PAST_TOPOLOGIES });
  private violationsOf = new WeakMap<Topology, Promise<Violation[]>>();
  private builds = pLimit(CONCURRENT_PAST_BUILDS);
  /** Builds not finished yet, by version: one the LRU has let go of is still not built twice. */
  private unfinished = new Map<number, PastTopology>();

  /** `current(version)`: the current index's topology when it holds exactly that version. */
  constructor(
    private readonly sql: SqlClient,
    private readonly current: (version: number) => { topology: Topology; warmed: () => Promise<void> } | null,
    private readonly warm: (topology: Topology) => Generator<void, void>,
  ) {}

  async view(at: Date): Promise<IsolationView> {
    const moment = await momentAt(this.sql, at);
    const past = this.topologyAt(moment.version);
    const topology = await past.topology;
    const reportKey = `${moment.version}/${moment.policy.version}`;
    return {
      topology,
      inventoryVersion: moment.version,
      policy: moment.policy,
      freshness: moment.freshness,
      asOf: at,
      report: () => {
        let report = this.reports.get(reportKey);
        if (!report) {
          report = past.warmed().then(() => runInSlices(fleetReportSteps(topology, moment.policy)));
          this.reports.set(reportKey, report);
          report.catch(() => this.reports.delete(reportKey));
        }
        return report;
      },
      violations: () =>
        getOrInsert(this.violationsOf, topology, () => {
          const violations = past.warmed().then(() => runInSlices(antiAffinityViolationsSteps(topology)));
          violations.catch(() => this.violationsOf.delete(topology));
          return violations;
        }),
      // A verdict needs the topology only; what reads shared places and replicas awaits this.
      warmed: past.warmed,
    };
  }

  /** Past topologies being built now, and waiting to be (for metrics and tests). */
  get building(): { active: number; waiting: number } {
    return { active: this.builds.activeCount, waiting: this.builds.pendingCount };
  }

  /**
   * The topology of `version`: loaded from history (one build at a time) and handed out as soon
   * as it is loaded; warmed when something first needs its shared places or replicas.
   */
  private topologyAt(version: number): PastTopology {
    const current = this.current(version);
    if (current) return { topology: Promise.resolve(current.topology), warmed: current.warmed };
    let past = this.topologies.get(version) ?? this.unfinished.get(version);
    if (!past) {
      if (this.builds.pendingCount >= WAITING_PAST_BUILDS) {
        throw new PastBuildsBusy(`this replica is already building ${this.builds.activeCount + this.builds.pendingCount} past inventories for asOf answers; try again in a few seconds`);
      }
      // What a verdict reads (the topology, its units per workload and tenant), as the current index publishes it.
      const topology = this.builds(async () => {
        const { topology: loaded } = await loadTopology(this.sql, tablesAt(version));
        await runInSlices(unitsIndexSteps(loaded));
        return loaded;
      });
      // Built when a report, violations or replicas of the moment are first asked for (a verdict
      // never needs them), outside the one-build limit: the next moment's read need not wait for it.
      let warming: Promise<void> | null = null;
      const warmed = () =>
        (warming ??= topology
          .then((loaded) => runInSlices(this.warm(loaded)))
          .catch((error: unknown) => {
            warming = null; // the next ask tries again
            throw error;
          }));
      past = { topology, warmed };
      this.topologies.set(version, past);
      this.unfinished.set(version, past);
      const finished = () => void this.unfinished.delete(version);
      topology.then(finished, () => {
        finished();
        this.topologies.delete(version);
      });
    }
    return past;
  }
}
