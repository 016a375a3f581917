import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError } from "graphql";
import type { RequestLimits } from "../../request-limits.ts";
import type { Context } from "../context.ts";
import { ErrorCode } from "../errors.ts";

/*
 * Each request's deadline (its role's, from when GraphQL work starts). Past it no further
 * field of a query is resolved: each fails with TIMEOUT, so a runaway query stops reading and
 * shaping at the next field instead of running on for everyone else's time. A mutation's fields
 * are not cut: it has done its work by then, and its caller must learn whether it was applied. The HTTP layer also answers
 * at the deadline when a single step (one slow statement) outlasts it: `deadlineOf`.
 */
export function requestDeadline(limits: RequestLimits) {
  const deadlines = new WeakMap<Context, { at: number; ms: number; kind: string | null }>();

  const plugin: ApolloServerPlugin<Context> = {
    async requestDidStart({ contextValue }) {
      const ms = limits.deadlineMs[contextValue.principal.role];
      const deadline = { at: Date.now() + ms, ms, kind: null as string | null };
      deadlines.set(contextValue, deadline);
      return {
        async didResolveOperation({ operation }) {
          deadline.kind = operation?.operation ?? null;
        },
        async executionDidStart() {
          return {
            willResolveField() {
              // A mutation is waited for (graphql-route.ts): its payload says what it did, so it is never cut.
              if (deadline.kind !== "mutation" && Date.now() > deadline.at) throw timeout(deadline.ms);
            },
          };
        },
        async willSendResponse({ response }) {
          // Every field cut off says the same: one TIMEOUT error is enough.
          if (response.body.kind !== "single" || !response.body.singleResult.errors) return;
          const errors = response.body.singleResult.errors;
          const first = errors.findIndex((e) => e.extensions?.code === ErrorCode.TIMEOUT);
          if (first >= 0) response.body.singleResult.errors = errors.filter((e, i) => i === first || e.extensions?.code !== ErrorCode.TIMEOUT);
        },
      };
    },
  };

  return {
    plugin,
    /** The request's deadline and operation kind (query, mutation), once GraphQL work has started. */
    deadlineOf: (context: Context) => deadlines.get(context),
  };
}

export function timeout(ms: number): GraphQLError {
  return new GraphQLError(`the request ran past its deadline of ${ms / 1000} s and was stopped; ask for less (smaller pages, fewer fields) or try again later`, { extensions: { code: ErrorCode.TIMEOUT, deadlineMs: ms } });
}
