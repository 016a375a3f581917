import http from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { Database } from "../db/open-database.ts";
import { createContext, type Context, type ContextDeps } from "../graphql/context.ts";
import { maskUnexpectedErrors } from "../graphql/plugins/use-error-masking.ts";
import { queryLimits } from "../graphql/plugins/query-limits.ts";
import { refuseNul } from "../graphql/plugins/refuse-nul.ts";
import { requestDeadline } from "../graphql/plugins/request-deadline.ts";
import { resolvers } from "../graphql/resolvers/index.ts";
import { typeDefs } from "../graphql/type-defs.ts";
import { IsolationIndex } from "../isolation/isolation-index.ts";
import { FindingsUpdater } from "../findings/findings-updater.ts";
import { allowedList } from "../notifications/webhook-address.ts";
import { WebhookDeliverer } from "../notifications/webhook-deliverer.ts";
import { FindingFeed } from "../findings/finding-feed.ts";
import { startSubscriptions } from "./subscriptions.ts";
import { authenticate, type LocalCli } from "../access/authenticate.ts";
import { DenialLog } from "../access/denial-log.ts";
import { TokenCache } from "../access/token-cache.ts";
import { guardResolvers, unruledRootFields } from "../access/access-rules.ts";
import { chatopsRoutes } from "./chatops-routes.ts";
import { Metrics } from "./metrics.ts";
import { useMetrics } from "../graphql/plugins/use-metrics.ts";
import { requestIdOf, withRequestId } from "../observability/request-context.ts";
import type { RequestLimits } from "../request-limits.ts";
import { isLoopback } from "./authorize.ts";
import { jsonError } from "./json-reply.ts";
import { RateLimits } from "./rate-limits.ts";
import { requestsInProgress } from "../isolation/requests-in-progress.ts";
import { handle, routeOf, type RouteDeps } from "./routes.ts";
import { schedulerRoutes } from "./scheduler-routes.ts";
import { webRoutes } from "./web-routes.ts";

/*
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
  refuseUnruledFields();
  // Off (TENANCY_METRICS=off): no per-request series, no /metrics; the bench compares the two.
  const metrics = config.metrics ? new Metrics(db.sql) : null;
  const isolationIndex = new IsolationIndex(db.sql);
  const stopWatching = await isolationIndex.watch(db, (error) => logger.warn({ err: error }, "background reload of the isolation index failed"));
  const tokens = new TokenCache(db.sql);
  const stopWatchingTokens = await tokens.watch(db);
  const background = await startFindings(db, isolationIndex, logger, config.webhookAllowNetworks);
  const denials = new DenialLog(db.sql, logger);
  if (metrics) db.onStatement(() => metrics.countStatement());
  const { limits } = config;
  const shape = queryLimits(limits);
  const deadlines = requestDeadline(limits);
  const httpServer = createNodeServer(limits);
  const apollo = createApollo(config, logger, httpServer, metrics, shape, deadlines);
  await apollo.start();
  const contextDeps = contextDepsOf(db, logger, apollo, {
    index: isolationIndex,
    afterChange: () => void background.findings.schedule(),
    ...background.shared,
    // A token created or revoked here counts from this replica's very next request.
    forgetTokens: () => tokens.clear(),
    denials,
  });
  const chatops = chatopsRoutes({ sql: db.sql, logger, slackSigningSecret: config.slackSigningSecret, access: config.chatopsAccess, runOperation: contextDeps.runOperation, denials, publicUrl: config.publicUrl });
  const scheduler = schedulerRoutes({ sql: db.sql, index: isolationIndex, sources: config.sources, limits, logger });
  const rates = new RateLimits(limits);
  const routeDeps: RouteDeps = { sql: db.sql, logger, metrics, limits, chatops, scheduler, web: webRoutes(), graphiql: config.graphiql, adminToken: config.adminToken, tokens, rates, denials, localCli, apollo, contextDeps, deadlines };
  httpServer.on("request", (request, response) => serveRequest(routeDeps, request, response));
  // `Expect: 100-continue`: the route asks for the body once the caller's limits allow it (read-body.ts).
  httpServer.on("checkContinue", (request, response) => serveRequest(routeDeps, request, response));
  // Subscriptions (findingChanged) over WebSocket on the same port and path.
  const subscriptions = startWebSocketSubscriptions(routeDeps, config, shape, httpServer);
  metrics?.watchSubscriptions(
    () => subscriptions.open(),
    () => background.shared.findingFeed.listeners(),
  );
  const stopAll = async () => {
    await stopWatching();
    await stopWatchingTokens();
    await subscriptions.stop();
    await background.stop();
  };
  try {
    await listen(httpServer, config);
  } catch (error) {
    await stopAll();
    await apollo.stop();
    throw error;
  }
  return {
    url: shownUrl(httpServer, config),
    httpServer,
    isolationIndex,
    async stop() {
      // Drain first (Apollo's drain plugin: no new connections, in-flight requests finish),
      // then stop listening for reloads.
      await apollo.stop();
      await denials.flush();
      await stopAll();
    },
  };
}

function startWebSocketSubscriptions(deps: RouteDeps, config: Config, shape: ReturnType<typeof queryLimits>, httpServer: http.Server) {
  const { tokens, localCli, contextDeps } = deps;
  return startSubscriptions({
    httpServer,
    logger: deps.logger,
    authenticate: (authorization, request) => authenticate(authorization, config.adminToken, tokens, localCli && isLoopback(request.socket.remoteAddress) ? localCli : undefined, request.headers.host),
    context: (principal) => createContext(contextDeps, principal),
    limits: deps.limits,
    rates: deps.rates,
    validationRules: shape.validationRules,
    onTokenChange: (listener) => tokens.onClear(listener),
    publicUrl: config.publicUrl,
  });
}

/** Default deny: a root field added to the schema without an access rule stops the server here. */
function refuseUnruledFields() {
  const unruled = unruledRootFields(typeDefs);
  if (unruled.length > 0) throw new Error(`no access rule for ${unruled.join(", ")} (src/access/access-rules.ts)`);
}

/** What every request's context is made from; in-process operations (chatops) run through Apollo here. */
function contextDepsOf(db: Database, logger: Logger, apollo: ApolloServer<Context>, rest: Omit<ContextDeps, "db" | "logger" | "runOperation">): ContextDeps {
  const contextDeps: ContextDeps = {
    db,
    logger,
    ...rest,
    async runOperation(request, as) {
      const result = await apollo.executeOperation(request, { contextValue: createContext(contextDeps, as.principal, as.trustedDocument, as.isolation) });
      if (result.body.kind !== "single") throw new Error("incremental delivery is not used by in-process operations");
      return result.body.singleResult;
    },
  };
  return contextDeps;
}

/**
 * Findings follow every change, this replica's or another's (src/findings); finding changes
 * are posted to the webhooks from whichever replica claims them first, and fed to subscriptions.
 */
async function startFindings(db: Database, isolationIndex: IsolationIndex, logger: Logger, webhookAllowNetworks: string[]) {
  const webhookAllowed = allowedList(webhookAllowNetworks);
  const findings = new FindingsUpdater(db, isolationIndex, logger);
  const stopFindings = await findings.start();
  const stopDeliveries = await new WebhookDeliverer(db, logger, webhookAllowed).start();
  const findingFeed = new FindingFeed(db);
  const stopFeed = await findingFeed.start();
  return {
    findings,
    /** What requests share with the background work: the feed, and where webhooks may post. */
    shared: { findingFeed, webhookAllowed },
    async stop() {
      await stopFeed();
      await stopFindings();
      await stopDeliveries();
    },
  };
}

/**
 * Keep idle connections longer than the usual load balancer's 60 s, so the balancer (or a
 * client) never reuses a socket we are closing at that moment. Headers must arrive within
 * headersTimeoutMs and a body within its role's time (read-body.ts); node checks every second.
 */
function createNodeServer(limits: RequestLimits): http.Server {
  const slowestBody = Math.max(...Object.values(limits.bodyTimeoutMs));
  const httpServer = http.createServer({
    keepAliveTimeout: 65_000,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.headersTimeoutMs + slowestBody + 1_000,
    connectionsCheckingInterval: 1_000,
  });
  httpServer.maxConnections = limits.maxConnections;
  return httpServer;
}

function createApollo(config: Config, logger: Logger, httpServer: http.Server, metrics: Metrics | null, shape: ReturnType<typeof queryLimits>, deadlines: ReturnType<typeof requestDeadline>): ApolloServer<Context> {
  const masked = maskUnexpectedErrors(logger);
  return new ApolloServer<Context>({
    typeDefs,
    resolvers: guardResolvers(resolvers),
    // Our own SIGTERM/SIGINT handling drains and exits 0; Apollo's would re-raise the signal.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => masked(shape.explainRefusal(formatted), error),
    introspection: config.introspection,
    // "Did you mean …" would describe the schema that introspection hides.
    hideSchemaDetailsFromClientErrors: !config.introspection,
    parseOptions: shape.parseOptions,
    validationRules: shape.validationRules,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled(), ...(metrics ? [useMetrics(metrics.registry)] : []), refuseNul, shape.plugin, deadlines.plugin],
  });
}

/** One request: counted in progress, its id, its route's timing, and a 500 (logged) when its handler throws. */
function serveRequest(deps: RouteDeps, request: http.IncomingMessage, response: http.ServerResponse) {
  // In progress until its response ends or its connection closes (not while its body arrives: read-body.ts): background slices wait meanwhile.
  const ended = requestsInProgress.started(request);
  response.once("finish", ended).once("close", ended);
  const url = new URL(request.url ?? "/", "http://localhost");
  const route = routeOf(deps, url);
  deps.metrics?.timeRequest(route, response);
  const requestId = requestIdOf(request.headers);
  response.setHeader("x-request-id", requestId);
  void withRequestId(requestId, () =>
    handle(deps, route, url, request, response).catch((error) => {
      deps.logger.error({ err: error, route }, "request failed");
      if (!response.headersSent) jsonError(response, 500, "INTERNAL_SERVER_ERROR", "internal error", requestId);
      else response.end();
    }),
  );
}

async function listen(httpServer: http.Server, config: Config) {
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
}

function shownUrl(httpServer: http.Server, config: Config): string {
  const address = httpServer.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const shownHost = config.host === "0.0.0.0" ? "localhost" : config.host;
  return `http://${shownHost}:${port}/graphql`;
}
