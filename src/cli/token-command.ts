import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import type { Command } from "commander";
import { checkTokenInput, createApiToken, listApiTokens, revokeApiToken, type ApiToken, type TokenInput, type UserError } from "../access/api-tokens.ts";
import { recordAudit } from "../access/audit-log.ts";
import { loadConfig } from "../config.ts";
import { migrate } from "../db/migrator.ts";
import type { Database } from "../db/open-database.ts";
import { collect, commandAction } from "./command-action.ts";
import { formatTable } from "./result-table.ts";
import type { ServiceClient } from "./service-client.ts";
import { CliApiTokensDocument, CliCreateApiTokenDocument, CliRevokeApiTokenDocument, type CliApiTokensQuery, type Role } from "../graphql/generated/operations.ts";
import { UsageError } from "./usage-error.ts";
import { withDatabase } from "./with-database.ts";

/*
 * `tenancy token create|list|revoke`: run by an operator on the database directly (like
 * `migrate`), so the first tokens can be made before any exists, and audited as
 * `cli:<os user>`. When a running service holds the embedded database, through that service
 * (as the same `cli:<os user>`), so it knows the new token at once.
 */
/** A token as the database (lower-case role, Dates) or the API (the role's enum name, ISO text) gives it. */
type TokenRow = Pick<ApiToken, "name" | "tenant" | "sources" | "kinds" | "tenants" | "savedQueriesOnly"> & { role: string; createdAt: Date | string; createdBy: string; revokedAt: Date | string | null };

export function addTokenCommand(program: Command) {
  const token = program.command("token").summary("create, list or revoke API tokens").description("API tokens, made on the database (or through the service that holds the embedded one).");
  token
    .command("create")
    .description("create a token; prints its secret, once, on standard output")
    .requiredOption("--role <role>", "admin, sync, compliance, tenant or scheduler")
    .option("--name <name>", "its name (default: the role and a random suffix)")
    .option("--tenant <key>", "a tenant token's tenant")
    .option("--source <key>", "a sync token's source (repeatable)", collect)
    .option("--saved-queries-only", "a compliance token that may only list and run saved queries")
    .option("--kinds <k,k…>", "a sync token's grant: the kinds its snapshots may carry (repeatable, comma-separated)", collect)
    .option("--tenants <t,t…>", "a sync token's grant: the tenants whose objects it may carry (repeatable, comma-separated)", collect)
    .action(commandAction((options: CreateOptions) => create(options)));
  token
    .command("list")
    .description("every token, revoked ones included")
    .action(commandAction(() => list()));
  token
    .command("revoke")
    .description("revoke a token at once")
    .argument("<name>", "the token's name")
    .action(commandAction((name: string) => revoke(name)));
}

/** A refusal as the option it is about says it: `--tenant: …`. */
function optionError(e: UserError): string {
  const field = e.path[0] === "input" ? e.path[1] : e.path[0];
  return `--${field === "savedQueriesOnly" ? "saved-queries-only" : field === "sources" ? "source" : field}: ${e.message}`;
}

const actor = () => ({ actor: `cli:${userInfo().username}`, role: "admin" as const });

type CreateOptions = { role: string; name?: string; tenant?: string; source?: string[]; kinds?: string[]; tenants?: string[]; savedQueriesOnly?: boolean };

/** `--kinds a,b --kinds c` as [a, b, c]; undefined when not given. */
const commaList = (values: string[] | undefined) => values?.flatMap((v) => v.split(",")).map((v) => v.trim());

async function create(options: CreateOptions): Promise<number> {
  const input: TokenInput = {
    name: options.name ?? `${options.role}-${randomBytes(3).toString("hex")}`,
    role: options.role,
    tenant: options.tenant,
    sources: options.source,
    kinds: commaList(options.kinds),
    tenants: commaList(options.tenants),
    savedQueriesOnly: options.savedQueriesOnly,
  };
  // Options that do not go together are wrong usage (exit 2); a refusal by the database (a name taken) is exit 1.
  const wrong = checkTokenInput(input);
  if (wrong.length > 0) throw new UsageError(wrong.map(optionError).join("\n"));
  const done = (created: { token: TokenRow; secret: string } | { errors: UserError[] }) => {
    if ("errors" in created) {
      for (const e of created.errors) console.error(optionError(e));
      return 1;
    }
    console.error(`created token ${created.token.name} (${describeScope(created.token)}); keep its secret now, it is not shown again:`);
    console.log(created.secret);
    return 0;
  };
  return withDatabase(
    loadConfig(),
    async (db) => {
      await migrate(db.sql);
      const created = await createApiToken(db.sql, input, actor().actor);
      const { name, ...detail } = input;
      const outcome = "errors" in created ? { outcome: "REFUSED" as const, detail: { ...detail, userErrors: created.errors } } : { outcome: "OK" as const, detail };
      await recordAudit(db.sql, actor(), { action: "createApiToken", target: name, ...outcome });
      return done(created);
    },
    {
      async viaService(client) {
        // checkTokenInput (above) let only the roles through, which the API names in capitals.
        const role = input.role.toUpperCase() as Role;
        const copy = (list: readonly string[] | null | undefined) => list && [...list];
        const { createApiToken: payload } = await client.request(CliCreateApiTokenDocument, { input: { ...input, role, sources: copy(input.sources), kinds: copy(input.kinds), tenants: copy(input.tenants) } });
        // Without user errors the API answers the token and its secret.
        return done(payload.userErrors.length > 0 ? { errors: payload.userErrors } : { token: payload.token!, secret: payload.secret! });
      },
    },
  );
}

async function list(): Promise<number> {
  const print = (tokens: TokenRow[]) => {
    const rows = tokens.map((t) => ({ name: t.name, scope: describeScope(t), createdAt: iso(t.createdAt), createdBy: t.createdBy, revokedAt: t.revokedAt ? iso(t.revokedAt) : null }));
    console.log(formatTable({ tokens: rows }));
    return 0;
  };
  return withDatabase(
    loadConfig(),
    async (db) => {
      await migrate(db.sql);
      return print(await listApiTokens(db.sql, null, 100_000));
    },
    { viaService: async (client) => print(await allTokens(client)) },
  );
}

async function allTokens(client: ServiceClient): Promise<TokenRow[]> {
  const tokens: TokenRow[] = [];
  let after: string | null = null;
  do {
    const { apiTokens }: CliApiTokensQuery = await client.request(CliApiTokensDocument, { after });
    tokens.push(...apiTokens.nodes);
    after = apiTokens.pageInfo.hasNextPage ? apiTokens.pageInfo.endCursor : null;
  } while (after);
  return tokens;
}

async function revoke(name: string): Promise<number> {
  const done = (revoked: boolean) => {
    if (!revoked) {
      console.error(`no token is named "${name}"`);
      return 1;
    }
    console.log(`revoked ${name}`);
    return 0;
  };
  return withDatabase(
    loadConfig(),
    async (db: Database) => {
      await migrate(db.sql);
      const token = await revokeApiToken(db.sql, name);
      await recordAudit(db.sql, actor(), { action: "revokeApiToken", target: name, outcome: token ? "OK" : "REFUSED" });
      return done(token !== null);
    },
    {
      async viaService(client) {
        const { revokeApiToken: payload } = await client.request(CliRevokeApiTokenDocument, { name });
        return done(payload.token !== null && payload.userErrors.length === 0);
      },
    },
  );
}

const iso = (value: Date | string) => (typeof value === "string" ? value : value.toISOString());

function describeScope(t: { role: string; tenant: string | null; sources: readonly string[]; kinds: readonly string[]; tenants: readonly string[]; savedQueriesOnly: boolean }): string {
  const role = t.role.toLowerCase();
  if (role === "tenant") return `tenant ${t.tenant}`;
  if (role === "sync") {
    const kinds = t.kinds.length > 0 ? `; kinds ${t.kinds.join(", ")}` : "";
    const tenants = t.tenants.length > 0 ? `; tenants ${t.tenants.join(", ")}` : "";
    return `sync ${t.sources.join(", ")}${kinds}${tenants}`;
  }
  return t.savedQueriesOnly ? `${role}, saved queries only` : role;
}
