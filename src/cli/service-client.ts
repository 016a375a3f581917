/**
 * The CLI's GraphQL client for commands that talk to a running service (`tenancy query …`):
 * TENANCY_URL (default http://127.0.0.1:4000/graphql) with TENANCY_TOKEN as the bearer token.
 */
export class ServiceError extends Error {}

export interface ServiceClient {
  url: string;
  request<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export function serviceClient(env: NodeJS.ProcessEnv, url?: string): ServiceClient {
  const target = url ?? env.TENANCY_URL ?? `http://127.0.0.1:${env.PORT ?? 4000}/graphql`;
  const token = env.TENANCY_TOKEN?.trim();
  return {
    url: target,
    async request(query, variables) {
      let response: Response;
      try {
        response = await fetch(target, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ query, variables }),
        });
      } catch (error) {
        throw new ServiceError(`cannot reach the service at ${target} (TENANCY_URL): ${(error as { cause?: Error }).cause?.message ?? (error as Error).message}`);
      }
      if (response.status === 401) throw new ServiceError(`the service at ${target} refused the token: set TENANCY_TOKEN to a valid token`);
      const body = (await response.json().catch(() => null)) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } | null;
      if (!body) throw new ServiceError(`the service at ${target} answered ${response.status} without a GraphQL body`);
      if (body.errors?.length) {
        const error = new Error(body.errors.map((e) => `${e.message}${e.extensions?.code ? ` (${e.extensions.code})` : ""}`).join("\n"));
        throw Object.assign(error, { graphqlErrors: body.errors });
      }
      return body.data as never;
    },
  };
}
