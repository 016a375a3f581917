import type http from "node:http";
import type { Logger } from "pino";
import type { Principal } from "../access/principal.ts";
import { migrationStatus } from "../db/migrator.ts";
import type { SqlClient } from "../db/sql-client.ts";
import type { RequestLimits } from "../request-limits.ts";
import { authorize, type AuthorizeDeps } from "./authorize.ts";
import type { chatopsRoutes } from "./chatops-routes.ts";
import { graphqlRoute, type GraphqlRouteDeps } from "./graphql-route.ts";
import { refuse, send, sendJson } from "./json-reply.ts";
import type { Metrics } from "./metrics.ts";
import { readBody } from "./read-body.ts";
import type { schedulerRoutes } from "./scheduler-routes.ts";
import type { WebRoutes } from "./web-routes.ts";

/* The routes: one small handler each, all answering through json-reply.ts. */

export interface RouteDeps extends AuthorizeDeps, GraphqlRouteDeps {
  sql: SqlClient;
  logger: Logger;
  /** Null when metrics are off (TENANCY_METRICS=off): no /metrics. */
  metrics: Metrics | null;
  limits: RequestLimits;
  chatops: ReturnType<typeof chatopsRoutes>;
  scheduler: ReturnType<typeof schedulerRoutes>;
  web: WebRoutes;
  /** GraphiQL at GET /graphql for a browser (TENANCY_GRAPHIQL). */
  graphiql: boolean;
}

type Handler = (deps: RouteDeps, url: URL, request: http.IncomingMessage, response: http.ServerResponse, route: string) => Promise<void> | void;

/** The routes by path; then /scheduler/… and the web app's pages and files; anything else is "other" (404). */
export const ROUTES: Record<string, Handler> = {
  "/graphql": graphql,
  "/healthz": (_, __, ___, response) => sendJson(response, 200, { status: "ok" }),
  "/readyz": readyz,
  "/metrics": metricsRoute,
  "/chatops": chatops,
  "/chatops/slack": chatops,
};

/** Routes named by more than one path: the scheduler's (token and verb in the path) and the web app's. */
const PATH_ROUTES: Record<"/scheduler" | "web", Handler> = {
  "/scheduler": scheduler,
  web: (deps, url, request, response) => deps.web.serve(url.pathname, request, response),
};

/** The route's name, as the metrics label it (bounded: never the path of an unknown request). */
export function routeOf(deps: Pick<RouteDeps, "web">, url: URL): string {
  if (Object.hasOwn(ROUTES, url.pathname)) return url.pathname;
  if (url.pathname.startsWith("/scheduler/")) return "/scheduler";
  return deps.web.handles(url.pathname) ? "web" : "other";
}

export async function handle(deps: RouteDeps, route: string, url: URL, request: http.IncomingMessage, response: http.ServerResponse) {
  if (route === "/scheduler" || route === "web") return PATH_ROUTES[route](deps, url, request, response, route);
  if (route === "other") return sendJson(response, 404, { error: `no route ${url.pathname}; GraphQL is at /graphql` });
  return ROUTES[route](deps, url, request, response, route);
}

async function graphql(deps: RouteDeps, url: URL, request: http.IncomingMessage, response: http.ServerResponse) {
  if (deps.web.wantsGraphiQL(request, url)) {
    if (deps.graphiql) return deps.web.serveGraphiQL(request, response);
    return send(response, 404, "text/plain; charset=utf-8", "GraphiQL is off here (TENANCY_GRAPHIQL=on turns it on); the API answers POST /graphql");
  }
  const caller = await authorize(deps, request, response);
  if (!caller) return;
  return graphqlRoute(deps, url, request, response, caller);
}

async function readyz(deps: RouteDeps, _: URL, __: http.IncomingMessage, response: http.ServerResponse) {
  try {
    const status = await migrationStatus(deps.sql);
    const ready = status.pending.length === 0;
    return sendJson(response, ready ? 200 : 503, { status: ready ? "ready" : "migrations pending", pending: status.pending });
  } catch (error) {
    deps.logger.warn({ err: error }, "readiness check failed");
    return sendJson(response, 503, { status: "database unreachable" });
  }
}

async function metricsRoute(deps: RouteDeps, _: URL, request: http.IncomingMessage, response: http.ServerResponse) {
  const { metrics } = deps;
  if (!metrics) return sendJson(response, 404, { error: "metrics are off (TENANCY_METRICS=off)" });
  const caller = await authorize(deps, request, response, "/metrics");
  if (!caller) return;
  return send(response, 200, metrics.contentType, await metrics.render());
}

/** kube-scheduler's extender and the admission webhook (scheduler-routes.ts); the token may be in the path. */
async function scheduler(deps: RouteDeps, url: URL, request: http.IncomingMessage, response: http.ServerResponse) {
  deps.scheduler.takeTokenFromPath(request, url);
  const caller = await authorize(deps, request, response, "/scheduler");
  if (!caller) return;
  return deps.scheduler.handle(caller, url, request, response, (status, body) => sendJson(response, status, body));
}

const CHATOPS_MAX_BODY = 64 * 1024;

async function chatops(deps: RouteDeps, _: URL, request: http.IncomingMessage, response: http.ServerResponse, route: string) {
  if (request.method !== "POST") return sendJson(response, 405, { error: `${route} takes POST` });
  // Slack signs the request itself; /chatops takes a bearer token like /graphql.
  let caller: Principal | null = null;
  if (route === "/chatops" && !isJson(request)) {
    // A page of another site can send text/plain without asking (no preflight), and the tokenless loopback admin would answer it.
    return refuse(response, 415, "UNSUPPORTED_MEDIA_TYPE", 'send the command as JSON with "content-type: application/json"');
  }
  if (route === "/chatops") {
    caller = await authorize(deps, request, response, "/chatops");
    if (!caller) return;
  }
  const read = await readBody(request, response, CHATOPS_MAX_BODY, Math.min(...Object.values(deps.limits.bodyTimeoutMs)));
  const reply = (status: number, body: unknown) => sendJson(response, status, body);
  if (read.kind === "too large") return refuse(response, 413, "PAYLOAD_TOO_LARGE", `a chat command is at most ${CHATOPS_MAX_BODY} bytes`);
  if (read.kind === "too slow") return refuse(response, 408, "REQUEST_TIMEOUT", "the chat command's body did not arrive in time");
  return caller ? deps.chatops.json(caller, read.body, reply) : deps.chatops.slack(request, read.body, reply);
}

/** A body declared as JSON: what no cross-site form or simple request can send. */
function isJson(request: http.IncomingMessage): boolean {
  return (request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase() === "application/json";
}
