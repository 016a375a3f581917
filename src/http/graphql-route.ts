import type http from "node:http";
import { HeaderMap, type ApolloServer } from "@apollo/server";
import type { LocalCli } from "../access/authenticate.ts";
import type { Principal, Role } from "../access/principal.ts";
import { createContext, type Context, type ContextDeps } from "../graphql/context.ts";
import { timeout, type requestDeadline } from "../graphql/plugins/request-deadline.ts";
import type { RequestLimits } from "../request-limits.ts";
import { jsonError, refuse } from "./json-reply.ts";
import { readBody } from "./read-body.ts";

/* POST or GET /graphql for an authorized caller: its body within its role's limits, Apollo, the deadline. */

export interface GraphqlRouteDeps {
  apollo: ApolloServer<Context>;
  contextDeps: ContextDeps;
  deadlines: ReturnType<typeof requestDeadline>;
  limits: RequestLimits;
  /** This machine's `tenancy` command (an admin through the embedded database's lock secret). */
  localCli?: LocalCli;
}

export async function graphqlRoute(deps: GraphqlRouteDeps, url: URL, request: http.IncomingMessage, response: http.ServerResponse, caller: Principal) {
  const { limits } = deps;
  const body = request.method === "POST" ? await readGraphqlBody(limits, request, response, bodyRole(deps, caller)) : undefined;
  if (body === ANSWERED) return;
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  let context: Context | undefined;
  const work = deps.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: request.method ?? "GET", headers, search: url.search, body },
    context: async () => (context = createContext(deps.contextDeps, caller)),
  });
  const result = await withinDeadline(work, () => context && deps.deadlines.deadlineOf(context), limits.deadlineMs[caller.role]);
  if (result === "late") return jsonError(response, 503, "TIMEOUT", timeout(limits.deadlineMs[caller.role]).message);
  for (const [name, value] of result.headers) response.setHeader(name, value);
  response.statusCode = result.status ?? 200;
  if (result.body.kind === "complete") return void response.end(result.body.string);
  for await (const chunk of result.body.asyncIterator) response.write(chunk);
  response.end();
}

/**
 * Whose body limits a caller's request gets: its role's, except this machine's `tenancy`
 * command, which pushes `tenancy sync --file` snapshots through the service that holds the
 * embedded database (it cannot open it itself) and so gets a sync token's body size and time.
 */
function bodyRole(deps: GraphqlRouteDeps, caller: Principal): Role {
  return deps.localCli !== undefined && caller === deps.localCli.principal ? "sync" : caller.role;
}

/** Marks a request already answered (refused, or its body not JSON). */
const ANSWERED = Symbol("answered");

/** The parsed JSON body (undefined when empty), or ANSWERED after refusing it. */
async function readGraphqlBody(limits: RequestLimits, request: http.IncomingMessage, response: http.ServerResponse, role: Role): Promise<unknown> {
  const setting = `TENANCY_MAX_BODY_BYTES_${role.toUpperCase()}`;
  const read = await readBody(request, response, limits.bodyBytes[role], limits.bodyTimeoutMs[role]);
  if (read.kind === "too large") {
    refuse(response, 413, "PAYLOAD_TOO_LARGE", `request body larger than a ${role} token's limit of ${limits.bodyBytes[role]} bytes (${setting})`);
    return ANSWERED;
  }
  if (read.kind === "too slow") {
    refuse(response, 408, "REQUEST_TIMEOUT", `request body not received within ${limits.bodyTimeoutMs[role] / 1000} s (TENANCY_BODY_TIMEOUT_MS_${role.toUpperCase()})`);
    return ANSWERED;
  }
  const raw = read.body;
  try {
    return raw.length === 0 ? undefined : JSON.parse(raw.toString("utf8"));
  } catch (error) {
    jsonError(response, 400, "BAD_REQUEST", `request body is not valid JSON: ${(error as Error).message}`);
    return ANSWERED;
  }
}

/** After the deadline, fields stop with TIMEOUT; this long after it, the answer goes out whatever is still running. */
const DEADLINE_GRACE_MS = 500;

/**
 * The request's result, or "late" once it outlasts its deadline (one slow step, such as a
 * statement, that no field check can interrupt). A mutation is waited for: it reports what it
 * did, rather than leave the caller guessing whether it was applied.
 */
async function withinDeadline<T>(work: Promise<T>, deadline: () => { kind: string | null } | undefined, ms: number): Promise<T | "late"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(resolve, ms + DEADLINE_GRACE_MS, "late")));
  try {
    const first = await Promise.race([work, late]);
    if (first !== "late" || deadline()?.kind === "mutation") return first === "late" ? await work : first;
    work.catch(() => undefined);
    return "late";
  } finally {
    clearTimeout(timer);
  }
}
