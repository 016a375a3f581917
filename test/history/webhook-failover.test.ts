import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSnapshots, loadDemoInventory } from "../../src/inventory/demo-inventory.ts";
import { findingsUpToDate } from "../../src/findings/update-findings.ts";
import { LEASE_SECONDS } from "../../src/notifications/webhook-deliverer.ts";
import type { RunningService } from "../../src/service.ts";
import { childEnv, graphqlRequest, startServe, type ServeProcess } from "../support/cli-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";

/*
 * A replica killed mid-delivery (SIGKILL while the receiver holds its request) leaves the
 * delivery to the others: once its lease runs out, another replica delivers it, with the same
 * delivery id.
 */
let t: TestDatabase;
let receiver: http.Server;
let url: string;
let child: ServeProcess | undefined;
let survivor: RunningService | undefined;
const seen: { delivery: string; answered: boolean }[] = [];
const held: http.ServerResponse[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  await loadDemoInventory(t.db.sql);
  receiver = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      const delivery = String(request.headers["x-tenancy-delivery"]);
      // The first attempt is held unanswered (the replica is killed meanwhile); later ones are taken.
      if (seen.length === 0) {
        seen.push({ delivery, answered: false });
        held.push(response);
        return;
      }
      seen.push({ delivery, answered: true });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
}, 120_000);
afterAll(async () => {
  child?.child.kill("SIGKILL");
  await survivor?.close();
  for (const response of held) response.destroy();
  await new Promise((resolve) => receiver.close(resolve));
  await t.drop();
});

describe("a replica killed mid-delivery", () => {
  it("leaves the delivery to another replica once its lease runs out", async () => {
    child = await startServe(childEnv({ DATABASE_URL: t.url, PORT: "0", TENANCY_ADMIN_TOKEN: undefined, TENANCY_WEBHOOK_ALLOW_NETWORKS: "127.0.0.0/8" }));
    // The demo's own findings first (the update is background work): the hook is to hear of one change, the sync's.
    for (let i = 0; i < 600 && !(await findingsUpToDate(t.db.sql)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const created = await graphqlRequest(child.url, `mutation($url: String!) { createWebhook(input: { url: $url, secret: "a-secret-of-enough-length", filter: { kinds: [ISOLATION] } }) { webhook { id } userErrors { message } } }`, { url });
    expect(created.body.data.createWebhook.userErrors).toEqual([]);
    const campus = structuredClone((await demoSnapshots()).find((s) => s.snapshot.source === "dcim-campus")!.snapshot) as any;
    const c3 = campus.containers.find((c: { id: string }) => c.id === "c-3");
    delete c3.virtualMachine;
    c3.host = "h-004";
    const synced = await graphqlRequest(child.url, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: campus });
    expect(synced.body.data.syncInventory.status).toBe("APPLIED");

    for (let i = 0; i < 300 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toHaveLength(1);
    child.child.kill("SIGKILL");
    await child.exited;
    const killedAt = Date.now();

    survivor = await startTestService(t.url, { webhookAllowNetworks: ["127.0.0.0/8"] });
    for (let i = 0; i < (LEASE_SECONDS + 30) * 10 && !seen.some((s) => s.answered); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const retried = seen.find((s) => s.answered);
    expect(retried?.delivery).toBe(seen[0].delivery);
    // Not before the dead replica's lease ran out: no two replicas attempt it at once.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual((LEASE_SECONDS - 5) * 1000);
    const [row] = await t.db.sql.query<{ state: string; attempts: number }>(`SELECT state, attempts FROM webhook_delivery`);
    expect(row).toEqual({ state: "DELIVERED", attempts: 2 });
  }, 180_000);
});
