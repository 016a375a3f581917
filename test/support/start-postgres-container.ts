import type { PostgresServer } from "./postgres-server.ts";

/** Whether a Docker (or compatible) engine answers where testcontainers looks for one. */
export async function dockerAnswers(): Promise<boolean> {
  const { getContainerRuntimeClient } = await import("testcontainers");
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/** A throwaway PostgreSQL container; testcontainers' reaper removes it if the run dies. */
export async function startPostgresContainer(why: string): Promise<PostgresServer> {
  const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
  let container;
  try {
    container = await new PostgreSqlContainer("postgres:16-alpine").start();
  } catch (error) {
    throw new Error(`${why} is set and a PostgreSQL container could not be started (${(error as Error).message}). ` + "Point TEST_DATABASE_URL at a PostgreSQL server whose user may create databases, or set TEST_DATABASE_SERVER=embedded.");
  }
  const started = container;
  return {
    url: started.getConnectionUri(),
    description: `a PostgreSQL 16 container (testcontainers) on ${started.getHost()}:${started.getPort()} (${why}, Docker answers)`,
    stop: async () => void (await started.stop()),
  };
}
