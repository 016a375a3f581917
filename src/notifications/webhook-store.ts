import { randomUUID } from "node:crypto";
import type { BlockList } from "node:net";
import type { SqlClient } from "../db/sql-client.ts";
import { shownWebhookUrl } from "./shown-webhook-url.ts";
import { resolveReceiver, WebhookAddressError } from "./webhook-address.ts";

/*
 * Webhooks and their delivery log (docs/history.md). The secret is write-only: it signs the
 * deliveries and is never read back over the API.
 */
export interface WebhookFilter {
  workload?: string | null;
  tenant?: string | null;
  kinds?: string[] | null;
  severities?: string[] | null;
  changes?: string[] | null;
}

export interface WebhookRow {
  id: string;
  url: string;
  format: string;
  filter: WebhookFilter;
  createdBy: string;
  createdAt: Date;
}

const COLUMNS = `id, url, format, filter, created_by AS "createdBy", created_at AS "createdAt"`;
type Problem = { path: string[]; message: string };

/** The shortest secret accepted: a guessable key would let anyone forge deliveries. */
export const MIN_SECRET_LENGTH = 16;

type WebhookInput = { url: string; secret?: string | null; format?: string | null; filter?: WebhookFilter | null };

function problemsOf(input: WebhookInput): Problem[] {
  const problems: Problem[] = [];
  let url: URL | null = null;
  try {
    url = new URL(input.url);
  } catch {
    problems.push({ path: ["url"], message: `"${shownWebhookUrl(input.url, input.format)}" is not a URL` });
  }
  if (url && url.protocol !== "https:" && url.protocol !== "http:") problems.push({ path: ["url"], message: `the URL must be http or https, not ${url.protocol}` });
  if (url && (url.username || url.password)) problems.push({ path: ["url"], message: "the URL must not carry credentials; the secret signs each delivery" });
  // A Slack incoming webhook's URL is its secret; a JSON receiver checks our signature.
  if (input.format !== "SLACK" && (input.secret ?? "").length < MIN_SECRET_LENGTH) problems.push({ path: ["secret"], message: `the secret must be at least ${MIN_SECRET_LENGTH} characters long` });
  return problems;
}

/** Drops absent and empty criteria: what is left is what the filter asks. */
function cleanFilter(filter: WebhookFilter | null | undefined): WebhookFilter {
  return Object.fromEntries(Object.entries(filter ?? {}).filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0)));
}

/** Refuses a receiver on this machine, the metadata service or a private network (webhook-address.ts). */
async function addressProblems(input: WebhookInput, allowed: BlockList): Promise<Problem[]> {
  try {
    await resolveReceiver(new URL(input.url), allowed);
    return [];
  } catch (error) {
    if (error instanceof WebhookAddressError) return [{ path: ["url"], message: `${error.message}; webhooks post only to public addresses` }];
    throw error;
  }
}

export async function createWebhook(sql: SqlClient, input: WebhookInput, actor: string, allowed: BlockList): Promise<{ webhook: WebhookRow | null; userErrors: Problem[] }> {
  let userErrors = problemsOf(input);
  if (!userErrors.some((e) => e.path[0] === "url")) userErrors = [...(await addressProblems(input, allowed)), ...userErrors];
  if (userErrors.length > 0) return { webhook: null, userErrors };
  const [webhook] = await sql.query<WebhookRow>(`INSERT INTO webhook (id, url, secret, format, filter, created_by) VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING ${COLUMNS}`, [
    `wh-${randomUUID()}`,
    input.url,
    input.format === "SLACK" ? null : (input.secret ?? null),
    input.format ?? "JSON",
    JSON.stringify(cleanFilter(input.filter)),
    actor,
  ]);
  return { webhook, userErrors: [] };
}

export async function deleteWebhook(sql: SqlClient, id: string): Promise<{ deleted: boolean; userErrors: Problem[] }> {
  const rows = await sql.query(`UPDATE webhook SET deleted_at = clock_timestamp() WHERE id = $1 AND deleted_at IS NULL RETURNING 1`, [id]);
  // Its pending deliveries are not attempted any more.
  if (rows.length > 0) await sql.query(`UPDATE webhook_delivery SET state = 'FAILED', last_error = 'the webhook was deleted' WHERE webhook = $1 AND state = 'PENDING'`, [id]);
  return rows.length > 0 ? { deleted: true, userErrors: [] } : { deleted: false, userErrors: [{ path: ["id"], message: `no webhook has the id "${id}"` }] };
}

export async function webhooksPage(sql: SqlClient, after: string | null, size: number): Promise<WebhookRow[]> {
  return sql.query<WebhookRow>(`SELECT ${COLUMNS} FROM webhook WHERE deleted_at IS NULL AND ($1::text IS NULL OR id > $1) ORDER BY id LIMIT ${size + 1}`, [after]);
}

export const countWebhooks = async (sql: SqlClient) => (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook WHERE deleted_at IS NULL`))[0].n;

export interface DeliveryRow {
  id: string;
  webhook: string;
  state: string;
  attempts: number;
  payload: unknown;
  createdAt: Date;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
}

/** A webhook's deliveries, newest first. */
export async function deliveriesPage(sql: SqlClient, webhook: string, after: string | null, size: number): Promise<DeliveryRow[]> {
  return sql.query<DeliveryRow>(
    `SELECT id::text AS id, webhook, state, attempts, payload, created_at AS "createdAt", last_attempt_at AS "lastAttemptAt",
            next_attempt_at AS "nextAttemptAt", last_status AS "lastStatus", last_error AS "lastError", delivered_at AS "deliveredAt"
       FROM webhook_delivery WHERE webhook = $1 AND ($2::bigint IS NULL OR id < $2::bigint) ORDER BY id DESC LIMIT ${size + 1}`,
    [webhook, after],
  );
}

export const countDeliveries = async (sql: SqlClient, webhook: string) => (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_delivery WHERE webhook = $1`, [webhook]))[0].n;
