import { expect } from "vitest";
import type { RunningService } from "../../src/service.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";
import { startTestService } from "./test-service.ts";
import { createToken, gqlAs } from "./token-client.ts";

/*
 * A service on a fresh database holding one snapshot, synced over HTTP by its source's sync
 * token, with a compliance token to read it back (and a tenant token per tenant asked for).
 */
export interface SyncedService {
  t: TestDatabase;
  service: RunningService;
  tokens: Record<string, string>;
  close(): Promise<void>;
}

export async function startSyncedService(adminToken: string, snapshot: { source: string }, tenants: Record<string, string> = {}): Promise<SyncedService> {
  const t = await createTestDatabase();
  const service = await startTestService(t.url, { adminToken });
  const tokens: Record<string, string> = {};
  tokens.sync = await createToken(service.url, adminToken, { name: snapshot.source, role: "SYNC", sources: [snapshot.source] });
  tokens.compliance = await createToken(service.url, adminToken, { name: "audit", role: "COMPLIANCE" });
  for (const [name, tenant] of Object.entries(tenants)) tokens[name] = await createToken(service.url, adminToken, { name: `${tenant}-team`, role: "TENANT", tenant });
  const { body } = await gqlAs(service.url, tokens.sync, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { message } } }`, { s: snapshot });
  expect(body.data.syncInventory).toEqual({ status: "APPLIED", userErrors: [] });
  return {
    t,
    service,
    tokens,
    async close() {
      await service.close();
      await t.drop();
    },
  };
}

/** A verdict over HTTP with `token` (optionally as of a moment), asserting it came without errors. */
export async function isolationAs(url: string, token: string, workload: string, tenant: string, asOf?: string) {
  const at = asOf ? `, asOf: "${asOf}"` : "";
  const { body } = await gqlAs(url, token, `{ isolation(workload: "${workload}", tenant: "${tenant}"${at}) { outcome required actual possible explanation } }`);
  expect(body.errors).toBeUndefined();
  return body.data.isolation;
}
