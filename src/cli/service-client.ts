import path from "node:path";
import { DEFAULT_DATA_DIR, readLockHolder, type LockHolder } from "../db/data-dir-lock.ts";
import type { TypedDocumentString } from "../graphql/generated/operations.ts";
import { postJson, type JsonAnswer } from "./post-json.ts";

/*
 * The CLI's GraphQL client for commands that talk to a running service (`tenancy query …`,
 * `tenancy isolated …`): `--url`, else TENANCY_URL, else the service that holds the embedded
 * database (its lock names its URL and a secret for this machine's CLI), else
 * http://127.0.0.1:PORT/graphql. TENANCY_TOKEN is the bearer token when set.
 */
export class ServiceError extends Error {}

export interface ServiceClient {
  url: string;
  /** One of the CLI's documents (src/cli/service-operations.graphql), answered as its generated result type. */
  request<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables?: TVariables): Promise<TResult>;
}

export function serviceClient(env: NodeJS.ProcessEnv, url?: string): ServiceClient {
  const token = env.TENANCY_TOKEN?.trim();
  const target = url ?? env.TENANCY_URL;
  if (target) return client(target, token, "TENANCY_URL");
  const holder = env.DATABASE_URL?.trim() ? null : readLockHolder(path.resolve(env.TENANCY_DATA_DIR?.trim() || DEFAULT_DATA_DIR));
  if (holder?.url && holder.secret) return client(holder.url, token ?? holder.secret, "the embedded database's service");
  return client(`http://127.0.0.1:${env.PORT ?? 4000}/graphql`, token, "TENANCY_URL");
}

/** The service that holds the embedded database, through its local CLI secret. */
export function lockHolderClient(holder: LockHolder): ServiceClient | null {
  return holder.url && holder.secret ? client(holder.url, holder.secret, `the service of pid ${holder.pid}`) : null;
}

function client(target: string, token: string | undefined, whence: string): ServiceClient {
  return {
    url: target,
    async request<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables?: TVariables): Promise<TResult> {
      let answer: JsonAnswer;
      try {
        answer = await postJson(target, token ? { authorization: `Bearer ${token}` } : {}, { query: document.toString(), variables });
      } catch (error) {
        throw new ServiceError(`cannot reach the service at ${target} (${whence}): ${(error as Error).message}`);
      }
      if (answer.status === 401) throw new ServiceError(`the service at ${target} refused the token: set TENANCY_TOKEN to a valid token`);
      // A GraphQL answer is an object with data or errors; anything else is not one.
      const body = answer.body as { data?: TResult; errors?: { message: string; extensions?: { code?: string } }[] } | null;
      if (!body || typeof body !== "object") throw new ServiceError(`the service at ${target} answered ${answer.status} without a GraphQL body`);
      if (body.errors?.length) {
        const error = new Error(body.errors.map((e) => `${e.message}${e.extensions?.code ? ` (${e.extensions.code})` : ""}`).join("\n"));
        throw Object.assign(error, { graphqlErrors: body.errors });
      }
      // A GraphQL answer without errors carries the document's data, shaped as the schema (and so the generated type) says.
      return body.data as TResult;
    },
  };
}
