import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSnapshots } from "../../src/inventory/demo-inventory.ts";
import { findingsUpToDate } from "../../src/findings/update-findings.ts";
import { startDemoServices, type DemoServices } from "../support/demo-service.ts";

/*
 * Webhooks against a local receiver that checks every signature and fails the first two
 * attempts of each delivery: a sync through one replica resolves a finding, the change is
 * delivered (by one of two replicas) on the third attempt with the same delivery id, the log
 * says so over GraphQL, and the counter counts the attempts.
 */
const SECRET = "receiver-shared-secret-0123456789";
/** What the Slack receiver was sent: incoming webhooks take { text }. */
const slackMessages: string[] = [];
let slack: http.Server;
let slackUrl: string;

interface Receipt {
  delivery: string;
  signed: boolean;
  status: number;
  body: any;
}
let demo: DemoServices;
let receiver: http.Server;
let url: string;
const receipts: Receipt[] = [];

beforeAll(async () => {
  // The receivers run on this machine: the operator allows loopback (TENANCY_WEBHOOK_ALLOW_NETWORKS).
  demo = await startDemoServices(2, { webhookAllowNetworks: ["127.0.0.0/8"] });
  receiver = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const timestamp = String(request.headers["x-tenancy-request-timestamp"]);
      const expected = `v0=${createHmac("sha256", SECRET).update(`v0:${timestamp}:${raw}`).digest("hex")}`;
      const signed = request.headers["x-tenancy-signature"] === expected && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
      const delivery = String(request.headers["x-tenancy-delivery"]);
      const earlier = receipts.filter((r) => r.delivery === delivery).length;
      const status = !signed ? 401 : earlier < 2 ? 503 : 200;
      receipts.push({ delivery, signed, status, body: JSON.parse(raw) });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/tenancy`;
  slack = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      slackMessages.push(JSON.parse(Buffer.concat(chunks).toString("utf8")).text);
      response.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => slack.listen(0, "127.0.0.1", resolve));
  slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/services/T000/B000/XXXX`;
  for (let i = 0; i < 300 && !(await findingsUpToDate(demo.t.db.sql)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
}, 120_000);
afterAll(async () => {
  await demo.close();
  await new Promise((resolve) => receiver.close(resolve));
  await new Promise((resolve) => slack.close(resolve));
});

describe("webhooks", () => {
  it("refuses a webhook that is not http(s), carries credentials or has a short secret", async () => {
    const { data } = await demo.gql(`mutation { a: createWebhook(input: { url: "ftp://x/y", secret: "${SECRET}" }) { webhook { id } userErrors { path message } }
      b: createWebhook(input: { url: "https://u:p@x/y", secret: "short" }) { webhook { id } userErrors { path message } } }`);
    expect(data.a).toEqual({ webhook: null, userErrors: [{ path: ["url"], message: "the URL must be http or https, not ftp:" }] });
    expect(data.b.userErrors.map((e: { path: string[] }) => e.path[0])).toEqual(["url", "secret"]);
  });

  it("delivers a finding's resolution signed, retried with the same id until the receiver takes it", async () => {
    const created = await demo.gql(
      `mutation($url: String!) { createWebhook(input: { url: $url, secret: "${SECRET}", filter: { kinds: [ISOLATION] } }) {
      webhook { id url filter { kinds workload } } userErrors { message } } }`,
      { url },
    );
    expect(created.data.createWebhook.userErrors).toEqual([]);
    const webhook = created.data.createWebhook.webhook;
    const toSlack = await demo.gql(`mutation($url: String!) { createWebhook(input: { url: $url, format: SLACK, filter: { workload: "ledger" } }) { webhook { id format } userErrors { message } } }`, { url: slackUrl });
    expect(toSlack.data.createWebhook.webhook.id).toMatch(/^wh-/);
    expect(toSlack.data.createWebhook).toMatchObject({ webhook: { format: "SLACK" }, userErrors: [] });
    expect(webhook).toMatchObject({ url, filter: { kinds: ["ISOLATION"], workload: null } });

    // Through the second replica: geology's container leaves biology's VM, and one more ledger VM crowds its PDU.
    const snapshots = new Map((await demoSnapshots()).map(({ snapshot }) => [snapshot.source, snapshot as any]));
    const campus = structuredClone(snapshots.get("dcim-campus"));
    const c3 = campus.containers.find((c: { id: string }) => c.id === "c-3");
    delete c3.virtualMachine;
    c3.host = "h-004";
    const fra = structuredClone(snapshots.get("dcim-fra"));
    fra.virtualMachines.push({ id: "ledger-5", host: "fra-h3", tenant: "treasury", workload: "ledger" });
    for (const s of [campus, fra]) {
      const synced = await demo.gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s }, demo.services[1]);
      expect(synced.data.syncInventory.status).toBe("APPLIED");
    }
    const synced = Date.now();
    for (let i = 0; i < 300 && !receipts.some((r) => r.status === 200); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const delivered = receipts.find((r) => r.status === 200)!;
    expect(delivered).toBeDefined();
    // Retried twice (1 s, then 2 s) and taken on the third attempt: well within seconds of the sync.
    expect(Date.now() - synced).toBeLessThan(20_000);
    expect(receipts.every((r) => r.signed)).toBe(true);
    const attempts = receipts.filter((r) => r.delivery === delivered.delivery);
    expect(attempts.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(new Set(attempts.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(delivered.body).toMatchObject({
      delivery: delivered.delivery,
      event: { change: "RESOLVED", state: "RESOLVED", severity: "NOT_ISOLATED" },
      finding: { kind: "ISOLATION", workload: "genome-pipeline", tenant: "geology", workloadTenant: "biology", state: "RESOLVED" },
    });
    // The ledger's worsened violation is not an ISOLATION change: never posted here.
    expect(receipts.some((r) => r.body.finding.kind !== "ISOLATION")).toBe(false);

    // The ledger's worse violation reached Slack as one sentence.
    for (let i = 0; i < 100 && slackMessages.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(slackMessages).toEqual([":x: *anti-affinity violation* (finding worse): 5 replicas of ledger share power domain fra1-pdu-a; at most 1 allowed"]);

    const log = await demo.gql(`{ webhooks { nodes { id deliveries { totalCount nodes { id state attempts lastStatus lastError deliveredAt payload } } } } }`);
    const hook = log.data.webhooks.nodes.find((w: { id: string }) => w.id === webhook.id);
    expect(hook.id).toBe(webhook.id);
    expect(hook.deliveries.totalCount).toBe(1);
    expect(hook.deliveries.nodes[0]).toMatchObject({ id: delivered.delivery, state: "DELIVERED", attempts: 3, lastStatus: 200, lastError: null });

    // Deleting a webhook stops it; an unknown id is a userError.
    const deleted = await demo.gql(`mutation($id: ID!) { a: deleteWebhook(id: $id) { deleted userErrors { message } } b: deleteWebhook(id: $id) { deleted userErrors { path message } } }`, {
      id: toSlack.data.createWebhook.webhook.id,
    });
    expect(deleted.data.a).toEqual({ deleted: true, userErrors: [] });
    expect(deleted.data.b).toEqual({ deleted: false, userErrors: [{ path: ["id"], message: `no webhook has the id "${toSlack.data.createWebhook.webhook.id}"` }] });
    expect((await demo.gql(`{ webhooks { nodes { id } } }`)).data.webhooks.nodes).toEqual([{ id: webhook.id }]);

    // Each attempt counted once (both test replicas run in this process and share its counters).
    const text = await (await fetch(demo.services[0].url.replace("/graphql", "/metrics"))).text();
    const retried = Number(/^tenancy_webhook_deliveries_total\{outcome="retry"\} (\d+)/m.exec(text)?.[1] ?? 0);
    const taken = Number(/^tenancy_webhook_deliveries_total\{outcome="delivered"\} (\d+)/m.exec(text)?.[1] ?? 0);
    // Two 503s, then the JSON webhook and the Slack message taken.
    expect({ retried, taken }).toEqual({ retried: 2, taken: 2 });
  }, 120_000);
});
