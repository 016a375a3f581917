import type http from "node:http";
import { makeExecutableSchema } from "@graphql-tools/schema";
import { getOperationAST, GraphQLError, OperationTypeNode, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from "graphql";
import { CloseCode, type Context as WsContext, type SubscribePayload } from "graphql-ws";
import { useServer, type Extra } from "graphql-ws/use/ws";
import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import { guardResolvers } from "../access/access-rules.ts";
import type { Principal } from "../access/principal.ts";
import type { Context } from "../graphql/context.ts";
import { resolvers } from "../graphql/resolvers/index.ts";
import { typeDefs } from "../graphql/type-defs.ts";
import { queryCost } from "../graphql/query-cost.ts";
import type { RequestLimits } from "../request-limits.ts";
import type { RateLimits } from "./rate-limits.ts";
import { requestsInProgress } from "../isolation/requests-in-progress.ts";

/*
 * GraphQL subscriptions over WebSocket at /graphql (the graphql-ws protocol), beside Apollo's
 * HTTP: the same schema, resolvers and access rules, for the principal its bearer token names
 * (the `authorization` connection parameter, else the upgrade request's Authorization header).
 * Only subscriptions: queries and mutations go over HTTP, where every request is authenticated.
 * The token is checked again at each subscribe, each event and each token change anywhere; a
 * connection whose token no longer holds (revoked) is closed with 4403, as is one without a
 * valid token before any operation. A browser page of another origin cannot open one. Each
 * hook's work (connect, subscribe, an event's token check) counts as a request in progress
 * (src/isolation/requests-in-progress.ts): background slices wait for it.
 */
export interface SubscriptionDeps {
  httpServer: http.Server;
  authenticate(authorization: string | undefined, request: http.IncomingMessage): Promise<Principal | null>;
  context(principal: Principal): Context;
  logger: Logger;
  /** The same bounds as over HTTP: tokens, depth, aliases, directives, the role's cost budget and rate, and the subscription caps. */
  limits: RequestLimits;
  rates: RateLimits;
  validationRules: ValidationRule[];
  /** Calls back after each token change (created, revoked), here or on another replica. */
  onTokenChange(listener: () => void): () => void;
  /** The service's public URL (TENANCY_PUBLIC_URL), whose origin may open connections besides the Host's own. */
  publicUrl: string | undefined;
}

export interface Subscriptions {
  /** Live subscriptions on all open connections (the /metrics gauge). */
  open(): number;
  stop(): Promise<void>;
}

/** An open connection: its token, and the subscriptions admitted on it (graphql-ws's own list also holds those still being checked). */
type Connection = { authorization: string | undefined; principal: Principal; ctx: WsContext<Record<string, unknown> | undefined, Extra & Partial<Record<PropertyKey, unknown>>>; admitted: Set<string> };

/** The connection's admitted subscriptions that are still running (graphql-ws drops each from its list when it ends, however it ends). */
function live(connection: Connection): number {
  for (const id of connection.admitted) if (!(id in connection.ctx.subscriptions)) connection.admitted.delete(id);
  return connection.admitted.size;
}

export function startSubscriptions(deps: SubscriptionDeps): Subscriptions {
  const schema = makeExecutableSchema({ typeDefs, resolvers: guardResolvers(resolvers) });
  const sockets = new WebSocketServer({
    server: deps.httpServer,
    path: "/graphql",
    verifyClient: (info, done) => done(...originCheck(info.origin, info.req.headers.host, deps.publicUrl)),
    // Checked from each frame's header (1009 past it): the token comes only in the first message.
    maxPayload: deps.limits.maxWebSocketMessageBytes,
  });
  const connections = new Map<Extra["socket"], Connection>();
  /** The connection's principal now, or null after closing it (4403): its token was revoked. */
  const stillValid = async (connection: Connection) => {
    const principal = await deps.authenticate(connection.authorization, connection.ctx.extra.request);
    if (principal?.actor === connection.principal.actor) return principal;
    connection.ctx.extra.socket.close(CloseCode.Forbidden, "Forbidden: the token is no longer valid");
    return null;
  };
  const stopWatchingTokens = deps.onTokenChange(() => {
    for (const connection of connections.values()) void stillValid(connection).catch((error: unknown) => deps.logger.warn({ err: error }, "re-checking a subscriber's token failed"));
  });
  const server = useServer<Record<string, unknown> | undefined, Record<PropertyKey, unknown>>(
    {
      schema,
      onConnect: (ctx) =>
        requestsInProgress.during(async () => {
          const given = ctx.connectionParams?.authorization;
          const authorization = typeof given === "string" ? given : ctx.extra.request.headers.authorization;
          const principal = await deps.authenticate(authorization, ctx.extra.request);
          if (!principal) return false;
          connections.set(ctx.extra.socket, { authorization, principal, ctx, admitted: new Set() });
          return true;
        }),
      onSubscribe: (ctx, id, payload) =>
        requestsInProgress.during(async () => {
          const connection = connections.get(ctx.extra.socket);
          const principal = connection && (await stillValid(connection));
          if (!principal) return [new GraphQLError("the token is no longer valid", { extensions: { code: "UNAUTHENTICATED" } })];
          const refusal = (await overRate(deps, principal)) ?? admit(deps.limits, connection, id, connections);
          if (refusal) return [refusal];
          const document = checkOperation(deps, schema, principal, payload);
          if (!("kind" in document)) return document;
          return { schema, document, variableValues: payload.variables, operationName: payload.operationName, contextValue: deps.context(principal) };
        }),
      // Each event goes out only while the token holds (a missed revocation NOTIFY is caught here, within the token cache's 10 s).
      onNext: (ctx) =>
        requestsInProgress.during(async () => {
          const connection = connections.get(ctx.extra.socket);
          if (connection) await stillValid(connection);
        }),
      onClose: (ctx) => void connections.delete(ctx.extra.socket),
      onError: (_, id, __, errors) => void deps.logger.warn({ errors: errors.map((e) => e.message), id }, "subscription failed"),
    },
    sockets,
  );
  return {
    open: () => [...connections.values()].reduce((sum, c) => sum + live(c), 0),
    async stop() {
      stopWatchingTokens();
      await server.dispose();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
  };
}

/** Each subscribe counts as one request of its token against the role's rate. */
async function overRate(deps: SubscriptionDeps, principal: Principal): Promise<GraphQLError | null> {
  const wait = await deps.rates.request(principal);
  if (wait === null) return null;
  const rate = deps.limits.requestsPerSecond[principal.role];
  return new GraphQLError(`a ${principal.role} token may send ${rate} requests per second (TENANCY_RATE_LIMIT_${principal.role.toUpperCase()}); try again in ${wait} s`, { extensions: { code: "RATE_LIMITED", retryAfter: wait } });
}

/** The caps: admits subscription `id` as one more of its connection's and its token's, or says which cap it would pass. Synchronous, so two subscribes at once cannot both take the last place. */
function admit(limits: RequestLimits, connection: Connection, id: string, connections: Map<unknown, Connection>): GraphQLError | null {
  if (live(connection) >= limits.maxSubscriptionsPerConnection) {
    return new GraphQLError(`a connection may hold ${limits.maxSubscriptionsPerConnection} subscriptions at once (TENANCY_MAX_SUBSCRIPTIONS_PER_CONNECTION); complete one first`, { extensions: { code: "TOO_MANY_SUBSCRIPTIONS" } });
  }
  let ofToken = 0;
  for (const c of connections.values()) if (c.principal.actor === connection.principal.actor) ofToken += live(c);
  if (ofToken >= limits.maxSubscriptionsPerToken) {
    return new GraphQLError(`a token may hold ${limits.maxSubscriptionsPerToken} subscriptions at once on this replica (TENANCY_MAX_SUBSCRIPTIONS_PER_TOKEN); complete one first`, { extensions: { code: "TOO_MANY_SUBSCRIPTIONS" } });
  }
  connection.admitted.add(id);
  return null;
}

/** Parsed, validated and priced like an HTTP request before it runs; a subscription only. */
function checkOperation(deps: SubscriptionDeps, schema: GraphQLSchema, principal: Principal, payload: SubscribePayload): DocumentNode | readonly GraphQLError[] {
  let document;
  try {
    document = parse(payload.query, { maxTokens: deps.limits.maxTokens });
  } catch (error) {
    return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
  }
  const errors = validate(schema, document, [...specifiedRules, ...deps.validationRules]);
  if (errors.length > 0) return errors;
  const operation = getOperationAST(document, payload.operationName ?? undefined)?.operation;
  if (operation !== OperationTypeNode.SUBSCRIPTION) {
    return [new GraphQLError(`only subscriptions are served over WebSocket, not a ${operation ?? "document without one operation"}; send queries and mutations over HTTP (POST /graphql)`, { extensions: { code: "BAD_REQUEST" } })];
  }
  const budget = deps.limits.costBudget[principal.role];
  let cost: number;
  try {
    cost = queryCost(schema, document, payload.variables ?? undefined, payload.operationName ?? undefined);
  } catch (error) {
    return [new GraphQLError((error as Error).message, { extensions: { code: "BAD_USER_INPUT" } })];
  }
  if (cost > budget) {
    return [new GraphQLError(`subscription refused before it ran: it would cost ${cost}, more than a ${principal.role} token's budget of ${budget}`, { extensions: { code: "QUERY_TOO_COMPLEX" } })];
  }
  return document;
}

/**
 * Cross-site WebSocket hijacking: a browser sends the page's Origin with every upgrade, and
 * lets any page open a WebSocket anywhere. One from another origin than the service's own (its
 * Host, or TENANCY_PUBLIC_URL) is refused (403); clients that are not browsers send none.
 */
function originCheck(origin: string | undefined, host: string | undefined, publicUrl: string | undefined): [boolean, number?, string?] {
  if (!origin) return [true];
  let from: URL;
  try {
    from = new URL(origin);
  } catch {
    return [false, 403, "malformed Origin"];
  }
  const own = from.host === host || (publicUrl !== undefined && from.origin === new URL(publicUrl).origin);
  return own ? [true] : [false, 403, `Origin ${from.origin} is not this service's`];
}
