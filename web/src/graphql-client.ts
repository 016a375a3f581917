/*
 * The app's only way to the service: POST /graphql with the stored bearer token, so every page
 * sees exactly what the token's role sees.
 */
import { storedToken } from './token-store.ts';

/** The service refused the token (or wants one): the app asks for it. */
export class Unauthenticated extends Error {}

/** A GraphQL error, with its extensions.code when the service gave one. */
export class GraphQLFailure extends Error {
  constructor(message: string, readonly code: string | undefined) {
    super(message);
  }
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const token = storedToken();
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401) throw new Unauthenticated('this service needs a valid bearer token');
  const body = (await response.json().catch(() => null)) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } | null;
  const error = body?.errors?.[0];
  if (error) throw new GraphQLFailure(error.message, error.extensions?.code);
  if (!response.ok || !body?.data) throw new GraphQLFailure(`the service answered HTTP ${response.status}`, undefined);
  return body.data as T;
}
