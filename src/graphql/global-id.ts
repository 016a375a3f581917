import { badUserInput } from "./errors.ts";

/**
 * Opaque global ids for `Node`: base64url of "Type:key". Opaque so that clients treat them as
 * handles; the inventory key is exposed separately as `key`.
 */
export function toGlobalId(type: string, key: string | number): string {
  return Buffer.from(`${type}:${key}`, "utf8").toString("base64url");
}

export function fromGlobalId(id: string): { type: string; key: string } {
  const decoded = Buffer.from(id, "base64url").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0 || toGlobalId(decoded.slice(0, colon), decoded.slice(colon + 1)) !== id) {
    throw badUserInput(`"${id}" is not a valid global id`, "id");
  }
  return { type: decoded.slice(0, colon), key: decoded.slice(colon + 1) };
}
