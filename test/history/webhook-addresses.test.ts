import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { findingsUpToDate } from "../../src/findings/update-findings.ts";
import { demoSnapshots } from "../../src/inventory/demo-inventory.ts";
import { postWebhook } from "../../src/notifications/post-webhook.ts";
import { allowedList, resolveReceiver } from "../../src/notifications/webhook-address.ts";
import { startDemoServices, type DemoServices } from "../support/demo-service.ts";
import { startTestService } from "../support/test-service.ts";

/*
 * Webhooks are no internal scanner: an operator registering http://169.254.169.254/,
 * http://127.0.0.1:PORT/graphql, http://[::1]:5432/ or http://localhost:22/ is refused with a
 * userError on `url`, IPv4-mapped IPv6 spellings included; a webhook that points inside anyway
 * (stored before, or its name resolving elsewhere since) is refused at delivery, the receiver
 * never reached. Only networks the operator names (TENANCY_WEBHOOK_ALLOW_NETWORKS) are allowed,
 * and never the metadata service.
 */
let demo: DemoServices;
let receiver: http.Server;
let receiverUrl: string;
const received: string[] = [];

beforeAll(async () => {
  demo = await startDemoServices(1);
  receiver = http.createServer((request, response) => {
    received.push(String(request.url));
    request.resume();
    response.writeHead(200).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/graphql`;
  for (let i = 0; i < 300 && !(await findingsUpToDate(demo.t.db.sql)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
}, 120_000);
afterAll(async () => {
  await demo?.close();
  await new Promise((resolve) => receiver.close(resolve));
});

const create = (url: string, on = demo.services[0]) => demo.gql(`mutation($url: String!) { createWebhook(input: { url: $url, secret: "a-secret-of-enough-length" }) { webhook { id } userErrors { path message } } }`, { url }, on);

describe("webhook receivers", () => {
  it("refuses loopback, link-local, private, unique-local and metadata receivers at registration", async () => {
    const refused: [string, RegExp][] = [
      ["http://169.254.169.254/latest/meta-data/", /169\.254\.169\.254 is a cloud metadata address/],
      [receiverUrl, /127\.0\.0\.1 is a loopback address/],
      ["http://[::1]:5432/", /::1 is a loopback address/],
      ["http://localhost:22/", /the host "localhost" resolves to .* is a loopback address/],
      ["http://10.1.2.3/", /10\.1\.2\.3 is a private address/],
      ["http://192.168.0.10/", /private address/],
      ["http://[fe80::1]/", /link-local address/],
      ["http://[fd12:3456::1]/", /unique-local address/],
      ["http://[fd00:ec2::254]/", /cloud metadata address/],
      ["http://[::ffff:127.0.0.1]/", /loopback address/],
      ["http://[::ffff:a9fe:a9fe]/", /cloud metadata address/],
      ["http://[64:ff9b::a00:1]/", /private address/],
      ["http://0.0.0.0:4000/", /unspecified address/],
      ["http://does-not-exist.invalid/", /the host "does-not-exist.invalid" does not resolve/],
    ];
    for (const [url, message] of refused) {
      const { data } = await create(url);
      expect(data.createWebhook.webhook, url).toBeNull();
      expect(data.createWebhook.userErrors, url).toHaveLength(1);
      expect(data.createWebhook.userErrors[0].path, url).toEqual(["url"]);
      expect(data.createWebhook.userErrors[0].message, url).toMatch(message);
    }
    expect((await demo.gql(`{ webhooks { totalCount } }`)).data.webhooks.totalCount).toBe(0);
    // A public address is taken (nothing is sent until a finding changes).
    expect((await create("https://93.184.215.14/hook")).data.createWebhook.userErrors).toEqual([]);
  });

  it("refuses an internal receiver at delivery, without reaching it, and says so in the log", async () => {
    // Stored before this check existed (or its name resolving inside since registration).
    await demo.t.db.sql.query(`DELETE FROM webhook`);
    await demo.t.db.sql.query(`INSERT INTO webhook (id, url, secret, format, filter, created_by) VALUES ('wh-inside', $1, 'a-secret-of-enough-length', 'JSON', '{}'::jsonb, 'test')`, [receiverUrl]);
    const campus = structuredClone((await demoSnapshots()).find((s) => s.snapshot.source === "dcim-campus")!.snapshot) as any;
    const c3 = campus.containers.find((c: { id: string }) => c.id === "c-3");
    delete c3.virtualMachine;
    c3.host = "h-004";
    expect((await demo.gql(`mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: campus })).data.syncInventory.status).toBe("APPLIED");
    let delivery: { attempts: number; lastStatus: number | null; lastError: string | null } | undefined;
    for (let i = 0; i < 300 && !delivery?.lastError; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      delivery = (await demo.gql(`{ webhooks { nodes { deliveries { nodes { attempts lastStatus lastError } } } } }`)).data.webhooks.nodes[0]?.deliveries.nodes[0];
    }
    expect(delivery).toMatchObject({ lastStatus: null, lastError: expect.stringMatching(/^refused: the receiver's address 127\.0\.0\.1 is a loopback address/) });
    expect(received).toEqual([]);
  }, 60_000);

  it("allows only the networks the operator names, never the metadata service", async () => {
    const allowing = await startTestService(demo.t.url, { webhookAllowNetworks: ["127.0.0.0/8", "169.254.0.0/16"] });
    try {
      expect((await create(receiverUrl, allowing)).data.createWebhook.userErrors).toEqual([]);
      expect((await create("http://[::1]:5432/", allowing)).data.createWebhook.userErrors[0].message).toMatch(/::1 is a loopback address/);
      expect((await create("http://169.254.169.254/", allowing)).data.createWebhook.userErrors[0].message).toMatch(/cloud metadata address/);
      expect((await create("http://169.254.1.1/", allowing)).data.createWebhook.userErrors).toEqual([]);
    } finally {
      await allowing.close();
    }
  });

  it("refuses a name with any internal address among its answers, and names a bad allow setting", async () => {
    const mixed = async () => [
      { address: "93.184.215.14", family: 4 },
      { address: "10.0.0.5", family: 4 },
    ];
    await expect(resolveReceiver(new URL("http://rebind.example/"), allowedList([]), mixed)).rejects.toThrow('the host "rebind.example" resolves to 10.0.0.5 is a private address');
    expect(() => loadConfig({ TENANCY_WEBHOOK_ALLOW_NETWORKS: "10.0.0.0/8, 300.1.0.0/16" })).toThrow(ConfigError);
    expect(() => loadConfig({ TENANCY_WEBHOOK_ALLOW_NETWORKS: "10.0.0.0" })).toThrow('TENANCY_WEBHOOK_ALLOW_NETWORKS: "10.0.0.0" is not a network in CIDR notation');
    expect(loadConfig({ TENANCY_WEBHOOK_ALLOW_NETWORKS: "10.0.0.0/8, fd12::/64" }).webhookAllowNetworks).toEqual(["10.0.0.0/8", "fd12::/64"]);
  });

  it("connects to the address it checked, never resolving the name again (DNS rebinding)", async () => {
    // A name only our resolver knows: the socket reaches the receiver only through the checked address.
    const asked: string[] = [];
    const resolver = async (hostname: string) => {
      asked.push(hostname);
      return [{ address: "127.0.0.1", family: 4 }];
    };
    const port = (receiver.address() as AddressInfo).port;
    const before = received.length;
    const status = await postWebhook(`http://pinned.invalid:${port}/pinned`, { "content-type": "application/json" }, "{}", allowedList(["127.0.0.0/8"]), 5_000, resolver);
    expect(status).toBe(200);
    expect(asked).toEqual(["pinned.invalid"]);
    expect(received.slice(before)).toEqual(["/pinned"]);
    // The same name answering an internal address is refused before any connection.
    await expect(postWebhook(`http://pinned.invalid:${port}/refused`, {}, "{}", allowedList([]), 5_000, resolver)).rejects.toThrow('the host "pinned.invalid" resolves to 127.0.0.1 is a loopback address');
    expect(received.slice(before)).toEqual(["/pinned"]);
  });
});
