import { ROLES, principal, type Principal, type Role } from "../access/principal.ts";

/*
 * Which Slack users and channels act with which role: TENANCY_CHATOPS_ACCESS, a JSON object
 * (inline, or a path to a file holding it):
 *
 *   { "users":    { "U024BE7LH": { "role": "compliance" } },
 *     "channels": { "C0GEOLOGY": { "role": "tenant", "tenant": "geology" } } }
 *
 * A user's own entry wins over its channel's; with neither, the command is refused.
 */
interface Grant {
  role: Role;
  tenant?: string;
  savedQueriesOnly?: boolean;
}

export interface ChatopsAccess {
  users: Record<string, Grant>;
  channels: Record<string, Grant>;
}

export const NO_CHATOPS_ACCESS: ChatopsAccess = { users: {}, channels: {} };

/** Parses and checks the mapping; throws naming the entry that is wrong. */
export function parseChatopsAccess(json: string, origin: string): ChatopsAccess {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`${origin} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${origin} must be a JSON object with "users" and/or "channels"`);
  const access: ChatopsAccess = { users: {}, channels: {} };
  for (const [section, entries] of Object.entries(value)) {
    if (section !== "users" && section !== "channels") throw new Error(`${origin}: unknown section "${section}" (users, channels)`);
    if (typeof entries !== "object" || entries === null || Array.isArray(entries)) throw new Error(`${origin}.${section} must be an object of id → { role }`);
    for (const [id, grant] of Object.entries(entries as Record<string, unknown>)) {
      const where = `${origin}.${section}.${id}`;
      const g = grant as Partial<Grant> | null;
      if (!g || typeof g !== "object" || !(ROLES as readonly string[]).includes(String(g.role))) throw new Error(`${where}.role must be one of ${ROLES.join(", ")}`);
      if (g.role === "tenant" && (typeof g.tenant !== "string" || !g.tenant)) throw new Error(`${where}.tenant is required for the tenant role`);
      if (g.role === "sync") throw new Error(`${where}: the sync role pushes snapshots, which chat cannot do`);
      if (g.role === "scheduler") throw new Error(`${where}: the scheduler role answers kube-scheduler, not chat`);
      access[section][id] = { role: g.role as Role, tenant: g.tenant, savedQueriesOnly: g.savedQueriesOnly === true };
    }
  }
  return access;
}

export function slackPrincipal(access: ChatopsAccess, userId: string, channelId: string): Principal | null {
  const grant = access.users[userId] ?? access.channels[channelId];
  if (!grant) return null;
  return principal(`slack:${userId}`, grant.role, { tenant: grant.tenant ?? null, savedQueriesOnly: grant.savedQueriesOnly });
}
