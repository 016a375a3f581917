/*
 * The process that owns the throwaway PostgreSQL of a test or bench run (started by
 * start-embedded-postgres.ts in a process group of its own, so a Ctrl-C reaches it only
 * through its parent). It makes a temporary folder and prints one JSON line naming it ({ dir }),
 * starts the server there and prints another ({ url, version, note } or { error }), then waits. When its stdin closes
 * (the parent ended, however it ended) or it gets SIGTERM/SIGINT/SIGHUP, it stops the server
 * and removes the folder, in that order.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PostgresCluster } from "./postgres-cluster.ts";
import { postgresBinaries } from "./postgres-binaries.ts";
import { serverUser } from "./server-user.ts";

const dir = await mkdtemp(path.join(tmpdir(), "tenancy-test-pg-"));
process.stdout.write(`${JSON.stringify({ dir })}\n`);
let cluster: PostgresCluster | undefined;
let stopping: Promise<void> | undefined;

function stop(code: number): Promise<void> {
  stopping ??= (async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
    process.exit(code);
  })();
  return stopping;
}

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => void stop(0));
process.stdin.on("end", () => void stop(0));
process.stdin.on("error", () => void stop(0));
process.stdin.resume();

try {
  const binaries = await postgresBinaries();
  const user = serverUser();
  cluster = new PostgresCluster(dir, binaries, user);
  const password = randomBytes(18).toString("base64url");
  await cluster.init(password);
  const { port, version } = await cluster.start(password);
  const url = `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`;
  process.stdout.write(`${JSON.stringify({ url, version, note: user.note })}\n`);
} catch (error) {
  if (!stopping) {
    process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
    await stop(1);
  }
}
