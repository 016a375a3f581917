import type http from "node:http";
import { makeExecutableSchema } from "@graphql-tools/schema";
import { GraphQLError, parse, specifiedRules, validate, type ValidationRule } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import { guardResolvers } from "../access/access-rules.ts";
import type { Principal } from "../access/principal.ts";
import type { Context } from "../graphql/context.ts";
import { resolvers } from "../graphql/resolvers/index.ts";
import { typeDefs } from "../graphql/type-defs.ts";
import { queryCost } from "../graphql/query-cost.ts";
import type { RequestLimits } from "../request-limits.ts";

/*
 * GraphQL subscriptions over WebSocket at /graphql (the graphql-ws protocol), beside Apollo's
 * HTTP: the same schema, resolvers and access rules, a context per connection for the principal
 * its bearer token names (the `authorization` connection parameter, else the upgrade request's
 * Authorization header). A connection without a valid token is closed (4403) before any operation.
 */
export interface SubscriptionDeps {
  httpServer: http.Server;
  authenticate(authorization: string | undefined, request: http.IncomingMessage): Promise<Principal | null>;
  context(principal: Principal): Context;
  logger: Logger;
  /** The same bounds as over HTTP: tokens, depth, aliases, directives and the role's cost budget. */
  limits: RequestLimits;
  validationRules: ValidationRule[];
}

export function startSubscriptions(deps: SubscriptionDeps): () => Promise<void> {
  const schema = makeExecutableSchema({ typeDefs, resolvers: guardResolvers(resolvers) });
  const sockets = new WebSocketServer({ server: deps.httpServer, path: "/graphql" });
  const principals = new WeakMap<object, Principal>();
  const server = useServer<Record<string, unknown> | undefined, { principal?: Principal }>(
    {
      schema,
      async onConnect(ctx) {
        const given = ctx.connectionParams?.authorization;
        const principal = await deps.authenticate(typeof given === "string" ? given : ctx.extra.request.headers.authorization, ctx.extra.request);
        if (!principal) return false;
        principals.set(ctx.extra, principal);
        return true;
      },
      // Parsed, validated and priced like an HTTP request before it runs.
      onSubscribe(ctx, _id, payload) {
        const principal = principals.get(ctx.extra)!;
        let document;
        try {
          document = parse(payload.query, { maxTokens: deps.limits.maxTokens });
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        const errors = validate(schema, document, [...specifiedRules, ...deps.validationRules]);
        if (errors.length > 0) return errors;
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
        return { schema, document, variableValues: payload.variables, operationName: payload.operationName, contextValue: deps.context(principal) };
      },
      onError: (_, id, __, errors) => void deps.logger.warn({ errors: errors.map((e) => e.message), id }, "subscription failed"),
    },
    sockets,
  );
  return async () => {
    await server.dispose();
    await new Promise<void>((resolve) => sockets.close(() => resolve()));
  };
}
