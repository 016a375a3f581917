import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { SqlClient } from "../db/sql-client.ts";
import { capDetail, capTarget } from "./audit-log.ts";
import { getOrInsert } from "../domain/get-or-insert.ts";

/*
 * Denials in the audit log: refused tokens, refused chat signatures, denied reads and denied
 * mutations. Anyone can send them as fast as the network allows, so they are aggregated: one
 * event per minute for each (actor, role, action, what was asked), with `count` and `lastAt`.
 * The first denial of a minute is written before the request is answered (so it is never
 * lost); repeats are counted in memory and added in one statement a moment later. What a
 * caller controls (a token guessed, a source named) is never part of the aggregation key, so
 * the number of events a minute is bounded by the tokens and fields that exist, not by the
 * attacker; past `maxKeysPerMinute` distinct keys on one replica, the rest fold into one
 * overflow event.
 */
export interface Denial {
  actor: string;
  /** Null when the caller was not identified (a refused token or signature). */
  role: string | null;
  action: string;
  /** What was asked: a field's coordinate, a route. Part of the aggregation key: keep it to a fixed set. */
  subject: string;
  /** The first such denial's target and detail are kept; later ones only count. */
  target: string | null;
  detail: Record<string, unknown>;
}

const OVERFLOW: Pick<Denial, "actor" | "role" | "action" | "subject"> = { actor: "*", role: null, action: "denials", subject: "overflow" };

export class DenialLog {
  private minute = 0;
  private keysThisMinute = new Set<string>();
  private pending = new Map<string, { denial: Denial; count: number; lastAt: Date }>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: SqlClient,
    private readonly logger: Pick<Logger, "warn">,
    private readonly flushMs = 250,
    private readonly maxKeysPerMinute = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a denial: written now when it is the first of its kind this minute, else counted. */
  async note(denial: Denial): Promise<void> {
    const at = this.now();
    const minute = Math.floor(at / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.keysThisMinute.clear();
    }
    let key = aggregateKey(minute, denial);
    if (!this.keysThisMinute.has(key) && this.keysThisMinute.size >= this.maxKeysPerMinute) {
      denial = { ...OVERFLOW, target: null, detail: { note: `more than ${this.maxKeysPerMinute} kinds of denial in one minute; the rest are counted here` } };
      key = aggregateKey(minute, denial);
    }
    if (!this.keysThisMinute.has(key)) {
      this.keysThisMinute.add(key);
      await this.write([{ key, denial, count: 1, lastAt: new Date(at) }]).catch((error) => this.logger.warn({ err: error }, "audit: could not record a denial"));
      return;
    }
    const entry = getOrInsert(this.pending, key, () => ({ denial, count: 0, lastAt: new Date(at) }));
    entry.count++;
    entry.lastAt = new Date(at);
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
  }

  /** Writes the repeats counted so far (also on shutdown). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = [...this.pending].map(([key, entry]) => ({ key, ...entry }));
    this.pending.clear();
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.write(batch)).catch((error) => this.logger.warn({ err: error }, "audit: could not record repeated denials"));
    return this.flushing;
  }

  private async write(batch: { key: string; denial: Denial; count: number; lastAt: Date }[]): Promise<void> {
    await this.sql.query(
      `INSERT INTO audit_event (aggregate_key, actor, role, action, target, outcome, detail, count, last_at)
       SELECT u.key, u.actor, u.role, u.action, u.target, 'DENIED', u.detail::jsonb, u.count, u.last_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::timestamptz[])
           AS u(key, actor, role, action, target, detail, count, last_at)
       ON CONFLICT (aggregate_key) DO UPDATE SET count = audit_event.count + EXCLUDED.count, last_at = GREATEST(audit_event.last_at, EXCLUDED.last_at)`,
      [
        batch.map((b) => b.key),
        batch.map((b) => b.denial.actor),
        batch.map((b) => b.denial.role),
        batch.map((b) => b.denial.action),
        batch.map((b) => capTarget(b.denial.target)),
        batch.map((b) => capDetail(b.denial.detail)),
        batch.map((b) => b.count),
        batch.map((b) => b.lastAt.toISOString()),
      ],
    );
  }
}

function aggregateKey(minute: number, d: Pick<Denial, "actor" | "role" | "action" | "subject">): string {
  return createHash("sha256")
    .update(JSON.stringify([minute, d.actor, d.role, d.action, d.subject]))
    .digest("hex");
}
