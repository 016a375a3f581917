import { badUserInput } from "./errors.ts";
import { TYPE_OF_KIND } from "./inventory-types.ts";

/** Every type this API issues ids for; an id naming any other (`constructor`, `__proto__`) is not one of ours. */
const ISSUED_TYPES = new Set([...Object.values(TYPE_OF_KIND), "Source", "SyncRun", "SavedQuery", "SavedQueryRun"]);

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
  if (colon <= 0 || toGlobalId(decoded.slice(0, colon), decoded.slice(colon + 1)) !== id || !ISSUED_TYPES.has(decoded.slice(0, colon))) {
    throw badUserInput(`${JSON.stringify(id)} is not a global id of this API`, "id");
  }
  return { type: decoded.slice(0, colon), key: decoded.slice(colon + 1) };
}
