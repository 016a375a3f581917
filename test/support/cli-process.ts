import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

/** Runs the real `tenancy` command in a child process, as a user would. */
export const TENANCY_BIN = path.resolve("bin/tenancy.mjs");

/** The environment for a child: the test's own, less any database URL unless given. */
export function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "info" };
  delete env.DATABASE_URL;
  delete env.TEST_DATABASE_URL;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TENANCY_BIN, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  logs: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts `tenancy serve` and resolves once it logs the URL it serves on. `preload`: modules
 * node imports first (--import), with an IPC channel to the child for them to answer on.
 */
export function startServe(env: NodeJS.ProcessEnv, timeoutMs = 60_000, preload: string[] = []): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const imports = preload.flatMap((module) => ["--import", module]);
    const stdio = preload.length > 0 ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"];
    const child = spawn(process.execPath, [...imports, TENANCY_BIN, "serve"], { env, stdio: stdio as ["ignore", "pipe", "pipe"] });
    let output = "";
    const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
    const timer = setTimeout(() => reject(new Error(`tenancy serve did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (data: Buffer) => {
      output += data.toString();
      const line = output.split("\n").find((l) => l.includes('"serving GraphQL"'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, url: JSON.parse(line).url, logs: () => output, exited });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d) => (output += d));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tenancy serve exited with ${code} before serving:\n${output}`));
    });
  });
}

export async function graphqlRequest(url: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: any } };
}
