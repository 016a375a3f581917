import { NOUN } from "../domain/anti-affinity.ts";
import { ANTI_AFFINITY_LEVELS, type AntiAffinityLevel } from "../domain/scale.ts";
import { resultLists, rowKey } from "../compliance/result-rows.ts";
import type { SavedRunResult } from "../compliance/saved-query-runs.ts";
import { ImpactDocument, IsolatedDocument, RunDocument, ViolationsDocument, type ImpactQuery, type TypedDocumentString } from "../graphql/generated/operations.ts";

/*
 * The chat commands: parse one line, run it through the API as the caller (so chat gets
 * exactly the caller's rights, from the same rules), and answer in a sentence a person reads
 * at a glance, with Slack mrkdwn and Block Kit beside the plain text.
 */
export type Execute = (query: string, variables: Record<string, unknown>) => Promise<{ data?: Record<string, unknown> | null; errors?: readonly ApiError[] }>;

type ApiError = { message: string; extensions?: Record<string, unknown> };

/** One of chat's documents (chat-operations.graphql) run as the caller: its typed data, or the API's errors. */
async function ask<TResult, TVariables extends Record<string, unknown>>(
  execute: Execute,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
): Promise<{ data: TResult; errors?: undefined } | { errors: readonly ApiError[] }> {
  const result = await execute(document.toString(), variables);
  // Without errors the API answers the document's data, shaped as the schema (and so the generated type) says.
  return result.errors?.length ? { errors: result.errors } : { data: result.data as TResult };
}

export interface ChatReply {
  /** False when the command was not understood or was refused. */
  ok: boolean;
  /** The answer as plain text (also Slack's notification text). */
  text: string;
  /** The same answer as Slack Block Kit blocks. */
  blocks: Record<string, unknown>[];
  /** The structured answer (the verdict, the violations, …) for bots; null on errors. */
  data: unknown;
}

export const HELP = [
  "`isolated <workload> from <tenant> [as of <date or instant>]`: is the workload isolated enough from that tenant (now, or as it was then)?",
  "`violations [<workload>]`: anti-affinity violations, of one workload or all",
  "`impact <level> <domain>`: what if that host, rack, power domain… fails? e.g. `impact rack ams1-r01`",
  "`run <saved query>`: run a saved query and keep the run as evidence",
  "`help`: this list",
].join("\n");

/** Slack mrkdwn treats &, < and > as control characters. */
export const escapeMrkdwn = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } });
const context = (text: string) => ({ type: "context", elements: [{ type: "mrkdwn", text }] });
const reply = (ok: boolean, text: string, blocks: Record<string, unknown>[], data: unknown = null): ChatReply => ({ ok, text, blocks, data });
const plain = (ok: boolean, text: string) => reply(ok, text.replaceAll("*", "").replaceAll("`", ""), [section(text)]);

/** The text for bots (POST /chatops): Slack's emoji codes (":no_entry: ") mean nothing there. */
export const botText = (text: string) => text.replace(/:[a-z_]+: /g, "");

const OUTCOME = {
  ISOLATED: { emoji: ":white_check_mark:", words: "ISOLATED" },
  NOT_ISOLATED: { emoji: ":x:", words: "NOT ISOLATED" },
  UNPROVEN: { emoji: ":warning:", words: "UNPROVEN" },
} as const;

/** Where the web view is (TENANCY_PUBLIC_URL): answers then link to the page that shows them. */
export interface ChatLinks {
  publicUrl?: string;
}

/** The answer with a link to its page in the web view, when the service knows its public address. */
function withPage(answer: ChatReply, links: ChatLinks, page: string, params: Record<string, string>): ChatReply {
  if (!answer.ok || !links.publicUrl) return answer;
  const url = `${links.publicUrl}${page}?${new URLSearchParams(params).toString()}`;
  return { ...answer, text: `${answer.text}\nSee it: ${url}`, blocks: [...answer.blocks, context(`<${url}|See it in the web view>`)] };
}

export async function answerCommand(line: string, execute: Execute, links: ChatLinks = {}): Promise<ChatReply> {
  const words = line.trim().replace(/\?$/, "").split(/\s+/).filter(Boolean);
  const [verb = "help", ...args] = words;
  switch (verb.toLowerCase()) {
    case "help":
      return reply(true, HELP.replaceAll("`", ""), [section(`*What I can answer:*\n${HELP}`)]);
    case "is":
    case "isolated": {
      const rest = verb.toLowerCase() === "is" ? args.filter((w, i) => !(i === 1 && w.toLowerCase() === "isolated")) : args;
      const from = rest.findIndex((w) => w.toLowerCase() === "from");
      // "… as of 2026-09-30" asks the past (docs/history.md).
      const asOf = rest.length === 6 && rest[3].toLowerCase() === "as" && rest[4].toLowerCase() === "of" ? rest[5] : null;
      if (from !== 1 || (rest.length !== 3 && asOf === null)) {
        return usage("isolated <workload> from <tenant> [as of <date>]", "e.g. `isolated payments from globex` or `isolated payments from globex as of 2026-09-30`");
      }
      return withPage(await isolated(execute, rest[0], rest[2], asOf), links, "/verdict", { workload: rest[0], tenant: rest[2] });
    }
    case "violations":
      if (args.length > 1) return usage("violations [<workload>]", "one workload at most");
      return violations(execute, args[0] ?? null);
    case "impact": {
      const level = args[0]?.toUpperCase().replaceAll("-", "_");
      if (args.length !== 2 || !(ANTI_AFFINITY_LEVELS as readonly string[]).includes(level)) {
        return usage("impact <level> <domain>", `the level is one of ${ANTI_AFFINITY_LEVELS.map((l) => l.toLowerCase().replace("_", "-")).join(", ")}`);
      }
      return withPage(await impact(execute, level as AntiAffinityLevel, args[1]), links, "/what-if", { level, domain: args[1] });
    }
    case "run":
      if (args.length !== 1) return usage("run <saved query>", "the saved query's name");
      return runSaved(execute, args[0]);
    default:
      return reply(false, `I don't know "${verb}". What I can answer:\n${HELP.replaceAll("`", "")}`, [section(`I don't know \`${escapeMrkdwn(verb)}\`. *What I can answer:*\n${HELP}`)]);
  }
}

function usage(form: string, hint: string): ChatReply {
  return plain(false, `Usage: \`${form}\`; ${hint}.`);
}

/** The API's refusal in words; an unexpected error never shows more than that it happened. */
function refusal(errors: readonly ApiError[]): ChatReply {
  const error = errors[0];
  switch (error.extensions?.code) {
    case "FORBIDDEN":
      return plain(false, `:no_entry: Not allowed: ${escapeMrkdwn(error.message)}.`);
    case "NOT_FOUND":
    case "BAD_USER_INPUT":
      return plain(false, `:grey_question: ${escapeMrkdwn(error.message.charAt(0).toUpperCase() + error.message.slice(1))}.`);
    default:
      return plain(false, ":boom: Something went wrong on our side; the details are in the service's log.");
  }
}

async function isolated(execute: Execute, workload: string, tenant: string, asOf: string | null = null): Promise<ChatReply> {
  const result = await ask(execute, IsolatedDocument, { workload, tenant, asOf });
  if (result.errors) return refusal(result.errors);
  const v = result.data.isolation;
  const o = OUTCOME[v.outcome];
  const proven = v.possible === v.actual ? `proven ${v.actual}` : `proven ${v.actual}, possibly ${v.possible}`;
  const then = asOf ? ` as of ${escapeMrkdwn(asOf)}` : "";
  const headline = `${o.emoji} *${o.words}*${then}: *${escapeMrkdwn(v.workloadKey)}* from tenant *${escapeMrkdwn(v.tenantKey)}* (needs ${v.required}; ${proven})`;
  // The explanation opens with the outcome already ("NOT ISOLATED: …").
  return reply(true, asOf ? `As of ${asOf}: ${v.explanation}` : v.explanation, [section(headline), context(escapeMrkdwn(v.explanation))], v);
}

async function violations(execute: Execute, workload: string | null): Promise<ChatReply> {
  const result = await ask(execute, ViolationsDocument, { workload });
  if (result.errors) return refusal(result.errors);
  const { totalCount, nodes } = result.data.antiAffinityViolations;
  const of = workload ? ` of ${workload}` : "";
  if (totalCount === 0) return reply(true, `No anti-affinity violations${of}.`, [section(`:white_check_mark: No anti-affinity violations${escapeMrkdwn(of)}.`)], result.data);
  const hard = nodes.filter((n) => n.mode === "HARD").length;
  const head = `${totalCount} anti-affinity violation${totalCount === 1 ? "" : "s"}${of}`;
  const lines = nodes.map((n) => `• ${n.message}${n.mode === "SOFT" ? " (soft)" : ""}`);
  if (totalCount > nodes.length) lines.push(`…and ${totalCount - nodes.length} more`);
  const emoji = hard > 0 ? ":x:" : ":warning:";
  return reply(true, `${head}:\n${lines.join("\n")}`, [section(`${emoji} *${escapeMrkdwn(head)}*\n${escapeMrkdwn(lines.join("\n"))}`)], result.data);
}

async function impact(execute: Execute, level: AntiAffinityLevel, domain: string): Promise<ChatReply> {
  const result = await ask(execute, ImpactDocument, { level, domain });
  if (result.errors) return refusal(result.errors);
  const f = result.data.failureImpact;
  const what = `${NOUN[level]} ${domain}`;
  type Hit = ImpactQuery["failureImpact"]["workloads"][number];
  const hits = f.workloads.filter((w) => w.lost.length > 0);
  if (hits.length === 0) return reply(true, `If ${what} fails, no workload loses a replica.`, [section(`:white_check_mark: If ${escapeMrkdwn(what)} fails, no workload loses a replica.`)], f);
  const worst = hits.filter((w) => w.losesAll || w.belowQuorum);
  const line = (w: Hit) => {
    const risk = w.atRisk.length > 0 ? ` (${w.atRisk.length} more may: placement unknown)` : "";
    const left = w.losesAll ? ": all of them" : w.belowQuorum ? `: ${w.remaining} left for certain, below its quorum of ${w.quorum}` : `: ${w.remaining} left for certain`;
    return `• ${w.workload.key} loses ${w.lost.length} of ${w.replicaCount}${risk}${left}`;
  };
  const plural = hits.length === 1 ? "workload loses" : "workloads lose";
  const head = `If ${what} fails, ${hits.length} ${plural} replicas${worst.length ? `; ${worst.length} lose${worst.length === 1 ? "s" : ""} all or fall${worst.length === 1 ? "s" : ""} below quorum` : ""}.`;
  const tenants = f.tenantKeys.length ? `Tenants touched: ${f.tenantKeys.join(", ")}.` : "";
  const text = [head, ...hits.map(line), tenants].filter(Boolean).join("\n");
  return reply(true, text, [section(`${worst.length ? ":x:" : ":warning:"} ${escapeMrkdwn(text)}`)], f);
}

async function runSaved(execute: Execute, name: string): Promise<ChatReply> {
  const result = await ask(execute, RunDocument, { name });
  if (result.errors) return refusal(result.errors);
  const { run: ran, userErrors } = result.data.runSavedQuery;
  if (userErrors.length > 0) return plain(false, `:grey_question: ${escapeMrkdwn(userErrors[0].message)}.`);
  // Without user errors the API answers the run, whose result (JSON to the schema) is what the run kept.
  const run = ran!;
  const kept = run.result as SavedRunResult;
  const rows = resultLists(kept.data).flatMap((list) => list.rows.map(rowKey));
  const shown = rows.slice(0, 5).map((key) => `• ${key}`);
  if (rows.length > shown.length) shown.push(`…and ${rows.length - shown.length} more`);
  const asOf = run.inventoryAsOf ? `, inventory as of ${run.inventoryAsOf}` : "";
  const head = `Ran ${run.name} v${run.version}: ${run.rowCount} row${run.rowCount === 1 ? "" : "s"}, digest ${run.digest.slice(0, 12)}${asOf}.`;
  const failed = kept.errors?.length ? `\nIt answered with ${kept.errors.length} error(s).` : "";
  const text = [head + failed, ...shown].join("\n");
  return reply(!failed, text, [section(`:clipboard: ${escapeMrkdwn(text)}`)], run);
}
