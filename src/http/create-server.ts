import http from "node:http";
import { ApolloServer, HeaderMap } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { Database } from "../db/open-database.ts";
import { migrationStatus } from "../db/migrator.ts";
import { createContext, type Context, type ContextDeps } from "../graphql/context.ts";
import { maskUnexpectedErrors } from "../graphql/plugins/use-error-masking.ts";
import { queryLimits } from "../graphql/plugins/query-limits.ts";
import { refuseNul } from "../graphql/plugins/refuse-nul.ts";
import { requestDeadline, timeout } from "../graphql/plugins/request-deadline.ts";
import { resolvers } from "../graphql/resolvers/index.ts";
import { typeDefs } from "../graphql/type-defs.ts";
import { IsolationIndex } from "../isolation/isolation-index.ts";
import { FindingsUpdater } from "../findings/findings-updater.ts";
import { WebhookDeliverer } from "../notifications/webhook-deliverer.ts";
import { FindingFeed } from "../findings/finding-feed.ts";
import { startSubscriptions } from "./subscriptions.ts";
import { authenticate, refusalReason, type LocalCli } from "../access/authenticate.ts";
import { DenialLog } from "../access/denial-log.ts";
import { TokenCache } from "../access/token-cache.ts";
import { guardResolvers, ROUTE_ROLES, unruledRootFields } from "../access/access-rules.ts";
import type { Principal } from "../access/principal.ts";
import { chatopsRoutes } from "./chatops-routes.ts";
import { Metrics } from "./metrics.ts";
import { useMetrics } from "../graphql/plugins/use-metrics.ts";
import { currentRequestId, requestIdOf, withRequestId } from "../observability/request-context.ts";
import { RateLimits } from "./rate-limits.ts";
import { readBody } from "./read-body.ts";
import { schedulerRoutes } from "./scheduler-routes.ts";
import { webRoutes } from "./web-routes.ts";

/**
 * The HTTP server: GraphQL at /graphql (GraphQL-over-HTTP, through Apollo Server), /healthz,
 * /readyz and /metrics beside it.
 */
export interface Service {
  url: string;
  httpServer: http.Server;
  /** The in-memory isolation index this server answers from. */
  isolationIndex: IsolationIndex;
  /** Stops accepting requests, lets in-flight ones finish, then returns. The database stays open. */
  stop(): Promise<void>;
}

/** `localCli`: the secret CLI commands on this machine present (from loopback only). */
export async function startHttpServer(db: Database, config: Config, logger: Logger, localCli?: LocalCli): Promise<Service> {
  // Default deny: a root field added to the schema without an access rule stops the server here.
  const unruled = unruledRootFields(typeDefs);
  if (unruled.length > 0) throw new Error(`no access rule for ${unruled.join(", ")} (src/access/access-rules.ts)`);
  // Off (TENANCY_METRICS=off): no per-request series, no /metrics; the bench compares the two.
  const metrics = config.metrics ? new Metrics(db.sql) : null;
  const isolationIndex = new IsolationIndex(db.sql);
  const stopWatching = await isolationIndex.watch(db, (error) => logger.warn({ err: error }, "background reload of the isolation index failed"));
  const tokens = new TokenCache(db.sql);
  const stopWatchingTokens = await tokens.watch(db);
  // Findings follow every change, this replica's or another's (src/findings).
  const findings = new FindingsUpdater(db, isolationIndex, logger);
  const stopFindings = await findings.start();
  // Finding changes posted to the webhooks, from whichever replica claims them first.
  const stopDeliveries = await new WebhookDeliverer(db, logger).start();
  const findingFeed = new FindingFeed(db);
  const stopFeed = await findingFeed.start();
  const denials = new DenialLog(db.sql, logger);
  if (metrics) db.onStatement(() => metrics.countStatement());
  const { limits } = config;
  const rates = new RateLimits(limits);
  const shape = queryLimits(limits);
  const deadlines = requestDeadline(limits);
  // Keep idle connections longer than the usual load balancer's 60 s, so the balancer (or a
  // client) never reuses a socket we are closing at that moment. Headers must arrive within
  // headersTimeoutMs and a body within its role's time (read-body.ts); node checks every second.
  const slowestBody = Math.max(...Object.values(limits.bodyTimeoutMs));
  const httpServer = http.createServer({
    keepAliveTimeout: 65_000,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.headersTimeoutMs + slowestBody + 1_000,
    connectionsCheckingInterval: 1_000,
  });
  httpServer.maxConnections = limits.maxConnections;
  const masked = maskUnexpectedErrors(logger);
  const apollo = new ApolloServer<Context>({
    typeDefs,
    resolvers: guardResolvers(resolvers) as never,
    // Our own SIGTERM/SIGINT handling drains and exits 0; Apollo's would re-raise the signal.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => masked(shape.explainRefusal(formatted), error),
    introspection: config.introspection,
    // "Did you mean …" would describe the schema that introspection hides.
    hideSchemaDetailsFromClientErrors: !config.introspection,
    parseOptions: shape.parseOptions,
    validationRules: shape.validationRules,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      ...(metrics ? [useMetrics(metrics.registry)] : []),
      refuseNul,
      shape.plugin,
      deadlines.plugin,
    ],
  });
  await apollo.start();

  httpServer.on("request", (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const route = ["/graphql", "/healthz", "/readyz", "/metrics", "/chatops", "/chatops/slack"].includes(url.pathname)
      ? url.pathname
      : url.pathname.startsWith("/scheduler/") ? "/scheduler" : web.handles(url.pathname) ? "web" : "other";
    const started = performance.now();
    if (metrics) response.on("finish", () => metrics.observeRequest(route, response.statusCode, (performance.now() - started) / 1000));
    const requestId = requestIdOf(request.headers);
    response.setHeader("x-request-id", requestId);
    withRequestId(requestId, () =>
      handle(route, url, request, response).catch((error) => {
        logger.error({ err: error, route }, "request failed");
        if (!response.headersSent) send(response, 500, "application/json", JSON.stringify({ errors: [{ message: "internal error", extensions: { code: "INTERNAL_SERVER_ERROR", requestId } }] }));
        else response.end();
      }),
    );
  });

  async function handle(route: string, url: URL, request: http.IncomingMessage, response: http.ServerResponse) {
    switch (route) {
      case "/healthz":
        return send(response, 200, "application/json", JSON.stringify({ status: "ok" }));
      case "/readyz":
        return send(response, ...(await readiness()));
      case "/metrics": {
        if (!metrics) return send(response, 404, "application/json", JSON.stringify({ error: "metrics are off (TENANCY_METRICS=off)" }));
        const caller = await authorized(request, response, "/metrics");
        if (!caller) return;
        return send(response, 200, metrics.contentType, await metrics.render());
      }
      case "/graphql": {
        if (web.wantsGraphiQL(request, url)) {
          if (config.graphiql) return web.serveGraphiQL(request, response);
          return send(response, 404, "text/plain; charset=utf-8", "GraphiQL is off here (TENANCY_GRAPHIQL=on turns it on); the API answers POST /graphql");
        }
        const caller = await authorized(request, response);
        if (!caller) return;
        return graphql(url, request, response, caller);
      }
      case "/chatops/slack":
      case "/chatops": {
        if (request.method !== "POST") return send(response, 405, "application/json", JSON.stringify({ error: `${route} takes POST` }));
        // Slack signs the request itself; /chatops takes a bearer token like /graphql.
        const caller = route === "/chatops" ? await authorized(request, response, "/chatops") : null;
        if (route === "/chatops" && !caller) return;
        const read = await readBody(request, CHATOPS_MAX_BODY, Math.min(...Object.values(limits.bodyTimeoutMs)));
        const reply = (status: number, body: unknown) => send(response, status, "application/json", JSON.stringify(body));
        if (read.kind === "too large") return refuse(response, 413, "PAYLOAD_TOO_LARGE", `a chat command is at most ${CHATOPS_MAX_BODY} bytes`);
        if (read.kind === "too slow") return refuse(response, 408, "REQUEST_TIMEOUT", "the chat command's body did not arrive in time");
        return caller ? chatops.json(caller, read.body, reply) : chatops.slack(request, read.body, reply);
      }
      case "/scheduler": {
        scheduler.takeTokenFromPath(request, url);
        const caller = await authorized(request, response, "/scheduler");
        if (!caller) return;
        return scheduler.handle(caller, url, request, (status, body) => send(response, status, "application/json", JSON.stringify(body)));
      }
      case "web":
        return web.serve(url.pathname, request, response);
      default:
        return send(response, 404, "application/json", JSON.stringify({ error: `no route ${url.pathname}; GraphQL is at /graphql` }));
    }
  }

  /**
   * The caller, or null after answering 401 (no such token), 403 (a role without this route) or
   * 429 (over its rate, or an address that keeps failing to authenticate).
   */
  async function authorized(request: http.IncomingMessage, response: http.ServerResponse, route?: keyof typeof ROUTE_ROLES): Promise<Principal | null> {
    const address = request.socket.remoteAddress ?? "unknown";
    const blocked = await rates.blockedAddress(address);
    if (blocked !== null) {
      refuse(response, 429, "RATE_LIMITED", `too many requests without a valid token from ${address}; try again in ${blocked} s`, { "retry-after": String(blocked) });
      return null;
    }
    const local = localCli && isLoopback(request.socket.remoteAddress) ? localCli : undefined;
    const caller = await authenticate(request.headers.authorization, config.adminToken, tokens, local);
    if (!caller) {
      const reason = refusalReason(request.headers.authorization);
      const where = route ?? "/graphql";
      await denials.note({ actor: "unauthenticated", role: null, action: "authenticate", subject: `${where} ${reason}`, target: where, detail: { reason, address } });
      await rates.failedAuthentication(address);
      refuse(response, 401, "UNAUTHENTICATED", "a valid bearer token is required (Authorization: Bearer <token>)", { "www-authenticate": 'Bearer realm="tenancy-scale"' });
      return null;
    }
    if (route && !ROUTE_ROLES[route].includes(caller.role)) {
      await denials.note({ actor: caller.actor, role: caller.role, action: "read", subject: route, target: route, detail: { reason: `a ${caller.role} token may not read ${route}` } });
      refuse(response, 403, "FORBIDDEN", `a ${caller.role} token may not read ${route}`);
      return null;
    }
    const wait = await rates.request(caller);
    if (wait !== null) {
      const rate = limits.requestsPerSecond[caller.role];
      refuse(response, 429, "RATE_LIMITED", `a ${caller.role} token may send ${rate} requests per second (TENANCY_RATE_LIMIT_${caller.role.toUpperCase()}); try again in ${wait} s`, { "retry-after": String(wait) });
      return null;
    }
    return caller;
  }

  const contextDeps: ContextDeps = {
    db,
    logger,
    index: isolationIndex,
    afterChange: () => void findings.schedule(),
    findingFeed,
    // A token created or revoked here counts from this replica's very next request.
    forgetTokens: () => tokens.clear(),
    denials,
    async runOperation(request, as) {
      const result = await apollo.executeOperation(request, { contextValue: createContext(contextDeps, as.principal, as.trustedDocument, as.isolation) });
      if (result.body.kind !== "single") throw new Error("incremental delivery is not used by in-process operations");
      return result.body.singleResult as Awaited<ReturnType<ContextDeps["runOperation"]>>;
    },
  };

  async function readiness(): Promise<[number, string, string]> {
    try {
      const status = await migrationStatus(db.sql);
      const ready = status.pending.length === 0;
      return [ready ? 200 : 503, "application/json", JSON.stringify({ status: ready ? "ready" : "migrations pending", pending: status.pending })];
    } catch (error) {
      logger.warn({ err: error }, "readiness check failed");
      return [503, "application/json", JSON.stringify({ status: "database unreachable" })];
    }
  }

  const web = webRoutes();
  const chatops = chatopsRoutes({
    sql: db.sql,
    logger,
    slackSigningSecret: config.slackSigningSecret,
    access: config.chatopsAccess,
    runOperation: contextDeps.runOperation,
    denials,
    publicUrl: config.publicUrl,
  });

  const scheduler = schedulerRoutes({ index: isolationIndex, sources: config.sources, limits, logger });

  async function graphql(url: URL, request: http.IncomingMessage, response: http.ServerResponse, caller: Principal) {
    let body: unknown;
    if (request.method === "POST") {
      const role = caller.role;
      const setting = `TENANCY_MAX_BODY_BYTES_${role.toUpperCase()}`;
      const read = await readBody(request, limits.bodyBytes[role], limits.bodyTimeoutMs[role]);
      if (read.kind === "too large") return refuse(response, 413, "PAYLOAD_TOO_LARGE", `request body larger than a ${role} token's limit of ${limits.bodyBytes[role]} bytes (${setting})`);
      if (read.kind === "too slow") {
        return refuse(response, 408, "REQUEST_TIMEOUT", `request body not received within ${limits.bodyTimeoutMs[role] / 1000} s (TENANCY_BODY_TIMEOUT_MS_${role.toUpperCase()})`);
      }
      const raw = read.body;
      try {
        body = raw.length === 0 ? undefined : JSON.parse(raw.toString("utf8"));
      } catch (error) {
        return send(response, 400, "application/json", JSON.stringify({ errors: [{ message: `request body is not valid JSON: ${(error as Error).message}`, extensions: { code: "BAD_REQUEST", requestId: currentRequestId() } }] }));
      }
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    let context: Context | undefined;
    const work = apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method ?? "GET", headers, search: url.search, body },
      context: async () => (context = createContext(contextDeps, caller)),
    });
    const result = await withinDeadline(work, () => context && deadlines.deadlineOf(context), limits.deadlineMs[caller.role]);
    if (result === "late") {
      return send(response, 503, "application/json", JSON.stringify({ errors: [{ message: timeout(limits.deadlineMs[caller.role]).message, extensions: { code: "TIMEOUT", requestId: currentRequestId() } }] }));
    }
    for (const [name, value] of result.headers) response.setHeader(name, value);
    response.statusCode = result.status ?? 200;
    if (result.body.kind === "complete") return void response.end(result.body.string);
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  }

  // Subscriptions (findingChanged) over WebSocket on the same port and path.
  const stopSubscriptions = startSubscriptions({
    httpServer,
    logger,
    authenticate: (authorization, request) => authenticate(authorization, config.adminToken, tokens, localCli && isLoopback(request.socket.remoteAddress) ? localCli : undefined),
    context: (principal) => createContext(contextDeps, principal),
    limits,
    validationRules: shape.validationRules,
  });

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    await stopWatching();
    await stopWatchingTokens();
    await stopFindings();
    await stopDeliveries();
    await stopSubscriptions();
    await stopFeed();
    await apollo.stop();
    throw error;
  }
  const address = httpServer.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const shownHost = config.host === "0.0.0.0" ? "localhost" : config.host;
  return {
    url: `http://${shownHost}:${port}/graphql`,
    httpServer,
    isolationIndex,
    async stop() {
      // Drain first (Apollo's drain plugin: no new connections, in-flight requests finish),
      // then stop listening for reloads.
      await apollo.stop();
      await denials.flush();
      await stopWatching();
      await stopWatchingTokens();
      await stopSubscriptions();
      await stopFeed();
      await stopFindings();
      await stopDeliveries();
    },
  };
}

const CHATOPS_MAX_BODY = 64 * 1024;
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

/**
 * An error answered before the body was read: the connection is closed after it, so an unread
 * (large or trickling) body is not read on for nothing.
 */
function refuse(response: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.setHeader("connection", "close");
  send(response, status, "application/json", JSON.stringify({ errors: [{ message, extensions: { code, requestId: currentRequestId() } }] }));
}

const isLoopback = (address: string | undefined) => address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";

function send(response: http.ServerResponse, status: number, contentType: string, body: string) {
  response.statusCode = status;
  response.setHeader("content-type", contentType);
  response.end(body);
}
