import type { Database } from "../db/open-database.ts";
import type { SqlClient } from "../db/sql-client.ts";
import { CURRENT_INVENTORY_VERSION, INVENTORY_CHANNEL } from "../inventory/inventory-version.ts";
import { antiAffinityViolationsSteps, replicasSteps, type Violation } from "../domain/anti-affinity.ts";
import { fleetReportSteps, type FleetReport } from "../domain/fleet-report.ts";
import { patchedReportSteps, patchStats } from "../domain/patch-report.ts";
import { sharedPlacesSteps } from "../domain/shared-places.ts";
import { forgetPredecessor } from "../domain/separation.ts";
import { rememberUnitsIndex, unitsIndex, unitsIndexSteps } from "../domain/units-index.ts";
import { flattenTopologySteps, forgetPatchOrigin, patchTopologySteps } from "../domain/patch-topology.ts";
import { readInventoryChanges } from "./read-inventory-changes.ts";
import type { Freshness, Topology } from "../domain/topology.ts";
import { loadTopology } from "./load-topology.ts";
import { policyFromRow, type StoredPolicy } from "./policy-store.ts";
import { observeIndexLoad, observeIndexPatch, observeIndexWarmUp, observeReportScan } from "../observability/observe-index.ts";
import { runInSlices } from "./run-in-slices.ts";
import { backgroundSlices, type BackgroundWork } from "./background-slices.ts";
import { getOrInsert } from "../domain/get-or-insert.ts";
import { PastViews } from "../history/past-views.ts";

/*
 * The in-memory topology index, shared by every request of this process. Each request first
 * reads, in one statement, the inventory version (bumped by every applied sync, on any
 * replica), the policy in force and the sources' sync times; the topology is reloaded only
 * when the version moved. So a verdict never reads a topology older than the last committed
 * sync, whichever replica applied it: that check is the guarantee. The NOTIFY each applied
 * sync sends (`watch` LISTENs for it) only starts the reload early, so the next request rarely
 * waits; a lost notification costs one slower request, never a stale answer.
 */
export interface IsolationView {
  topology: Topology;
  inventoryVersion: number;
  policy: StoredPolicy;
  freshness: Freshness;
  /** The fleet report for this inventory and policy, computed once (in slices, the event loop stays free) and kept. */
  report(): Promise<FleetReport>;
  /** Every anti-affinity violation of the fleet, computed once per inventory (in slices, the event loop stays free) and kept. */
  violations(): Promise<Violation[]>;
  /**
   * Resolves once the indexes built after the topology is published (shared places, replicas)
   * are there: what reads replicas awaits it, so it never builds them in one block itself.
   */
  warmed(): Promise<void>;
  /** Set when this is the view of a past moment (`asOf`, src/history/past-views.ts). */
  asOf?: Date;
}

/** Background work (background-slices.ts) and its end: what a request awaiting it promotes. */
interface Pending<T> {
  work: BackgroundWork;
  done: Promise<T>;
}

/** Who asks for a view: a request (the default; what it awaits is promoted) or background work (the findings update). */
export interface ViewFor {
  background?: boolean;
}

export class IsolationIndex {
  private loaded: { topology: Topology; version: number } | null = null;
  private loading: Promise<{ topology: Topology; version: number }> | null = null;
  private reports = new Map<string, Pending<FleetReport>>();
  private violationsOf = new WeakMap<Topology, Pending<Violation[]>>();
  private warming = new WeakMap<Topology, Pending<void>>();
  /** Syncs patched in rather than loaded whole (tests read it: a patch that silently reloaded would prove nothing). */
  patches = 0;
  /** Reports patched from the one kept before rather than scanned whole (src/domain/patch-report.ts). */
  reportPatches = 0;

  /** Views of past moments, built from history and kept apart from the current topology. */
  private readonly past: PastViews;

  constructor(
    private readonly sql: SqlClient,
    private readonly options: { patchMaxRows?: number } = {},
  ) {
    // A past topology is warmed whole (nothing newer can overtake it), after its view is handed out.
    this.past = new PastViews(
      sql,
      (version) => {
        const loaded = this.loaded?.version === version ? this.loaded.topology : null;
        return loaded && { topology: loaded, warmed: () => warmedOf(this.warming, loaded, true) };
      },
      (topology) => warm(topology, () => false),
    );
  }

  /** The view as it was at `at` (src/history/past-views.ts); throws MomentOutOfRange outside history. */
  viewAsOf(at: Date): Promise<IsolationView> {
    return this.past.view(at);
  }

  /** Past topologies being built now, and waiting to be (at most CONCURRENT_PAST_BUILDS at once). */
  get pastBuilds(): { active: number; waiting: number } {
    return this.past.building;
  }

  /** The kept fleet report, if one was asked for (for metrics and tests). */
  get keptReport(): Promise<FleetReport> | null {
    return [...this.reports.values()][0]?.done ?? null;
  }

  /** The inventory version of the topology in memory; null before the first load. */
  get loadedVersion(): number | null {
    return this.loaded?.version ?? null;
  }

  /**
   * Reloads in the background as soon as another replica (or this one) commits a change, so the
   * next request does not wait for it. Only once something was loaded: an idle replica stays idle.
   */
  async watch(db: Pick<Database, "listen">, onError: (error: unknown) => void): Promise<() => Promise<void>> {
    return db.listen(INVENTORY_CHANNEL, (payload) => {
      const version = Number(payload);
      if (this.loaded && Number.isFinite(version) && version > this.loaded.version) this.topologyAt(version).catch(onError);
    });
  }

  async view(asker: ViewFor = {}): Promise<IsolationView> {
    const [state] = await this.sql.query<{ inventory: number; policy: Parameters<typeof policyFromRow>[0]; sources: [string, string][] | null }>(
      `SELECT ${CURRENT_INVENTORY_VERSION} AS inventory,
              (SELECT row_to_json(p) FROM (SELECT * FROM isolation_policy ORDER BY version DESC LIMIT 1) p) AS policy,
              (SELECT json_agg(json_build_array(key, last_synced_at)) FROM source WHERE last_synced_at IS NOT NULL) AS sources`,
    );
    const loaded = await this.topologyAt(state.inventory);
    const policy = policyFromRow(state.policy);
    const freshness = new Map((state.sources ?? []).map(([key, at]) => [key, new Date(at)] as [string, Date]));
    const promote = !asker.background;
    const warmed = () => warmedOf(this.warming, loaded.topology, promote);
    return {
      topology: loaded.topology,
      inventoryVersion: loaded.version,
      policy,
      freshness,
      report: () => awaited(this.reportOf(loaded, policy), promote),
      warmed,
      violations: () => awaited(this.violationsIn(loaded.topology), promote),
    };
  }

  /** The report of this topology and policy: kept, or computed as background work (after the warm-up it needs). */
  private reportOf(loaded: { topology: Topology; version: number }, policy: StoredPolicy): Pending<FleetReport> {
    const reportKey = `${loaded.version}/${policy.version}`;
    let report = this.reports.get(reportKey);
    if (report) return report;
    const keptPending = [...this.reports.values()][0];
    const warming = this.warming.get(loaded.topology);
    // What this report waits for (the warm-up, the kept report it is patched from) is promoted with it.
    const work = backgroundSlices.work();
    if (warming) work.awaits(warming.work);
    if (keptPending) work.awaits(keptPending.work);
    const done = observeReportScan(async () => {
      await warming?.done;
      // The kept report of another version (or policy): only the workloads a change reached are scanned again.
      const before = keptPending ? await keptPending.done.catch(() => null) : null;
      if (!before) return runInSlices(fleetReportSteps(loaded.topology, policy), work);
      const stats = patchStats();
      const patched = await runInSlices(patchedReportSteps(before, loaded.topology, policy, stats), work);
      if (stats.full === null) this.reportPatches++;
      return patched;
    });
    report = { work, done };
    this.reports.clear(); // only the newest is worth keeping
    this.reports.set(reportKey, report);
    done.catch(() => this.reports.delete(reportKey));
    return report;
  }

  /** The violations of this topology: kept, or computed as background work (after the warm-up, whose replicas they read). */
  private violationsIn(topology: Topology): Pending<Violation[]> {
    return getOrInsert(this.violationsOf, topology, () => {
      const warming = this.warming.get(topology);
      const work = backgroundSlices.work();
      if (warming) work.awaits(warming.work);
      const done = (async () => {
        await warming?.done;
        return runInSlices(antiAffinityViolationsSteps(topology), work);
      })();
      done.catch(() => this.violationsOf.delete(topology));
      return { work, done };
    });
  }

  private async topologyAt(version: number): Promise<{ topology: Topology; version: number }> {
    if (this.loaded && this.loaded.version >= version) return this.loaded;
    // One reload at a time; requests arriving meanwhile wait for it.
    if (!this.loading) {
      // Published once what a verdict reads is built (the topology, its units per workload and
      // tenant): requests wait for that only. The report's shared places and the replicas are
      // built after, in slices too; what needs them awaits `warmed`.
      const current = this.loaded;
      this.loading = (current ? this.patchOrLoad(current) : this.load()).then(
        (fresh) => {
          this.loaded = fresh;
          this.loading = null;
          const stale = () => this.loaded?.topology !== fresh.topology;
          // A warm-up overtaken by a newer load stops; whatever then needs the old one builds its own.
          const work = backgroundSlices.work();
          this.warming.set(fresh.topology, { work, done: observeIndexWarmUp(() => runInSlices(warm(fresh.topology, stale), work)).catch(() => undefined) });
          return fresh;
        },
        (error) => {
          this.loading = null;
          throw error;
        },
      );
    }
    const fresh = await this.loading;
    // A sync may have landed while we loaded an older version: load again.
    return fresh.version >= version ? fresh : this.topologyAt(version);
  }

  /** The whole fleet, read and built anew. */
  private load(): Promise<{ topology: Topology; version: number }> {
    return observeIndexLoad(async () => {
      const fresh = await loadTopology(this.sql);
      await runInSlices(unitsIndexSteps(fresh.topology));
      return fresh;
    });
  }

  /**
   * The syncs since `current` patched into it (src/domain/patch-topology.ts): a verdict waits
   * for a few statements and work in proportion to what changed, not for the whole fleet. When
   * history cannot say what changed, or too much did, the whole fleet is loaded instead.
   */
  private async patchOrLoad(current: { topology: Topology; version: number }): Promise<{ topology: Topology; version: number }> {
    const patched = await observeIndexPatch(async () => {
      const read = await readInventoryChanges(this.sql, current.version, this.options.patchMaxRows ?? PATCH_MAX_ROWS);
      if ("reload" in read) return { reload: read.reload };
      const { topology, units } = await runInSlices(patchTopologySteps(current.topology, unitsIndex(current.topology), read.changes));
      rememberUnitsIndex(topology, units);
      return { topology, version: read.version };
    });
    if ("reload" in patched) return this.load();
    this.patches++;
    return patched;
  }
}

/**
 * Changed rows (and units of changed workloads) past which a sync is loaded whole rather than
 * patched in: a patch reads them in one statement per table and applies them in slices, so
 * this bounds the wait of the verdicts asked meanwhile to tens of milliseconds.
 */
export const PATCH_MAX_ROWS = 10_000;

/**
 * Walks every unit's way up and indexes it by the places it shares (the report's index), and
 * finds every workload's replicas, once at load, so no request pays for it; in steps.
 */
export function* warm(topology: Topology, stale: () => boolean): Generator<void, void> {
  // A patched topology's maps first become plain maps again (src/domain/patch-topology.ts).
  yield* flattenTopologySteps(topology, yield* unitsIndexSteps(topology));
  for (const steps of [sharedPlacesSteps(topology), replicasSteps(topology)] as Generator<void, unknown>[]) {
    for (let step = steps.next(); !step.done; step = steps.next()) {
      if (stale()) return;
      yield;
    }
  }
  // Every unit's chain is made and the report's index carried: what they took over from the topology it was patched from is let go.
  forgetPredecessor(topology);
  forgetPatchOrigin(topology);
}

/** `pending`'s end; a request (`promote`) awaiting it makes it foreground work, so it cannot starve behind that request. */
function awaited<T>(pending: Pending<T>, promote: boolean): Promise<T> {
  if (promote) pending.work.promote();
  return pending.done;
}

/** The warm-up of `topology` awaited (none: it is warm, or was never patched or loaded here). */
function warmedOf(warming: WeakMap<Topology, Pending<void>>, topology: Topology, promote: boolean): Promise<void> {
  const pending = warming.get(topology);
  return pending ? awaited(pending, promote) : Promise.resolve();
}
