import type { Config } from "../../src/config.ts";
import { loadDemoInventory } from "../../src/inventory/demo-inventory.ts";
import type { RunningService } from "../../src/service.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";
import { startTestService } from "./test-service.ts";
import { gqlAs } from "./token-client.ts";

/** The bootstrap admin token of a secured test service. */
export const ADMIN_TOKEN = "bootstrap-admin-token-for-tests";

export interface SecuredDemo {
  t: TestDatabase;
  service: RunningService;
  close(): Promise<void>;
}

/** A fresh database with the demo inventory, served with TENANCY_ADMIN_TOKEN set. */
export async function startSecuredDemo(overrides: Partial<Config> = {}): Promise<SecuredDemo> {
  const t = await createTestDatabase();
  await loadDemoInventory(t.db.sql);
  const service = await startTestService(t.url, { adminToken: ADMIN_TOKEN, ...overrides });
  return {
    t,
    service,
    async close() {
      await service.close();
      await t.drop();
    },
  };
}

/** Every name of another tenant's that an admin can read: tenants, their workloads and units (what a tenant's pages must never show). */
export async function otherTenantsNames(demo: SecuredDemo, own: string): Promise<string[]> {
  const { body } = await gqlAs(
    demo.service.url,
    ADMIN_TOKEN,
    `{ tenants(first: 100) { nodes { key name
    workloads(first: 100) { nodes { key } } virtualMachines(first: 100) { nodes { key } } containers(first: 100) { nodes { key } } } } }`,
  );
  return body.data.tenants.nodes
    .filter((t: any) => t.key !== own)
    .flatMap((t: any) => [t.key, t.name, ...t.workloads.nodes.map((n: any) => n.key), ...t.virtualMachines.nodes.map((n: any) => n.key), ...t.containers.nodes.map((n: any) => n.key)])
    .filter(Boolean);
}
