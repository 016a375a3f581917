import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../src/service.ts";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import type { TestDatabase } from "../support/test-database.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/** The chat front door: Slack's signed slash commands and the JSON variant, over real PostgreSQL. */
const ADMIN = ADMIN_TOKEN;
const SIGNING_SECRET = "slack-signing-secret-for-tests";
let demo: SecuredDemo;
let t: TestDatabase;
let service: RunningService;
let base: string;
let complianceToken: string;

beforeAll(async () => {
  demo = await startSecuredDemo({
    slackSigningSecret: SIGNING_SECRET,
    chatopsAccess: {
      users: { U0AUDITOR: { role: "compliance" } },
      channels: { C0GEOLOGY: { role: "tenant", tenant: "geology" } },
    },
  });
  ({ t, service } = demo);
  base = service.url.replace(/\/graphql$/, "");
  complianceToken = await createToken(service.url, ADMIN, { name: "chat-bot", role: "COMPLIANCE" });
  await gqlAs(service.url, ADMIN, `mutation { saveQuery(name: "spread", document: "{ antiAffinityViolations { nodes { workload { key } level kind domain } } }") { userErrors { message } } }`);
}, 60_000);
afterAll(async () => demo?.close());

/** A slash command built the way Slack builds it: form-encoded, timestamped, signed. */
function slashCommand(text: string, user = "U0AUDITOR", channel = "C0GENERAL", timestamp = Math.floor(Date.now() / 1000)) {
  const body = new URLSearchParams({
    token: "deprecated-verification-token",
    team_id: "T0TEAM",
    team_domain: "example",
    channel_id: channel,
    channel_name: "general",
    user_id: user,
    user_name: "someone",
    command: "/tenancy",
    text,
    response_url: "https://hooks.slack.com/commands/T0TEAM/1/abc",
    trigger_id: "1.2.3",
  }).toString();
  const signature = `v0=${createHmac("sha256", SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return { body, headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(timestamp), "x-slack-signature": signature } };
}

async function post(request: { body: string; headers: Record<string, string> }) {
  const response = await fetch(`${base}/chatops/slack`, { method: "POST", body: request.body, headers: request.headers });
  return { status: response.status, body: (await response.json()) as any };
}
const slack = (text: string, user?: string, channel?: string) => post(slashCommand(text, user, channel));

describe("POST /chatops/slack", () => {
  it("answers a signed command with one sentence, in mrkdwn and Block Kit, visible only to its sender", async () => {
    const admin = (await gqlAs(service.url, ADMIN, `{ isolation(workload: "genome-pipeline", tenant: "geology") { outcome explanation } }`)).body.data.isolation;
    const { status, body } = await slack("isolated genome-pipeline from geology");
    expect(status).toBe(200);
    expect(body.response_type).toBe("ephemeral");
    expect(admin.outcome).toBe("NOT_ISOLATED");
    expect(body.text).toBe(admin.explanation);
    expect(body.text).toMatch(/^NOT ISOLATED: genome-pipeline \(biology\) needs CONTAINER separation from tenant geology, but /);
    expect(body.blocks[0]).toEqual({ type: "section", text: { type: "mrkdwn", text: ":x: *NOT ISOLATED*: *genome-pipeline* from tenant *geology* (needs CONTAINER; proven PROCESS)" } });
    expect(body.blocks[1].elements[0].text).toBe(admin.explanation);
  });

  it("refuses a replayed request, an old one and a forged one with the same opaque 401", async () => {
    const request = slashCommand("violations");
    expect((await post(request)).status).toBe(200);
    const replay = await post(request);
    const old = await post(slashCommand("violations", undefined, undefined, Math.floor(Date.now() / 1000) - 6 * 60));
    const forged = await post({ ...request, body: request.body.replace("violations", "run+spread") });
    const unsigned = await post({ body: request.body, headers: { "content-type": "application/x-www-form-urlencoded" } });
    for (const refused of [replay, old, forged, unsigned]) expect(refused).toEqual({ status: 401, body: { error: "unauthorized" } });
  });

  it("answers each command in words, and a wrong or unknown one with help, never a stack trace", async () => {
    expect((await slack("help")).body.text).toMatch(/^isolated <workload> from <tenant> \[as of <date or instant>\]: is the workload isolated enough/);
    const unknown = (await slack("frobnicate the ledger")).body;
    expect(unknown.text).toMatch(/^I don't know "frobnicate"\. What I can answer:\nisolated <workload>/);
    expect((await slack("isolated payments")).body.text).toBe("Usage: isolated <workload> from <tenant> [as of <date>]; e.g. isolated payments from globex or isolated payments from globex as of 2026-09-30.");
    // As of a past moment (docs/history.md): worded as it was then, or refused before history began.
    const now = new Date().toISOString();
    const past = (await slack(`isolated genome-pipeline from geology as of ${now}`)).body;
    expect(past.text).toMatch(new RegExp(`^As of ${now.replaceAll(".", "\\.")}: NOT ISOLATED: genome-pipeline \\(biology\\) needs CONTAINER separation`));
    expect(past.blocks[0].text.text).toBe(`:x: *NOT ISOLATED* as of ${now}: *genome-pipeline* from tenant *geology* (needs CONTAINER; proven PROCESS)`);
    expect((await slack("isolated genome-pipeline from geology as of 2020-01-01")).body.text).toMatch(/^:grey_question: AsOf 2020-01-01T00:00:00\.000Z is before history begins: the earliest moment it answers for is \S+Z\.$/);
    expect((await slack("impact closet 7")).body.text).toMatch(/^Usage: impact <level> <domain>; the level is one of host, rack, power-domain/);
    expect((await slack("isolated nothing-here from globex")).body.text).toBe(':grey_question: No workload "nothing-here" has been synced.');

    const violations = (await slack("violations ledger")).body.text;
    expect(violations).toMatch(/^\d+ anti-affinity violations? of ledger:\n• /);
    const impact = (await slack("impact power-domain fra1-pdu-a")).body.text;
    expect(impact).toMatch(/^If power domain fra1-pdu-a fails, 1 workload loses replicas; 1 loses all or falls below quorum\./);
    expect(impact).toMatch(/• ledger loses \d+ of 5.*: \d+ left for certain, below its quorum of 3/);
    expect(impact).toMatch(/Tenants touched: treasury\./);
    const run = (await slack("run spread")).body.text;
    expect(run).toMatch(/^Ran spread v1: \d+ rows?, digest [0-9a-f]{12}, inventory as of /);
    expect((await slack("run nope")).body.text).toBe(':grey_question: no saved query is named "nope".');
  });

  it("acts with the role mapped to the user or the channel, and refuses the unmapped", async () => {
    const stranger = (await slack("violations", "U0STRANGER")).body;
    expect(stranger.text).toMatch(/^You may not use Tenancy Scale from here/);
    // The geology channel acts as the geology tenant: biology's workload does not exist for it.
    expect((await slack("isolated genome-pipeline from geology", "U0SOMEONE", "C0GEOLOGY")).body.text).toBe(':grey_question: No workload "genome-pipeline" has been synced.');
    const own = (await slack("isolated seismic-model from biology", "U0SOMEONE", "C0GEOLOGY")).body.text;
    expect(own).toMatch(/a unit of biology share a host/);
    expect(own).not.toMatch(/\bvm-1\b|\bh-001\b/);
    expect((await slack("run spread", "U0SOMEONE", "C0GEOLOGY")).body.text).toBe(":no_entry: Not allowed: a tenant token may not use Mutation.runSavedQuery.");
    const [event] = await t.db.sql.query<{ actor: string; outcome: string }>(`SELECT actor, outcome FROM audit_event WHERE action = 'runSavedQuery' AND actor = 'slack:U0AUDITOR' ORDER BY id LIMIT 1`);
    expect(event).toEqual({ actor: "slack:U0AUDITOR", outcome: "OK" });
  });
});

describe("POST /chatops", () => {
  it("answers bots with the same text and the structured verdict, behind a bearer token", async () => {
    const ask = (token: string | null, body: string) => fetch(`${base}/chatops`, { method: "POST", body, headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    const response = await ask(complianceToken, JSON.stringify({ text: "isolated genome-pipeline from geology" }));
    const body = (await response.json()) as any;
    expect(response.status).toBe(200);
    expect(body.ok).toBe(true);
    // Another channel, so Slack's request is not a replay of the first test's.
    expect(body.text).toBe((await slack("isolated genome-pipeline from geology", "U0AUDITOR", "C0OTHER")).body.text);
    expect(body.data).toMatchObject({ outcome: "NOT_ISOLATED", workloadKey: "genome-pipeline", tenantKey: "geology", required: "CONTAINER", actual: "PROCESS" });
    expect(body.data.evidence[0].shared.kind).toBeTruthy();

    expect((await ask(null, JSON.stringify({ text: "help" }))).status).toBe(401);
    const bad = await ask(complianceToken, "isolated x from y");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).text).toMatch(/send a JSON object with the command in "text"/);
    const unknown = (await (await ask(complianceToken, JSON.stringify({ text: "dance" }))).json()) as any;
    expect(unknown).toMatchObject({ ok: false, data: null });
  });

  it("answers bots in plain text: no Slack emoji codes or mrkdwn, whatever the answer", async () => {
    const tenantToken = await createToken(service.url, ADMIN, { name: "chat-geology", role: "TENANT", tenant: "geology" });
    const ask = async (token: string, text: string) =>
      (await (await fetch(`${base}/chatops`, { method: "POST", body: JSON.stringify({ text }), headers: { "content-type": "application/json", authorization: `Bearer ${token}` } })).json()) as any;
    const answers = [
      await ask(tenantToken, "run spread"), // refused
      await ask(complianceToken, "isolated nope from geology"), // not found
      await ask(complianceToken, "impact rack"), // wrong form
      await ask(complianceToken, "dance"),
      await ask(complianceToken, "violations"),
      await ask(complianceToken, "impact power-domain fra1-pdu-a"),
      await ask(complianceToken, "isolated genome-pipeline from geology"),
    ];
    expect(answers[0].text).toMatch(/^Not allowed: /);
    for (const answer of answers) {
      expect(answer.text).not.toMatch(/:[a-z_]+:/);
      expect(answer.text).not.toMatch(/[*`]/);
    }
  });
});
