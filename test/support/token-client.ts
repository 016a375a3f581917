import { graphqlRequest } from "./cli-process.ts";

/** Posts GraphQL with a bearer token; returns the HTTP status and the body. */
export function gqlAs(url: string, token: string | null, query: string, variables?: Record<string, unknown>) {
  return graphqlRequest(url, query, variables, token ? { authorization: `Bearer ${token}` } : {});
}

/** Creates a token as `admin` and returns its secret (fails the test on userErrors). */
export async function createToken(url: string, admin: string, input: Record<string, unknown>): Promise<string> {
  const { body } = await gqlAs(url, admin, `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret userErrors { path message } } }`, { input });
  const payload = body.data?.createApiToken;
  if (!payload?.secret) throw new Error(`createApiToken failed: ${JSON.stringify(body)}`);
  return payload.secret as string;
}
