import type { BlockList } from "node:net";
import type { Logger } from "pino";
import { slackSignature } from "../chatops/slack-signature.ts";
import type { Database } from "../db/open-database.ts";
import type { SqlClient } from "../db/sql-client.ts";
import { serviceMetrics } from "../observability/service-metrics.ts";
import { OUTBOX_CHANNEL } from "./outbox.ts";
import { AttemptTimeout, postWebhook } from "./post-webhook.ts";
import { shownWebhookUrl } from "./shown-webhook-url.ts";
import { slackText } from "./slack-text.ts";
import { WebhookAddressError } from "./webhook-address.ts";

/*
 * Delivers the outbox (outbox.ts) to the webhooks, from every replica: a replica claims due
 * deliveries with FOR UPDATE SKIP LOCKED and a lease (LEASE_SECONDS), so each is attempted by
 * one replica at a time, and one killed mid-delivery leaves it to the others once the lease
 * runs out. At least once: a receiver may see a delivery again (after a lost answer), always
 * with the same X-Tenancy-Delivery id. Failed attempts are retried with exponential backoff
 * (1 s, 2 s, 4 s … at most 10 min) up to MAX_ATTEMPTS, then the delivery is FAILED.
 */
export const LEASE_SECONDS = 30;
export const MAX_ATTEMPTS = 12;
export const ATTEMPT_TIMEOUT_MS = 5_000;
const BATCH = 20;
const POLL_MS = 1_000;

/** The signature scheme Slack uses, with our own headers: `v0=` hex HMAC-SHA256 of `v0:<timestamp>:<body>`. */
export function webhookHeaders(secret: string, delivery: string, body: string, now: Date = new Date()): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    "content-type": "application/json",
    "user-agent": "tenancy-scale-webhooks",
    "x-tenancy-delivery": delivery,
    "x-tenancy-request-timestamp": timestamp,
    "x-tenancy-signature": slackSignature(secret, timestamp, body),
  };
}

/** Seconds to wait after failed attempt `attempts` (1-based). */
export const backoffSeconds = (attempts: number) => Math.min(2 ** (attempts - 1), 600);

interface Due {
  id: string;
  url: string;
  secret: string | null;
  format: "JSON" | "SLACK";
  payload: unknown;
  attempts: number;
}

/** The body and headers of one attempt: signed JSON, or a Slack incoming webhook's message. */
function request(delivery: Due): { body: string; headers: Record<string, string> } {
  if (delivery.format === "SLACK") {
    const body = JSON.stringify({ text: slackText(delivery.payload as Parameters<typeof slackText>[0]) });
    return { body, headers: { "content-type": "application/json", "user-agent": "tenancy-scale-webhooks" } };
  }
  const body = JSON.stringify({ delivery: delivery.id, ...(delivery.payload as object) });
  return { body, headers: webhookHeaders(delivery.secret ?? "", delivery.id, body) };
}

/** Claims and attempts the due deliveries once; returns how many it attempted. */
export async function deliverDue(sql: SqlClient, logger: Logger, allowed: BlockList): Promise<number> {
  const due = await sql.query<Due>(
    `UPDATE webhook_delivery d SET attempts = d.attempts + 1, last_attempt_at = clock_timestamp(),
            next_attempt_at = clock_timestamp() + make_interval(secs => ${LEASE_SECONDS})
       FROM webhook w
      WHERE w.id = d.webhook AND d.id IN (
              SELECT id FROM webhook_delivery WHERE state = 'PENDING' AND next_attempt_at <= clock_timestamp()
               ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
      RETURNING d.id::text AS id, w.url, w.secret, w.format, d.payload, d.attempts`,
  );
  await Promise.all(due.map((delivery) => attempt(sql, delivery, logger, allowed)));
  return due.length;
}

/** What the delivery log says of a failed attempt: the refusal, or only the error's code (no scanner's detail). */
function attemptError(thrown: Error): string {
  if (thrown instanceof AttemptTimeout) return `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  if (thrown instanceof WebhookAddressError) return `refused: ${thrown.message}`;
  return `could not reach the receiver (${(thrown as NodeJS.ErrnoException).code ?? thrown.name})`;
}

async function attempt(sql: SqlClient, delivery: Due, logger: Logger, allowed: BlockList) {
  const { body, headers } = request(delivery);
  let status: number | null = null;
  let error: string | null = null;
  try {
    status = await postWebhook(delivery.url, headers, body, allowed, ATTEMPT_TIMEOUT_MS);
    if (status < 200 || status >= 300) error = `the receiver answered HTTP ${status}`;
  } catch (thrown) {
    error = attemptError(thrown as Error);
  }
  const outcome = error === null ? "delivered" : delivery.attempts >= MAX_ATTEMPTS ? "failed" : "retry";
  serviceMetrics.webhookDeliveries.inc({ outcome });
  if (outcome === "failed") logger.warn({ delivery: delivery.id, url: shownWebhookUrl(delivery.url, delivery.format), error }, "webhook delivery given up");
  await sql.query(
    `UPDATE webhook_delivery SET state = $2, last_status = $3, last_error = $4,
            delivered_at = CASE WHEN $2 = 'DELIVERED' THEN clock_timestamp() END,
            next_attempt_at = clock_timestamp() + make_interval(secs => $5)
      WHERE id = $1::bigint`,
    [delivery.id, outcome === "delivered" ? "DELIVERED" : outcome === "failed" ? "FAILED" : "PENDING", status, error, backoffSeconds(delivery.attempts)],
  );
}

/** Runs deliveries on every replica: when the outbox is notified, and on a one-second poll. */
export class WebhookDeliverer {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Pick<Database, "sql" | "listen">,
    private readonly logger: Logger,
    /** The operator's TENANCY_WEBHOOK_ALLOW_NETWORKS (src/notifications/webhook-address.ts). */
    private readonly allowed: BlockList,
  ) {}

  async start(): Promise<() => Promise<void>> {
    const unlisten = await this.db.listen(OUTBOX_CHANNEL, () => this.schedule());
    const timer = setInterval(() => this.schedule(), POLL_MS);
    timer.unref();
    return async () => {
      this.stopped = true;
      clearInterval(timer);
      await unlisten();
      await this.running;
    };
  }

  private schedule() {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    });
  }

  private async run() {
    try {
      while (!this.stopped && (await deliverDue(this.db.sql, this.logger, this.allowed)) === BATCH);
    } catch (error) {
      this.logger.warn({ err: error }, "delivering webhooks failed; tried again within a second");
    }
  }
}
