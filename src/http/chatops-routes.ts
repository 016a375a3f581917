import type http from "node:http";
import type { Logger } from "pino";
import type { DenialLog } from "../access/denial-log.ts";
import type { Principal } from "../access/principal.ts";
import { slackPrincipal, type ChatopsAccess } from "../chatops/chatops-access.ts";
import { answerCommand, botText, type ChatReply } from "../chatops/chat-commands.ts";
import { firstSighting } from "../chatops/replay-guard.ts";
import { verifySlackSignature } from "../chatops/slack-signature.ts";
import type { SqlClient } from "../db/sql-client.ts";
import type { RunOperation } from "../graphql/context.ts";

/*
 * POST /chatops/slack (a Slack slash command, form-encoded, signed by Slack) and POST /chatops
 * (JSON, bearer token, for other bots). Both answer the same commands with the same text;
 * each command runs through the API as the caller.
 */
export interface ChatopsDeps {
  sql: SqlClient;
  logger: Logger;
  slackSigningSecret: string | undefined;
  access: ChatopsAccess;
  runOperation: RunOperation;
  denials: DenialLog;
  /** TENANCY_PUBLIC_URL: answers link to their page in the web view. */
  publicUrl?: string;
}

type Send = (status: number, body: unknown) => void;

export function chatopsRoutes(deps: ChatopsDeps) {
  const answer = (line: string, principal: Principal): Promise<ChatReply> => answerCommand(line, (query, variables) => deps.runOperation({ query, variables }, { principal, trustedDocument: false }), { publicUrl: deps.publicUrl });

  return {
    async slack(request: http.IncomingMessage, rawBody: Buffer, send: Send) {
      if (!deps.slackSigningSecret) return send(404, { error: "no route /chatops/slack: set TENANCY_SLACK_SIGNING_SECRET to answer Slack" });
      const signature = header(request, "x-slack-signature");
      const signed = verifySlackSignature(deps.slackSigningSecret, { timestamp: header(request, "x-slack-request-timestamp"), signature, rawBody });
      // Trust boundary: one opaque answer for a bad signature, an old timestamp and a replay, so a
      // forger learns nothing from which check failed.
      if (!signed || !(await firstSighting(deps.sql, signature!))) {
        deps.logger.warn({ signed }, "chatops: refused a Slack request (bad signature, old timestamp or replay)");
        const reason = signed ? "replayed signature" : "bad signature or stale timestamp";
        // The user id in an unsigned body is only a claim: kept in the detail, never in the key.
        const claimed = new URLSearchParams(rawBody.toString("utf8")).get("user_id");
        await deps.denials.note({ actor: "slack", role: null, action: "chatops.slack", subject: reason, target: "/chatops/slack", detail: { reason, claimedUser: claimed?.slice(0, 64) ?? null } });
        return send(401, { error: "unauthorized" });
      }
      const form = new URLSearchParams(rawBody.toString("utf8"));
      const userId = form.get("user_id") ?? "";
      const principal = slackPrincipal(deps.access, userId, form.get("channel_id") ?? "");
      if (!principal) {
        const text = "You may not use Tenancy Scale from here: ask an operator to map your Slack user or this channel to a role (TENANCY_CHATOPS_ACCESS).";
        return send(200, { response_type: "ephemeral", text });
      }
      const reply = await answer(form.get("text") ?? "", principal);
      deps.logger.info({ actor: principal.actor, command: (form.get("text") ?? "").split(/\s+/)[0], ok: reply.ok }, "chatops: Slack command");
      return send(200, { response_type: "ephemeral", text: reply.text, blocks: reply.blocks });
    },

    async json(principal: Principal, rawBody: Buffer, send: Send) {
      let body: { text?: unknown } | null = null;
      try {
        body = JSON.parse(rawBody.toString("utf8")) as { text?: unknown } | null;
      } catch {
        // answered below
      }
      if (!body || typeof body.text !== "string") return send(400, { ok: false, text: 'send a JSON object with the command in "text", e.g. {"text": "isolated payments from globex"}', data: null });
      const reply = await answer(body.text, principal);
      return send(200, { ok: reply.ok, text: botText(reply.text), data: reply.data });
    },
  };
}

function header(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
