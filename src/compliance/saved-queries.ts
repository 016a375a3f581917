import { buildSchema, Kind, OperationTypeNode, parse, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import type { SqlClient } from "../db/sql-client.ts";
import { typeDefs } from "../graphql/type-defs.ts";
import { canonicalJson } from "./result-rows.ts";

/*
 * Compliance's saved queries: named GraphQL documents, versioned on each change. A document is
 * checked against the API's schema when saved, so a run never fails on a typo months later.
 */
export interface SavedQueryVersion {
  name: string;
  version: number;
  document: string;
  variables: Record<string, unknown>;
  description: string | null;
  createdAt: Date;
  createdBy: string;
}

export interface UserError {
  path: string[];
  message: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const COLUMNS = `name, version, document, variables, description, created_at AS "createdAt", created_by AS "createdBy"`;

let schema: GraphQLSchema | undefined;
const apiSchema = () => (schema ??= buildSchema(typeDefs));

/** Why a document cannot be saved: not one query operation, or not valid against the schema. Empty when it can. */
export function checkDocument(document: string): UserError[] {
  let ast: DocumentNode;
  try {
    ast = parse(document);
  } catch (error) {
    return [{ path: ["document"], message: `not a GraphQL document: ${(error as Error).message}` }];
  }
  const operations = ast.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) return [{ path: ["document"], message: `a saved query holds exactly one operation; this document has ${operations.length}` }];
  if (operations[0].operation !== OperationTypeNode.QUERY) {
    return [{ path: ["document"], message: `a saved query reads: its operation must be a query, not a ${operations[0].operation}` }];
  }
  return validate(apiSchema(), ast).map((p) => ({
    path: ["document"],
    message: `${p.message}${p.locations?.[0] ? ` (line ${p.locations[0].line}, column ${p.locations[0].column})` : ""}`,
  }));
}

export interface SaveInput {
  name: string;
  document: string;
  variables?: unknown;
  description?: string | null;
}

/** Saves a new version when anything changed; the newest version either way. */
export async function saveQuery(sql: SqlClient, input: SaveInput, by: string): Promise<{ query: SavedQueryVersion; changed: boolean } | { errors: UserError[] }> {
  const errors: UserError[] = [];
  if (!NAME.test(input.name)) errors.push({ path: ["name"], message: "a saved query's name is 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit" });
  const variables = input.variables ?? {};
  if (typeof variables !== "object" || variables === null || Array.isArray(variables)) errors.push({ path: ["variables"], message: "variables must be a JSON object" });
  errors.push(...checkDocument(input.document));
  if (errors.length > 0) return { errors };
  return sql.transaction(async (tx) => {
    // One saver at a time per name, so two saves never claim the same version number.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('saved_query:' || $1))`, [input.name]);
    const [newest] = await tx.query<SavedQueryVersion>(`SELECT ${COLUMNS} FROM saved_query_version WHERE name = $1 ORDER BY version DESC LIMIT 1`, [input.name]);
    const description = input.description ?? newest?.description ?? null;
    if (newest && newest.document === input.document && canonicalJson(newest.variables) === canonicalJson(variables) && newest.description === description) {
      return { query: newest, changed: false };
    }
    const [saved] = await tx.query<SavedQueryVersion>(`INSERT INTO saved_query_version (name, version, document, variables, description, created_by) VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING ${COLUMNS}`, [
      input.name,
      (newest?.version ?? 0) + 1,
      input.document,
      JSON.stringify(variables),
      description,
      by,
    ]);
    return { query: saved, changed: true };
  });
}

/** The newest version of each of these names. */
export function newestVersions(sql: SqlClient, names: readonly string[]): Promise<SavedQueryVersion[]> {
  return sql.query<SavedQueryVersion>(`SELECT DISTINCT ON (name) ${COLUMNS} FROM saved_query_version WHERE name = ANY($1::text[]) ORDER BY name, version DESC`, [[...names]]);
}

/** Saved queries by name after `after`, each at its newest version. */
export function listSavedQueries(sql: SqlClient, after: string | null, limit: number): Promise<SavedQueryVersion[]> {
  return sql.query<SavedQueryVersion>(`SELECT DISTINCT ON (name) ${COLUMNS} FROM saved_query_version WHERE $1::text IS NULL OR name > $1 ORDER BY name, version DESC LIMIT $2`, [after, limit]);
}

export async function countSavedQueries(sql: SqlClient): Promise<number> {
  const [row] = await sql.query<{ n: number }>(`SELECT count(DISTINCT name)::int AS n FROM saved_query_version`);
  return row.n;
}

export function versionsOf(sql: SqlClient, name: string): Promise<SavedQueryVersion[]> {
  return sql.query<SavedQueryVersion>(`SELECT ${COLUMNS} FROM saved_query_version WHERE name = $1 ORDER BY version DESC`, [name]);
}
