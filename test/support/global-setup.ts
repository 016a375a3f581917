import type { TestProject } from "vitest/node";
import { findPostgresServer } from "./postgres-server.ts";

/*
 * Finds the one PostgreSQL server the whole run shares (see postgres-server.ts for the order)
 * and says which in one line. Each test file then creates and drops its own database on it
 * (test/support/test-database.ts), so the server's start-up is paid once per run.
 */
declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await findPostgresServer(["TEST_DATABASE_URL", "DATABASE_URL"]);
  console.log(`test database: ${server.description}`);
  project.provide("adminDatabaseUrl", server.url);
  return () => server.stop();
}
