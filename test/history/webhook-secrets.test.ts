import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../src/service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * A Slack incoming webhook's URL is Slack's secret: a compliance token listing `webhooks` sees
 * only its origin, and the audit log keeps no more; credentials written into a URL (refused)
 * are kept nowhere.
 */
const ADMIN = "admin-token-for-webhook-secrets";
const SLACK_SECRET_PATH = "/services/T000/B000/SlackSecretPart42";
let t: TestDatabase;
let service: RunningService;
let compliance: string;

beforeAll(async () => {
  t = await createTestDatabase();
  service = await startTestService(t.url, { adminToken: ADMIN, webhookAllowNetworks: ["127.0.0.0/8"] });
  compliance = await createToken(service.url, ADMIN, { name: "audit", role: "COMPLIANCE" });
}, 120_000);
afterAll(async () => {
  await service?.close();
  await t?.drop();
});

const targets = async () => (await t.db.sql.query<{ target: string | null }>(`SELECT target FROM audit_event WHERE action = 'createWebhook' ORDER BY id`)).map((r) => r.target);

describe("webhook URLs as answered and audited", () => {
  it("shows a Slack webhook's origin only, to its creator, in the list and in the audit log", async () => {
    const created = await gqlAs(service.url, compliance, `mutation($url: String!) { createWebhook(input: { url: $url, format: SLACK }) { webhook { url } userErrors { message } } }`, {
      url: `http://127.0.0.1:9${SLACK_SECRET_PATH}`,
    });
    expect(created.body.data.createWebhook).toEqual({ webhook: { url: "http://127.0.0.1:9/…" }, userErrors: [] });
    const json = await gqlAs(service.url, compliance, `mutation { createWebhook(input: { url: "http://127.0.0.1:9/hooks/json", secret: "a-secret-of-enough-length" }) { userErrors { message } } }`);
    expect(json.body.data.createWebhook.userErrors).toEqual([]);
    const listed = await gqlAs(service.url, compliance, `{ webhooks { nodes { url format } } }`);
    expect(listed.body.data.webhooks.nodes).toEqual(
      expect.arrayContaining([
        { url: "http://127.0.0.1:9/…", format: "SLACK" },
        { url: "http://127.0.0.1:9/hooks/json", format: "JSON" },
      ]),
    );
    expect(JSON.stringify(listed.body)).not.toContain("SlackSecretPart42");
    expect(await targets()).toEqual(["http://127.0.0.1:9/…", "http://127.0.0.1:9/hooks/json"]);
    // The deliverer still posts to the whole URL: it is stored, only never shown.
    expect((await t.db.sql.query<{ url: string }>(`SELECT url FROM webhook WHERE format = 'SLACK'`))[0].url).toBe(`http://127.0.0.1:9${SLACK_SECRET_PATH}`);
  });

  it("keeps no credentials of a refused URL in the audit log or the answer", async () => {
    const refused = await gqlAs(
      service.url,
      compliance,
      `mutation { a: createWebhook(input: { url: "http://user:pw-secret@10.0.0.1/", secret: "a-secret-of-enough-length" }) { webhook { id } userErrors { path message } }
      b: createWebhook(input: { url: "http://user:pw-secret@[bad/", secret: "a-secret-of-enough-length" }) { webhook { id } userErrors { path message } } }`,
    );
    expect(refused.body.data.a.webhook).toBeNull();
    expect(refused.body.data.a.userErrors).toEqual([{ path: ["url"], message: "the URL must not carry credentials; the secret signs each delivery" }]);
    expect(refused.body.data.b.userErrors[0].path).toEqual(["url"]);
    expect(JSON.stringify(refused.body)).not.toContain("pw-secret");
    const audited = await targets();
    expect(audited.slice(-2)).toEqual(["http://10.0.0.1/", "http://[bad/"]);
    expect(JSON.stringify(await t.db.sql.query(`SELECT * FROM audit_event`))).not.toContain("pw-secret");
  });
});
