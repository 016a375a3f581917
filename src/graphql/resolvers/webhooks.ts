import { countDeliveries, countWebhooks, createWebhook, deleteWebhook, deliveriesPage, webhooksPage, type DeliveryRow, type WebhookFilter, type WebhookRow } from "../../notifications/webhook-store.ts";
import type { Context } from "../context.ts";
import { badUserInput } from "../errors.ts";
import { connectionFromRows, pageRequest, type PageArgs } from "../pagination.ts";

/*
 * Webhooks over GraphQL (docs/history.md): register, delete, list, and read each one's
 * delivery log. Thin: src/notifications/webhook-store.ts reads and writes. A webhook's deliveries
 * are one statement per webhook listed (a page holds few).
 */
export const Webhook = {
  filter: (w: WebhookRow) => ({ workload: null, tenant: null, kinds: null, severities: null, changes: null, ...w.filter }),
  async deliveries(w: WebhookRow, args: PageArgs, ctx: Context) {
    const page = pageRequest(args);
    if (page.after !== null && !/^\d+$/.test(page.after)) throw badUserInput("after is not a cursor of deliveries", "after");
    const rows = await deliveriesPage(ctx.db.sql, w.id, page.after, page.size);
    return connectionFromRows(rows, page, (d: DeliveryRow) => d.id, () => countDeliveries(ctx.db.sql, w.id));
  },
};

export const webhookQueries = {
  async webhooks(_: unknown, args: PageArgs, ctx: Context) {
    const page = pageRequest(args);
    const rows = await webhooksPage(ctx.db.sql, page.after, page.size);
    return connectionFromRows(rows, page, (w) => w.id, () => countWebhooks(ctx.db.sql));
  },
};

export const webhookMutations = {
  async createWebhook(_: unknown, args: { input: { url: string; secret?: string | null; format?: string | null; filter?: WebhookFilter | null } }, ctx: Context) {
    const result = await createWebhook(ctx.db.sql, args.input, ctx.principal.actor);
    if (result.webhook) ctx.logger.info({ webhook: result.webhook.id, url: result.webhook.url }, "webhook created");
    return result;
  },
  deleteWebhook: (_: unknown, args: { id: string }, ctx: Context) => deleteWebhook(ctx.db.sql, args.id),
};
