import type { TestProject } from "vitest/node";

/**
 * Finds the PostgreSQL server the suite runs against: TEST_DATABASE_URL, else DATABASE_URL,
 * else a throwaway container (testcontainers, for machines with Docker). Each test file then
 * creates and drops its own database on that server (test/support/test-database.ts).
 */
declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (url) {
    project.provide("adminDatabaseUrl", url);
    return;
  }
  const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
  let container;
  try {
    container = await new PostgreSqlContainer("postgres:16-alpine").start();
  } catch (error) {
    throw new Error(
      `no TEST_DATABASE_URL or DATABASE_URL is set and a PostgreSQL container could not be started (${(error as Error).message}). ` +
        "Point TEST_DATABASE_URL at a PostgreSQL server whose user may create databases, or install Docker.",
    );
  }
  project.provide("adminDatabaseUrl", container.getConnectionUri());
  return async () => {
    await container.stop();
  };
}
