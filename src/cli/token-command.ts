import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { createApiToken, listApiTokens, revokeApiToken } from "../access/api-tokens.ts";
import { recordAudit } from "../access/audit-log.ts";
import type { Config } from "../config.ts";
import { migrate } from "../db/migrator.ts";
import { formatTable } from "./result-table.ts";
import { UsageError } from "./usage-error.ts";
import { withDatabase } from "./with-database.ts";

/**
 * `tenancy token create|list|revoke`: run by an operator on the database directly (like
 * `migrate`), so the first tokens can be made before any exists. Each is audited as
 * `cli:<os user>`.
 */
export const TOKEN_USAGE = `  token create --role ROLE [--name NAME] [--tenant KEY] [--source KEY]... [--saved-queries-only]
               [--kinds K,K...] [--tenants T,T...]
                                         create a token (admin, sync, compliance or tenant);
                                         a sync token may be limited to kinds and tenants;
                                         prints its secret, once, on standard output
  token list                             every token, revoked ones included
  token revoke NAME                      revoke a token at once`;

export async function tokenCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      role: { type: "string" },
      name: { type: "string" },
      tenant: { type: "string" },
      source: { type: "string", multiple: true },
      kinds: { type: "string", multiple: true },
      tenants: { type: "string", multiple: true },
      "saved-queries-only": { type: "boolean" },
    },
  });
  const actor = { actor: `cli:${userInfo().username}`, role: "admin" as const };
  switch (sub) {
    case "create": {
      if (!values.role) throw new UsageError("token create needs --role (admin, sync, compliance or tenant)");
      const input = {
        name: values.name ?? `${values.role}-${randomBytes(3).toString("hex")}`,
        role: values.role,
        tenant: values.tenant,
        sources: values.source,
        kinds: commaList(values.kinds),
        tenants: commaList(values.tenants),
        savedQueriesOnly: values["saved-queries-only"],
      };
      return withDatabase(config, async (db) => {
        await migrate(db.sql);
        const created = await createApiToken(db.sql, input, actor.actor);
        const { name, ...detail } = input;
        if ("errors" in created) {
          await recordAudit(db.sql, actor, { action: "createApiToken", target: name, outcome: "REFUSED", detail: { ...detail, userErrors: created.errors } });
          for (const e of created.errors) console.error(`--${e.path[0] === "savedQueriesOnly" ? "saved-queries-only" : e.path[0]}: ${e.message}`);
          return 1;
        }
        await recordAudit(db.sql, actor, { action: "createApiToken", target: name, outcome: "OK", detail });
        console.error(`created token ${created.token.name} (${describeScope(created.token)}); keep its secret now, it is not shown again:`);
        console.log(created.secret);
        return 0;
      });
    }
    case "list":
      return withDatabase(config, async (db) => {
        await migrate(db.sql);
        const tokens = await listApiTokens(db.sql, null, 100_000);
        const rows = tokens.map((t) => ({ name: t.name, scope: describeScope(t), createdAt: t.createdAt.toISOString(), createdBy: t.createdBy, revokedAt: t.revokedAt?.toISOString() ?? null }));
        console.log(formatTable({ tokens: rows }));
        return 0;
      });
    case "revoke": {
      const name = positionals[0];
      if (!name) throw new UsageError("token revoke needs the token's NAME");
      return withDatabase(config, async (db) => {
        await migrate(db.sql);
        const token = await revokeApiToken(db.sql, name);
        await recordAudit(db.sql, actor, { action: "revokeApiToken", target: name, outcome: token ? "OK" : "REFUSED" });
        if (!token) {
          console.error(`no token is named "${name}"`);
          return 1;
        }
        console.log(`revoked ${name}`);
        return 0;
      });
    }
    default:
      throw new UsageError(sub ? `unknown token command "${sub}"` : "token needs a command: create, list or revoke");
  }
}

/** `--kinds a,b --kinds c` as [a, b, c]; undefined when not given. */
const commaList = (values: string[] | undefined) => values?.flatMap((v) => v.split(",")).map((v) => v.trim());

function describeScope(t: { role: string; tenant: string | null; sources: string[]; kinds: string[]; tenants: string[]; savedQueriesOnly: boolean }): string {
  if (t.role === "tenant") return `tenant ${t.tenant}`;
  if (t.role === "sync") {
    const kinds = t.kinds.length > 0 ? `; kinds ${t.kinds.join(", ")}` : "";
    const tenants = t.tenants.length > 0 ? `; tenants ${t.tenants.join(", ")}` : "";
    return `sync ${t.sources.join(", ")}${kinds}${tenants}`;
  }
  return t.savedQueriesOnly ? `${t.role}, saved queries only` : t.role;
}
