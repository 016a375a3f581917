import type { Config } from "../../src/config.ts";
import { loadDemoInventory } from "../../src/inventory/demo-inventory.ts";
import type { RunningService } from "../../src/service.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";
import { startTestService } from "./test-service.ts";

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
