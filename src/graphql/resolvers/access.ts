import { createApiToken, countApiTokens, listApiTokens, revokeApiToken } from "../../access/api-tokens.ts";
import { auditEvents, countAuditEvents } from "../../access/audit-log.ts";
import { badUserInput } from "../errors.ts";
import type { ApiTokenResolvers, MutationResolvers, QueryResolvers, RoleResolvers, ViewerResolvers } from "../generated/resolvers-types.ts";
import { connectionFromRows, pageRequest } from "../pagination.ts";

/** The caller, tokens and the audit log. Who may call each is in src/access/access-rules.ts. */
export const accessQueries: QueryResolvers = {
  viewer: (_, __, ctx) => ctx.principal,
  async apiTokens(_, args, ctx) {
    const page = pageRequest(args);
    const rows = await listApiTokens(ctx.db.sql, page.after, page.size + 1);
    return connectionFromRows(
      rows,
      page,
      (row) => row.name,
      () => countApiTokens(ctx.db.sql),
    );
  },
  async auditLog(_, args, ctx) {
    const page = pageRequest(args);
    if (page.after !== null && !/^\d{1,18}$/.test(page.after)) throw badUserInput("after is not a cursor of the audit log", "after");
    const rows = await auditEvents(ctx.db.sql, args, page.after, page.size + 1);
    return connectionFromRows(
      rows,
      page,
      (row) => row.id,
      () => countAuditEvents(ctx.db.sql, args),
    );
  },
};

export const accessMutations: MutationResolvers = {
  async createApiToken(_, args, ctx) {
    const created = await createApiToken(ctx.db.sql, args.input, ctx.principal.actor);
    if ("errors" in created) return { token: null, secret: null, userErrors: created.errors };
    ctx.forgetTokens();
    ctx.logger.info({ token: created.token.name, role: created.token.role }, "API token created");
    return { token: created.token, secret: created.secret, userErrors: [] };
  },
  async revokeApiToken(_, args, ctx) {
    const token = await revokeApiToken(ctx.db.sql, args.name);
    if (!token) return { token: null, userErrors: [{ path: ["name"], message: `no token is named "${args.name}"` }] };
    ctx.forgetTokens();
    ctx.logger.info({ token: token.name }, "API token revoked");
    return { token, userErrors: [] };
  },
};

export const Viewer: ViewerResolvers = {
  tenantKey: (p) => p.tenant,
};

export const ApiToken: ApiTokenResolvers = {
  tenantKey: (t) => t.tenant,
};

/** GraphQL's Role enum over the roles as stored (lower case). */
export const Role: RoleResolvers = { ADMIN: "admin", SYNC: "sync", COMPLIANCE: "compliance", TENANT: "tenant", SCHEDULER: "scheduler" };
