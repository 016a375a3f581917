import { randomBytes } from "node:crypto";
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, utimesSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";

/*
 * One writer per embedded database. PGlite is a whole PostgreSQL inside one process: a second
 * process opening the same folder does not see the first one's writes, and each overwrites the
 * other's files. So the process that opens the folder holds `tenancy.lock` in it, naming its
 * pid and command (and, for a running service, where to reach it). The lock is created with
 * O_EXCL semantics (a hard link of a fully written file, so nobody reads half a lock).
 *
 * A lock whose holder is gone (kill -9, a crash) is taken over: on this host when its pid is
 * no longer that command, from another host (a container recreated on the same volume) when
 * its heartbeat is older than STALE_HEARTBEAT_MS. Takeover happens under a second, short-lived
 * guard (a directory), so two newcomers never both take the same stale lock.
 */
export const LOCK_FILE = "tenancy.lock";
/** The embedded database's folder when TENANCY_DATA_DIR is not set. */
export const DEFAULT_DATA_DIR = ".tenancy-data";
const HEARTBEAT_MS = 5_000;
const STALE_HEARTBEAT_MS = 30_000;
const STALE_GUARD_MS = 10_000;

export interface LockHolder {
  pid: number;
  /** The holder's command line, for people: "node bin/tenancy.mjs serve". */
  command: string;
  hostname: string;
  startedAt: string;
  /** Tells one holder from a later one with the same pid. */
  nonce: string;
  /** A running service's GraphQL URL on loopback, once it listens. */
  url?: string;
  /** A running service's secret for CLI commands on this machine (the file is the owner's only). */
  secret?: string;
}

export class DataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(`the embedded database in ${dataDir} is in use by pid ${holder.pid} (${holder.command}) on ${holder.hostname} since ${holder.startedAt}`);
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Adds a running service's URL and CLI secret to the lock, for CLI commands to go through it. */
  advertise(fields: Pick<LockHolder, "url" | "secret">): void;
  release(): void;
}

/** Folders locked by this process: a second open here is refused like anyone else's. */
const heldHere = new Set<string>();

export function lockDataDir(dataDir: string): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE);
  const me: LockHolder = {
    pid: process.pid,
    command: commandLine(process.pid) ?? [process.argv0, ...process.argv.slice(1)].join(" "),
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    nonce: randomBytes(8).toString("hex"),
  };
  for (let attempt = 0; attempt < 50; attempt++) {
    if (create(file, me)) return held(file, me);
    const holder = readLockHolder(dataDir);
    if (holder === null) continue; // released between our two steps: try again
    if (heldHere.has(file) || isAlive(holder, file)) throw new DataDirBusyError(dataDir, holder);
    takeOver(file, holder);
  }
  throw new Error(`could not lock ${file}: it keeps changing hands`);
}

/** The lock's holder, or null when nobody holds the folder. */
export function readLockHolder(dataDir: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE), "utf8")) as LockHolder;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new Error(`${path.join(dataDir, LOCK_FILE)} cannot be read (${(error as Error).message}); if no tenancy process runs on this folder, remove it`);
  }
}

/** Writes the whole lock to a temporary file, then links it in place: fails if a lock exists. */
function create(file: string, holder: LockHolder): boolean {
  const temp = writeTemp(file, holder);
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function writeTemp(file: string, holder: LockHolder): string {
  const temp = `${file}.${process.pid}.${holder.nonce}.tmp`;
  const fd = openSync(temp, "w", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(holder, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  return temp;
}

function held(file: string, me: LockHolder): DataDirLock {
  heldHere.add(file);
  let current = me;
  const ours = () => {
    try {
      return (JSON.parse(readFileSync(file, "utf8")) as LockHolder).nonce === me.nonce;
    } catch {
      return false;
    }
  };
  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      utimesSync(file, now, now);
    } catch {
      // the folder went away; the database will say so
    }
  }, HEARTBEAT_MS).unref();
  const release = () => {
    clearInterval(heartbeat);
    process.off("exit", release);
    if (!heldHere.delete(file)) return;
    if (ours()) unlinkSync(file);
  };
  // A process that ends without closing (an uncaught error) still lets go.
  process.on("exit", release);
  return {
    file,
    advertise(fields) {
      current = { ...current, ...fields };
      renameSync(writeTemp(file, current), file);
    },
    release,
  };
}

function isAlive(holder: LockHolder, file: string): boolean {
  if (holder.hostname !== hostname()) return Date.now() - mtime(file) < STALE_HEARTBEAT_MS;
  if (holder.pid === process.pid) return false; // our own pid, but not held here: a previous life (pid 1 in a container)
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  // The pid lives; it is the holder unless the pid was reused by another command.
  const command = commandLine(holder.pid);
  return command === null || command === holder.command;
}

function takeOver(file: string, stale: LockHolder) {
  const guard = `${file}.takeover`;
  try {
    mkdirSync(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Someone else is taking over right now (milliseconds), or died doing it long ago.
    if (Date.now() - mtime(guard) > STALE_GUARD_MS) rmdirSync(guard);
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    return;
  }
  try {
    const current = JSON.parse(readFileSync(file, "utf8")) as LockHolder;
    if (current.nonce === stale.nonce) unlinkSync(file);
  } catch {
    // gone or replaced meanwhile: the next attempt sees it
  } finally {
    rmdirSync(guard);
  }
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** A process's command line on Linux (/proc), or null where it cannot be read. */
function commandLine(pid: number): string | null {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return argv.length > 0 ? argv.join(" ") : null;
  } catch {
    return null;
  }
}
