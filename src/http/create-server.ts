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
import { resolvers } from "../graphql/resolvers/index.ts";
import { typeDefs } from "../graphql/type-defs.ts";
import { IsolationIndex } from "../isolation/isolation-index.ts";
import { authenticate, type LocalCli } from "../access/authenticate.ts";
import { TokenCache } from "../access/token-cache.ts";
import { guardResolvers, ROUTE_ROLES, unruledRootFields } from "../access/access-rules.ts";
import type { Principal } from "../access/principal.ts";
import { chatopsRoutes } from "./chatops-routes.ts";
import { Metrics } from "./metrics.ts";

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
  const metrics = new Metrics();
  const isolationIndex = new IsolationIndex(db.sql);
  const stopWatching = await isolationIndex.watch(db, (error) => logger.warn({ err: error }, "background reload of the isolation index failed"));
  const tokens = new TokenCache(db.sql);
  const stopWatchingTokens = await tokens.watch(db);
  db.onStatement(() => metrics.countStatement());
  // Keep idle connections longer than the usual load balancer's 60 s, so the balancer (or a
  // client) never reuses a socket we are closing at that moment.
  const httpServer = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 });
  const apollo = new ApolloServer<Context>({
    typeDefs,
    resolvers: guardResolvers(resolvers) as never,
    // Our own SIGTERM/SIGINT handling drains and exits 0; Apollo's would re-raise the signal.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: maskUnexpectedErrors(logger),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      {
        async requestDidStart() {
          return {
            async willSendResponse({ response }) {
              if (response.body.kind === "single") metrics.countGraphqlErrors(response.body.singleResult.errors?.length ?? 0);
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  httpServer.on("request", (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const route = ["/graphql", "/healthz", "/readyz", "/metrics", "/chatops", "/chatops/slack"].includes(url.pathname) ? url.pathname : "other";
    response.on("finish", () => metrics.countRequest(route, response.statusCode));
    handle(route, url, request, response).catch((error) => {
      logger.error({ err: error, route }, "request failed");
      if (!response.headersSent) send(response, 500, "application/json", JSON.stringify({ errors: [{ message: "internal error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] }));
      else response.end();
    });
  });

  async function handle(route: string, url: URL, request: http.IncomingMessage, response: http.ServerResponse) {
    switch (route) {
      case "/healthz":
        return send(response, 200, "application/json", JSON.stringify({ status: "ok" }));
      case "/readyz":
        return send(response, ...(await readiness()));
      case "/metrics": {
        const caller = await authorized(request, response, "/metrics");
        if (!caller) return;
        return send(response, 200, "text/plain; version=0.0.4", metrics.render());
      }
      case "/graphql": {
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
        const raw = await readBody(request, CHATOPS_MAX_BODY);
        const reply = (status: number, body: unknown) => send(response, status, "application/json", JSON.stringify(body));
        if (raw === null) return reply(413, { error: `a chat command is at most ${CHATOPS_MAX_BODY} bytes` });
        return caller ? chatops.json(caller, raw, reply) : chatops.slack(request, raw, reply);
      }
      default:
        return send(response, 404, "application/json", JSON.stringify({ error: `no route ${url.pathname}; GraphQL is at /graphql` }));
    }
  }

  /** The caller, or null after answering 401 (no such token) or 403 (a role without this route). */
  async function authorized(request: http.IncomingMessage, response: http.ServerResponse, route?: keyof typeof ROUTE_ROLES): Promise<Principal | null> {
    const local = localCli && isLoopback(request.socket.remoteAddress) ? localCli : undefined;
    const caller = await authenticate(request.headers.authorization, config.adminToken, tokens, local);
    if (!caller) {
      response.setHeader("WWW-Authenticate", 'Bearer realm="tenancy-scale"');
      send(response, 401, "application/json", JSON.stringify({ errors: [{ message: "a valid bearer token is required (Authorization: Bearer <token>)", extensions: { code: "UNAUTHENTICATED" } }] }));
      return null;
    }
    if (route && !ROUTE_ROLES[route].includes(caller.role)) {
      send(response, 403, "application/json", JSON.stringify({ errors: [{ message: `a ${caller.role} token may not read ${route}`, extensions: { code: "FORBIDDEN" } }] }));
      return null;
    }
    return caller;
  }

  const contextDeps: ContextDeps = {
    db,
    logger,
    index: isolationIndex,
    // A token created or revoked here counts from this replica's very next request.
    forgetTokens: () => tokens.clear(),
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

  const chatops = chatopsRoutes({
    sql: db.sql,
    logger,
    slackSigningSecret: config.slackSigningSecret,
    access: config.chatopsAccess,
    runOperation: contextDeps.runOperation,
  });

  async function graphql(url: URL, request: http.IncomingMessage, response: http.ServerResponse, caller: Principal) {
    let body: unknown;
    if (request.method === "POST") {
      const raw = await readBody(request, config.maxBodyBytes);
      if (raw === null) {
        return send(response, 413, "application/json", JSON.stringify({ errors: [{ message: `request body larger than ${config.maxBodyBytes} bytes (TENANCY_MAX_BODY_BYTES)`, extensions: { code: "BAD_REQUEST" } }] }));
      }
      try {
        body = raw.length === 0 ? undefined : JSON.parse(raw.toString("utf8"));
      } catch (error) {
        return send(response, 400, "application/json", JSON.stringify({ errors: [{ message: `request body is not valid JSON: ${(error as Error).message}`, extensions: { code: "BAD_REQUEST" } }] }));
      }
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method ?? "GET", headers, search: url.search, body },
      context: async () => createContext(contextDeps, caller),
    });
    for (const [name, value] of result.headers) response.setHeader(name, value);
    response.statusCode = result.status ?? 200;
    if (result.body.kind === "complete") return void response.end(result.body.string);
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  }

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    await stopWatching();
    await stopWatchingTokens();
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
      await stopWatching();
      await stopWatchingTokens();
    },
  };
}

const CHATOPS_MAX_BODY = 64 * 1024;

const isLoopback = (address: string | undefined) => address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";

function send(response: http.ServerResponse, status: number, contentType: string, body: string) {
  response.statusCode = status;
  response.setHeader("content-type", contentType);
  response.end(body);
}

/** Reads the body, or returns null once it passes `limit` bytes. */
function readBody(request: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else if (!tooLarge) chunks.push(chunk);
    });
    request.on("end", () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}
