import type { Logger } from "pino";
import type { Database } from "../db/open-database.ts";
import { INVENTORY_CHANNEL } from "../inventory/inventory-version.ts";
import type { IsolationIndex } from "../isolation/isolation-index.ts";
import { expireAcceptances, findingsUpToDate, updateFindings, type KnownFindings } from "./update-findings.ts";
import { outsideRequest } from "../observability/request-context.ts";
import { inSpan } from "../observability/in-span.ts";
import { unlessAborted } from "./unless-aborted.ts";

/*
 * Keeps the findings current on every replica: after a change this replica made (a sync, a
 * policy change, a rule override), when another replica's change is announced (the inventory
 * NOTIFY), and on a short poll that also catches policy changes made elsewhere and acceptances
 * whose time ran out. Runs never overlap; a request for a run while one is under way makes
 * one more run after it. Stopping abandons a run under way (its transaction rolls back, the
 * next start or another replica redoes it): a stop must not wait for a whole fleet's update.
 */
export const FINDINGS_POLL_MS = 2_000;

export class FindingsUpdater {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** What this replica's last update left (update-findings.ts): the next compares with it. */
  private known: KnownFindings | null = null;
  private readonly stopping = new AbortController();

  constructor(
    private readonly db: Pick<Database, "sql" | "listen">,
    private readonly index: IsolationIndex,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<() => Promise<void>> {
    const unlisten = await this.db.listen(INVENTORY_CHANNEL, () => void this.schedule());
    const timer = setInterval(() => void this.schedule(), FINDINGS_POLL_MS);
    timer.unref();
    void this.schedule();
    return async () => {
      this.stopped = true;
      this.stopping.abort(new Error("the service is stopping"));
      clearInterval(timer);
      await unlisten();
      await this.running;
    };
  }

  /** Asks for a run soon; returns when the findings are up to date with what was asked. */
  schedule(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    // A span of its own: the index load and report scan it may cause are traced inside it.
    this.running = outsideRequest(() => inSpan("tenancy.findings.update", {}, () => this.run())).finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.schedule();
      }
    });
    return this.running;
  }

  private async run(): Promise<void> {
    const { signal } = this.stopping;
    try {
      const expired = await expireAcceptances(this.db.sql, signal);
      if (expired > 0) this.logger.info({ expired }, "finding acceptances expired");
      if (await findingsUpToDate(this.db.sql)) return;
      const started = performance.now();
      const view = await unlessAborted(this.index.view({ background: true }), signal);
      const index = Math.round(performance.now() - started);
      const done = await updateFindings(this.db.sql, view, this.known, signal);
      if (!done) return;
      this.known = done.known;
      // With where the time went (the index's reload, the report, ...): what a notification waits for.
      if (done.update.changed + done.update.resolved > 0) this.logger.info({ ...done.update, ms: { index, ...done.ms } }, "findings updated");
    } catch (error) {
      if (signal.aborted) return this.logger.info("findings update abandoned: the service is stopping; the next start or another replica redoes it");
      this.logger.warn({ err: error }, "updating findings failed; tried again on the next change or poll");
    }
  }
}
