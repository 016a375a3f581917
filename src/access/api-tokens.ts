import { createHash, randomBytes } from "node:crypto";
import type { SqlClient } from "../db/sql-client.ts";
import { INVENTORY_KINDS } from "../inventory/snapshot.ts";
import { principal, ROLES, type Principal, type Role } from "./principal.ts";

/*
 * API tokens with roles, kept in `api_token`. Only the SHA-256 of a secret is stored: the
 * secret is 256 random bits, so a fast hash is enough (nothing to brute-force), and a leaked
 * table reveals no usable token. The secret is returned once, at creation.
 */
export interface ApiToken {
  name: string;
  role: Role;
  tenant: string | null;
  sources: string[];
  /** A sync token's grant: kinds and tenants its snapshots may carry (empty: all). */
  kinds: string[];
  tenants: string[];
  savedQueriesOnly: boolean;
  createdAt: Date;
  createdBy: string;
  revokedAt: Date | null;
}

export interface TokenInput {
  name: string;
  role: string;
  tenant?: string | null;
  sources?: readonly string[] | null;
  kinds?: readonly string[] | null;
  tenants?: readonly string[] | null;
  savedQueriesOnly?: boolean | null;
}

export interface UserError {
  path: string[];
  message: string;
}

const SECRET_PREFIX = "ts_";

/** NOTIFY channel: a token was created or revoked, so every replica drops its cached lookups. */
export const TOKENS_CHANNEL = "tenancy_tokens";

const announce = (sql: SqlClient, name: string) => sql.query(`SELECT pg_notify($1, $2)`, [TOKENS_CHANNEL, name]);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const COLUMNS = `name, role, tenant, COALESCE(sources, '{}') AS sources, COALESCE(kinds, '{}') AS kinds, COALESCE(tenants, '{}') AS tenants,
                 saved_queries_only AS "savedQueriesOnly",
                 created_at AS "createdAt", created_by AS "createdBy", revoked_at AS "revokedAt"`;

export const hashSecret = (secret: string) => createHash("sha256").update(secret, "utf8").digest("hex");

/** What is wrong with a token request, field by field; empty when it can be created. */
export function checkTokenInput(input: TokenInput): UserError[] {
  const errors: UserError[] = [];
  const role = input.role.toLowerCase();
  if (!NAME.test(input.name)) errors.push({ path: ["name"], message: "a token name is 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit" });
  if (!(ROLES as readonly string[]).includes(role)) errors.push({ path: ["role"], message: `role must be one of ${ROLES.join(", ")}` });
  const tenant = input.tenant?.trim();
  if (role === "tenant" && !tenant) errors.push({ path: ["tenant"], message: "a tenant token must name its tenant" });
  if (role !== "tenant" && tenant) errors.push({ path: ["tenant"], message: "only a tenant token is bound to a tenant" });
  const sources = input.sources ?? [];
  if (role === "sync" && sources.length === 0) errors.push({ path: ["sources"], message: "a sync token must name the sources it may push" });
  if (role !== "sync" && sources.length > 0) errors.push({ path: ["sources"], message: "only a sync token is granted sources" });
  sources.forEach((s, i) => {
    if (!s.trim()) errors.push({ path: ["sources", String(i)], message: "a source key is not empty" });
  });
  errors.push(...checkGrant(role, input));
  if (input.savedQueriesOnly && role !== "compliance") errors.push({ path: ["savedQueriesOnly"], message: "only a compliance token can be limited to saved queries" });
  return errors;
}

/** A sync token's kinds and tenants: known kinds, non-empty tenant keys, and only on a sync token. */
function checkGrant(role: string, input: TokenInput): UserError[] {
  const errors: UserError[] = [];
  for (const field of ["kinds", "tenants"] as const) {
    const values = input[field] ?? [];
    if (values.length > 0 && role !== "sync") errors.push({ path: [field], message: `only a sync token is limited to ${field}` });
    values.forEach((value, i) => {
      if (!value.trim()) errors.push({ path: [field, String(i)], message: `a ${field === "kinds" ? "kind" : "tenant key"} is not empty` });
      else if (field === "kinds" && !(INVENTORY_KINDS as readonly string[]).includes(value)) {
        errors.push({ path: [field, String(i)], message: `unknown kind "${value}"; expected one of ${INVENTORY_KINDS.join(", ")}` });
      }
    });
  }
  return errors;
}

/** Creates a token and returns it with its secret, or the reasons it was refused. */
export async function createApiToken(sql: SqlClient, input: TokenInput, createdBy: string): Promise<{ token: ApiToken; secret: string } | { errors: UserError[] }> {
  const errors = checkTokenInput(input);
  if (errors.length > 0) return { errors };
  const secret = SECRET_PREFIX + randomBytes(32).toString("base64url");
  const rows = await sql.query<ApiToken>(
    `INSERT INTO api_token (name, role, tenant, sources, kinds, tenants, saved_queries_only, secret_hash, created_by)
     VALUES ($1, $2, $3, $4::text[], $5::text[], $6::text[], $7, $8, $9) ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
    [
      input.name,
      input.role.toLowerCase(),
      input.tenant?.trim() || null,
      [...new Set(input.sources ?? [])],
      [...new Set(input.kinds ?? [])],
      [...new Set((input.tenants ?? []).map((t) => t.trim()))],
      input.savedQueriesOnly === true,
      hashSecret(secret),
      createdBy,
    ],
  );
  if (rows.length === 0) return { errors: [{ path: ["name"], message: `a token named "${input.name}" already exists (revoked tokens keep their name)` }] };
  await announce(sql, input.name);
  return { token: rows[0], secret };
}

/** Revokes a token at once: the next request that presents it is refused. */
export async function revokeApiToken(sql: SqlClient, name: string): Promise<ApiToken | null> {
  const rows = await sql.query<ApiToken>(`UPDATE api_token SET revoked_at = COALESCE(revoked_at, now()) WHERE name = $1 RETURNING ${COLUMNS}`, [name]);
  if (rows[0]) await announce(sql, name);
  return rows[0] ?? null;
}

/** Tokens by name, after `after`, at most `limit`. */
export function listApiTokens(sql: SqlClient, after: string | null, limit: number): Promise<ApiToken[]> {
  return sql.query<ApiToken>(`SELECT ${COLUMNS} FROM api_token WHERE $1::text IS NULL OR name > $1 ORDER BY name LIMIT $2`, [after, limit]);
}

export async function countApiTokens(sql: SqlClient): Promise<number> {
  const [row] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM api_token`);
  return row.n;
}

/** The principal a secret stands for; null when no active token has it. */
export async function principalOfSecret(sql: SqlClient, secret: string): Promise<Principal | null> {
  if (!secret.startsWith(SECRET_PREFIX)) return null;
  const [token] = await sql.query<ApiToken>(`SELECT ${COLUMNS} FROM api_token WHERE secret_hash = $1 AND revoked_at IS NULL`, [hashSecret(secret)]);
  if (!token) return null;
  return principal(`token:${token.name}`, token.role, { tenant: token.tenant, sources: token.sources, kinds: token.kinds, tenants: token.tenants, savedQueriesOnly: token.savedQueriesOnly });
}

/** True once any token is active: from then on every request must present one. */
export async function anyActiveToken(sql: SqlClient): Promise<boolean> {
  const [row] = await sql.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM api_token WHERE revoked_at IS NULL) AS any`);
  return row.any;
}
