import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * Checks `Authorization: Bearer <token>` against the configured admin token. Both sides are
 * hashed first so the comparison takes the same time whatever the length of the guess.
 */
export function isAuthorized(request: IncomingMessage, adminToken: string | undefined): boolean {
  if (!adminToken) return true;
  const header = request.headers.authorization ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return false;
  return timingSafeEqual(digest(match[1]), digest(adminToken));
}

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
