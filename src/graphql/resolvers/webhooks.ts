import { countDeliveries, countWebhooks, createWebhook, deleteWebhook, deliveriesPage, webhooksPage, type DeliveryRow } from "../../notifications/webhook-store.ts";
import { shownWebhookUrl } from "../../notifications/shown-webhook-url.ts";
import { badUserInput } from "../errors.ts";
import type { MutationResolvers, QueryResolvers, WebhookFilter as WebhookFilterAnswer, WebhookResolvers } from "../generated/resolvers-types.ts";
import { connectionFromRows, pageRequest } from "../pagination.ts";

/*
 * Webhooks over GraphQL (docs/history.md): register, delete, list, and read each one's
 * delivery log. Thin: src/notifications/webhook-store.ts reads and writes. A webhook's deliveries
 * are one statement per webhook listed (a page holds few).
 */
export const Webhook: WebhookResolvers = {
  url: (w) => shownWebhookUrl(w.url, w.format),
  // Safe: the stored filter is what WebhookFilterInput accepted (kinds and changes are the
  // schema's enum values), cleaned by webhook-store.ts; the store's type keeps them as strings.
  filter: (w) => ({ workload: null, tenant: null, kinds: null, severities: null, changes: null, ...w.filter }) as WebhookFilterAnswer,
  async deliveries(w, args, ctx) {
    const page = pageRequest(args);
    if (page.after !== null && !/^\d+$/.test(page.after)) throw badUserInput("after is not a cursor of deliveries", "after");
    const rows = await deliveriesPage(ctx.db.sql, w.id, page.after, page.size);
    return connectionFromRows(
      rows,
      page,
      (d: DeliveryRow) => d.id,
      () => countDeliveries(ctx.db.sql, w.id),
    );
  },
};

export const webhookQueries: QueryResolvers = {
  async webhooks(_, args, ctx) {
    const page = pageRequest(args);
    const rows = await webhooksPage(ctx.db.sql, page.after, page.size);
    return connectionFromRows(
      rows,
      page,
      (w) => w.id,
      () => countWebhooks(ctx.db.sql),
    );
  },
};

export const webhookMutations: MutationResolvers = {
  async createWebhook(_, args, ctx) {
    const result = await createWebhook(ctx.db.sql, args.input, ctx.principal.actor, ctx.webhookAllowed);
    if (result.webhook) ctx.logger.info({ webhook: result.webhook.id, url: shownWebhookUrl(result.webhook.url, result.webhook.format) }, "webhook created");
    return result;
  },
  deleteWebhook: (_, args, ctx) => deleteWebhook(ctx.db.sql, args.id),
};
