import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DenialLog } from "../../src/access/denial-log.ts";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * The audit log as its readers and its attackers meet it, over HTTP against real PostgreSQL:
 * paging sees every event once in numeric order; refused tokens, refused Slack signatures and
 * denied reads are recorded, aggregated so that a flood adds one event, not one per request;
 * what a caller sends is capped before it is stored.
 */
const ADMIN = ADMIN_TOKEN;
let demo: SecuredDemo;
let url: string;
let base: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  demo = await startSecuredDemo({ slackSigningSecret: "slack-signing-secret-for-tests" });
  url = demo.service.url;
  base = url.replace(/\/graphql$/, "");
  tokens.compliance = await createToken(url, ADMIN, { name: "audit", role: "COMPLIANCE" });
  tokens.tenant = await createToken(url, ADMIN, { name: "geology-team", role: "TENANT", tenant: "geology" });
  tokens.sync = await createToken(url, ADMIN, { name: "globex-sync", role: "SYNC", sources: ["aws-globex"] });
}, 60_000);
afterAll(async () => demo?.close());

type Event = { id: string; at: string; lastAt: string; count: number; actor: string; role: string | null; action: string; target: string | null; outcome: string; detail: any };
const FIELDS = `id at lastAt count actor role action target outcome detail`;

async function events(filter: { actor?: string; action?: string } = {}): Promise<Event[]> {
  const { body } = await gqlAs(url, tokens.compliance, `query($actor: String, $action: String) { auditLog(actor: $actor, action: $action, first: 1000) { nodes { ${FIELDS} } } }`, filter);
  return body.data.auditLog.nodes;
}

/** Repeats are added a moment after the first denial is written: wait for the count to arrive. */
async function eventually(read: () => Promise<Event[]>, done: (events: Event[]) => boolean): Promise<Event[]> {
  for (let i = 0; ; i++) {
    const found = await read();
    if (done(found) || i > 40) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the audit log", () => {
  it("pages newest first in numeric order, every event exactly once, with first: 8", async () => {
    for (let i = 0; i < 25; i++) await gqlAs(url, ADMIN, `mutation { revokeApiToken(name: "nobody-${i}") { userErrors { message } } }`);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const { body } = await gqlAs(url, tokens.compliance, `query($after: String) { auditLog(first: 8, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }`, { after });
      seen.push(...body.data.auditLog.nodes.map((n: { id: string }) => n.id));
      if (!body.data.auditLog.pageInfo.hasNextPage) break;
      after = body.data.auditLog.pageInfo.endCursor;
    }
    const numbers = seen.map(Number);
    expect(numbers.length).toBeGreaterThan(25);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    // Events 10 to 19 (the ones a text order skipped) are all there.
    for (let id = 10; id <= 19; id++) expect(numbers).toContain(id);
  });

  it("records refused tokens as one event per minute, however many arrive, never keeping the secret", async () => {
    for (let i = 0; i < 30; i++) expect((await gqlAs(url, `ts_guess-${i}-${"x".repeat(20)}`, `{ viewer { actor } }`)).status).toBe(401);
    const refused = await eventually(
      () => events({ action: "authenticate" }),
      (found) => found.some((e) => e.detail.reason === "unknown or revoked token" && e.count === 30),
    );
    const guessed = refused.filter((e) => e.detail.reason === "unknown or revoked token");
    expect(guessed).toHaveLength(1);
    expect(guessed[0]).toMatchObject({ actor: "unauthenticated", role: null, outcome: "DENIED", target: "/graphql", count: 30 });
    expect(JSON.stringify(refused)).not.toContain("ts_guess");
    expect(new Date(guessed[0].lastAt).getTime()).toBeGreaterThanOrEqual(new Date(guessed[0].at).getTime());
  });

  it("records refused Slack signatures, aggregated", async () => {
    const body = new URLSearchParams({ user_id: "U0FORGER", text: "isolated payments from globex" }).toString();
    for (let i = 0; i < 12; i++) {
      const response = await fetch(`${base}/chatops/slack`, {
        method: "POST",
        body,
        headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(Math.floor(Date.now() / 1000)), "x-slack-signature": `v0=${"0".repeat(64)}` },
      });
      expect(response.status).toBe(401);
    }
    const refused = await eventually(
      () => events({ action: "chatops.slack" }),
      (found) => found[0]?.count === 12,
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actor: "slack", role: null, outcome: "DENIED", count: 12, detail: { reason: "bad signature or stale timestamp", claimedUser: "U0FORGER" } });
  });

  it("records denied reads, one event per token and field, with the reason", async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${tokens.tenant}` } })).status).toBe(403);
    for (let i = 0; i < 20; i++) {
      for (const query of [`{ hosts { totalCount } }`, `{ apiTokens { totalCount } }`]) {
        const { body } = await gqlAs(url, tokens.tenant, query);
        expect(body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(["FORBIDDEN"]);
      }
    }
    const denied = await eventually(
      () => events({ actor: "token:geology-team", action: "read" }),
      (found) => found.length === 3 && found.every((e) => e.count === (e.target === "/metrics" ? 3 : 20)),
    );
    expect(denied.map((e) => [e.target, e.count, e.role, e.outcome]).sort()).toEqual([
      ["/metrics", 3, "TENANT", "DENIED"],
      ["Query.apiTokens", 20, "TENANT", "DENIED"],
      ["Query.hosts", 20, "TENANT", "DENIED"],
    ]);
    expect(denied.find((e) => e.target === "Query.hosts")!.detail.reason).toBe("a tenant token may not use Query.hosts");
  });

  it("folds denials past the per-minute bound into one overflow event, so the table stays bounded", async () => {
    const log = new DenialLog(demo.t.db.sql, console, 10, 3, () => Date.UTC(2026, 0, 1, 12, 0, 30));
    for (let i = 0; i < 10; i++) {
      for (let n = 0; n < 3; n++) await log.note({ actor: `token:flood-${i}`, role: "tenant", action: "read", subject: "Query.hosts", target: "Query.hosts", detail: { reason: "no" } });
    }
    await log.flush();
    const rows = await demo.t.db.sql.query<{ actor: string; count: number }>(`SELECT actor, count FROM audit_event WHERE actor LIKE 'token:flood-%' OR actor = '*' ORDER BY id`);
    expect(rows).toEqual([
      { actor: "token:flood-0", count: 3 },
      { actor: "token:flood-1", count: 3 },
      { actor: "token:flood-2", count: 3 },
      { actor: "*", count: 21 },
    ]);
  });

  it("caps what a caller sends: a 1 MB source name and a huge token request are stored cut short", async () => {
    const huge = "s".repeat(1_000_000);
    const denied = await gqlAs(url, tokens.sync, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: { source: huge } });
    expect(denied.body.errors[0].extensions.code).toBe("FORBIDDEN");
    const refused = await gqlAs(url, ADMIN, `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { userErrors { path } } }`, {
      input: { name: "big", role: "TENANT", sources: Array.from({ length: 50_000 }, (_, i) => `source-${i}`) },
    });
    expect(refused.body.data.createApiToken.userErrors.length).toBeGreaterThan(0);
    const [{ bytes }] = await demo.t.db.sql.query<{ bytes: number }>(`SELECT max(octet_length(detail::text) + coalesce(octet_length(target), 0))::int AS bytes FROM audit_event`);
    expect(bytes).toBeLessThan(5_000);
    const sync = (await events({ actor: "token:globex-sync", action: "syncInventory" })).find((e) => e.outcome === "DENIED")!;
    expect(sync.target!.length).toBeLessThanOrEqual(257);
    expect(sync.detail).toMatchObject({ truncated: true });
    const token = (await events({ action: "createApiToken" })).find((e) => e.target === "big")!;
    expect(token).toMatchObject({ outcome: "REFUSED", detail: { truncated: true } });
  });
});
