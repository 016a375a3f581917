import { createHash, timingSafeEqual } from "node:crypto";
import { BOOTSTRAP_ADMIN, LOOPBACK_ADMIN, type Principal } from "./principal.ts";
import type { TokenCache } from "./token-cache.ts";

/*
 * Trust boundary: turns `Authorization: Bearer <secret>` into a principal, or null (the caller
 * answers 401 and says nothing about why, so a guess learns nothing).
 *
 * - TENANCY_ADMIN_TOKEN is the contract's bootstrap admin, compared in constant time.
 * - Any other secret is looked up by its hash among the active tokens (src/access/api-tokens.ts),
 *   through the token cache (token-cache.ts).
 * - The running service's local CLI secret (in the embedded database's lock file, readable
 *   only by its owner) is the same OS user's `tenancy` command on this machine: admin, from
 *   loopback only. Whoever can read that file could open the database itself.
 * - No header: allowed only while no admin token is configured and no token is active (a
 *   loopback-only server, the embedded demo), and only for a request to localhost by name
 *   (its Host header): a page on a rebound DNS name (rebind.evil.example → 127.0.0.1) that the
 *   browser lets talk to its own origin gets nothing. The first token created closes that door.
 */
/** The CLI's way into a service that holds the embedded database (src/db/data-dir-lock.ts). */
export interface LocalCli {
  secret: string;
  principal: Principal;
}

export async function authenticate(authorization: string | undefined, adminToken: string | undefined, tokens: TokenCache, localCli: LocalCli | undefined, host: string | undefined): Promise<Principal | null> {
  const secret = bearerSecret(authorization);
  if (secret === null) {
    if (authorization || !isLocalHost(host)) return null;
    return !adminToken && !(await tokens.anyActiveToken()) ? LOOPBACK_ADMIN : null;
  }
  if (adminToken && timingSafeEqual(digest(secret), digest(adminToken))) return BOOTSTRAP_ADMIN;
  if (localCli && timingSafeEqual(digest(secret), digest(localCli.secret))) return localCli.principal;
  return tokens.principalOf(secret);
}

/** Why a caller was refused, for the audit log only (the caller is told nothing). Never the secret. */
export function refusalReason(authorization: string | undefined): string {
  if (!authorization) return "no Authorization header";
  return bearerSecret(authorization) === null ? "not a bearer token" : "unknown or revoked token";
}

/** A Host header naming this machine: localhost, 127.0.0.1 or [::1], with any port. */
export function isLocalHost(host: string | undefined): boolean {
  const name = /^(\[[^\]]*\]|[^:]*)(:\d+)?$/.exec(host ?? "")?.[1].toLowerCase();
  return name === "localhost" || name === "127.0.0.1" || name === "[::1]";
}

export function bearerSecret(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return match ? match[1] : null;
}

// Hash both sides first, so the comparison takes the same time whatever the guess's length.
const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
