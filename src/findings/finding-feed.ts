import { EventEmitter, on } from "node:events";
import type { Database } from "../db/open-database.ts";
import { FINDING_COLUMNS, type FindingEventRow, type FindingRow } from "./finding-store.ts";

/*
 * The finding changes as they are committed, on every replica: a trigger NOTIFYs at each insert
 * of finding events (migration 20261201033000_finding_feed), and each replica then reads the
 * events after the last one it saw, with their findings, in one statement, and hands them to
 * its subscribers (GraphQL subscriptions, findingChanged).
 */
export const FINDINGS_CHANNEL = "tenancy_findings";

export interface FindingChanged {
  event: FindingEventRow;
  finding: FindingRow;
}

export class FindingFeed {
  private readonly emitter = new EventEmitter();
  private lastId: string | null = null;
  private reading: Promise<void> = Promise.resolve();

  constructor(private readonly db: Pick<Database, "sql" | "listen">) {
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<() => Promise<void>> {
    const [row] = await this.db.sql.query<{ id: string | null }>(`SELECT max(id)::text AS id FROM finding_event`);
    this.lastId = row.id ?? "0";
    const unlisten = await this.db.listen(FINDINGS_CHANNEL, () => {
      this.reading = this.reading.then(() => this.read()).catch(() => undefined);
    });
    return async () => {
      await unlisten();
      this.emitter.emit("end");
      await this.reading;
    };
  }

  /**
   * The changes from now on that `accept` lets through, until the iterator's return(). Not an
   * async generator: a generator waiting for the next change cannot be returned (its return()
   * queues behind that wait), so a closed subscription would keep its listener, and the context
   * it closes over, until some change arrived. node's `on` iterator removes its listener at once.
   */
  changes(accept: (change: FindingChanged) => boolean): AsyncIterableIterator<FindingChanged> {
    const inner = on(this.emitter, "change", { close: ["end"] }) as AsyncIterableIterator<[FindingChanged]>;
    const iterator: AsyncIterableIterator<FindingChanged> = {
      async next() {
        for (;;) {
          const step = await inner.next();
          if (step.done) return { done: true, value: undefined };
          if (accept(step.value[0])) return { done: false, value: step.value[0] };
        }
      },
      async return() {
        await inner.return?.();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Subscribers listening now (the /metrics gauge; a closed subscription must leave none behind). */
  listeners(): number {
    return this.emitter.listenerCount("change");
  }

  private async read() {
    if (this.emitter.listenerCount("change") === 0) {
      // Nobody listens: only move the mark on.
      const [row] = await this.db.sql.query<{ id: string | null }>(`SELECT max(id)::text AS id FROM finding_event`);
      this.lastId = row.id ?? this.lastId;
      return;
    }
    const rows = await this.db.sql.query<FindingEventRow & { f: FindingRow }>(
      `SELECT e.id::text AS id, e.finding, e.at, e.change, e.state, e.severity, e.evidence, e.actor, e.inventory_version AS "inventoryVersion",
              e.policy_version AS "policyVersion", (SELECT row_to_json(x) FROM (SELECT ${FINDING_COLUMNS} FROM finding f WHERE f.id = e.finding) x) AS f
         FROM finding_event e WHERE e.id > $1::bigint ORDER BY e.id`,
      [this.lastId],
    );
    for (const { f, ...event } of rows) {
      this.lastId = event.id;
      this.emitter.emit("change", { event, finding: { ...f, firstSeenAt: new Date(f.firstSeenAt), openedAt: new Date(f.openedAt), lastSeenAt: new Date(f.lastSeenAt) } });
    }
  }
}
