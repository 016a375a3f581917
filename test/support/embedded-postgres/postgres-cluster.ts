import { spawn, type ChildProcess } from "node:child_process";
import { chown, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import pg from "pg";
import type { PostgresBinaries } from "./postgres-binaries.ts";
import type { ServerUser } from "./server-user.ts";

/*
 * One throwaway PostgreSQL cluster in `dir` (initdb, then postgres on a free loopback port),
 * owned by the supervisor process. Only one child (initdb, then postgres) runs at a time, and
 * `stop()` ends whichever it is, so an interrupt at any moment leaves nothing running.
 */
export class PostgresCluster {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private log = "";
  private readonly dataDir: string;

  constructor(
    private readonly dir: string,
    private readonly binaries: PostgresBinaries,
    private readonly user: ServerUser,
  ) {
    this.dataDir = path.join(dir, "data");
  }

  async init(password: string): Promise<void> {
    const passwordFile = path.join(this.dir, "password");
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (this.user.uid !== undefined) {
      await chown(this.dir, this.user.uid, this.user.gid!);
      await chown(passwordFile, this.user.uid, this.user.gid!);
    }
    // C collation and UTF-8, like the machines the suite was written on; --no-sync because
    // the cluster dies with the run.
    const flags = ["-D", this.dataDir, "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${passwordFile}`, "-E", "UTF8", "--no-locale", "--no-sync"];
    const code = await this.run(this.binaries.initdb, flags);
    if (code !== 0) throw new Error(`initdb failed (exit ${code}):\n${this.log}`);
  }

  /** Starts the server; resolves once it accepts connections as `password`. */
  async start(password: string): Promise<{ port: number; version: string }> {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      // Settings for a disposable server: no durability, no Unix socket (nothing to clash
      // with a local server's), loopback only, room for two workers' pools and child services.
      const flags = [
        "-D",
        this.dataDir,
        "-p",
        String(port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
      ];
      this.log = "";
      const ended = this.run(this.binaries.postgres, flags);
      const child = this.child;
      const version = await serverVersion(port, password, () => this.child === child);
      if (version) return { port, version };
      const code = await ended;
      // Another process took the port between the probe and the bind: try another.
      if (attempt < 3 && /could not (bind|create listen socket)/.test(this.log)) continue;
      throw new Error(`postgres stopped during start-up (exit ${code}):\n${this.log}`);
    }
  }

  /** Ends whichever child runs: fast shutdown, then immediate, then SIGKILL. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    for (const [signal, waitMs] of [
      ["SIGINT", 15_000],
      ["SIGQUIT", 5_000],
      ["SIGKILL", 5_000],
    ] as const) {
      if (!this.child) break;
      child.kill(signal);
      await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
    }
  }

  private run(file: string, args: string[]): Promise<number | null> {
    const child = spawn(file, args, {
      uid: this.user.uid,
      gid: this.user.gid,
      cwd: this.dir,
      env: { ...process.env, LC_ALL: "C", LANG: "C" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout.on("data", (d) => (this.log += d));
    child.stderr.on("data", (d) => (this.log += d));
    const code = new Promise<number | null>((resolve) => {
      child.on("error", (error) => {
        this.log += `${error.message}\n`;
        resolve(null);
      });
      child.on("exit", (exitCode) => resolve(exitCode));
    }).finally(() => {
      if (this.child === child) this.child = undefined;
    });
    this.exited = code.then(() => undefined);
    return code;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The server's version once a client can log in; undefined if the server process ended first. */
async function serverVersion(port: number, password: string, running: () => boolean): Promise<string | undefined> {
  while (running()) {
    const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", password, database: "postgres" });
    client.on("error", () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ server_version: string }>("SHOW server_version");
      await client.end();
      return rows[0].server_version;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return undefined;
}
