import type { Config } from "../../src/config.ts";
import { loadDemoInventory } from "../../src/inventory/demo-inventory.ts";
import type { RunningService } from "../../src/service.ts";
import { graphqlRequest } from "./cli-process.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";
import { startTestService } from "./test-service.ts";

/*
 * A fresh database with the demo inventory, and `replicas` services over it: what the
 * GraphQL tests query. `gql` posts to the first service unless told another.
 */
export interface DemoServices {
  t: TestDatabase;
  services: RunningService[];
  gql(query: string, variables?: Record<string, unknown>, on?: RunningService): Promise<any>;
  close(): Promise<void>;
}

export async function startDemoServices(replicas = 1, overrides: Partial<Config> = {}): Promise<DemoServices> {
  const t = await createTestDatabase();
  await loadDemoInventory(t.db.sql);
  const services: RunningService[] = [];
  for (let i = 0; i < replicas; i++) services.push(await startTestService(t.url, overrides));
  return {
    t,
    services,
    gql: async (query, variables, on = services[0]) => (await graphqlRequest(on.url, query, variables)).body,
    async close() {
      for (const service of services) await service.close();
      await t.drop();
    },
  };
}
