import type { ApolloServerPlugin } from "@apollo/server";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { GraphQLError, type GraphQLFormattedError, type ValidationContext, type ValidationRule } from "graphql";
import type { RequestLimits } from "../../request-limits.ts";
import type { Context } from "../context.ts";
import { badUserInput, ErrorCode } from "../errors.ts";
import { queryCost } from "../query-cost.ts";

/*
 * Refuses an operation before any resolver runs when it is too big: more tokens than the parser
 * reads (graphql's own maxTokens), deeper, with more aliases or directives than allowed
 * (GraphQL Armor's rules), or costing more than the caller's role may spend
 * (src/graphql/query-cost.ts). Each refusal is a QUERY_TOO_COMPLEX error naming the limit,
 * what the document has, and the setting that changes it.
 */
export function queryLimits(limits: RequestLimits) {
  const refuse = (limit: string, setting: string) => (context: ValidationContext | null, error: GraphQLError) => {
    const [, max, found] = /limit of (\d+) exceeded, found (\d+)/.exec(error.message) ?? [];
    context?.reportError(tooComplex(`its ${limit} is ${found}, more than the limit of ${max} (${setting})`, { limit, max: Number(max), found: Number(found) }));
  };
  const armor = { propagateOnRejection: false, exposeLimits: true };
  const validationRules: ValidationRule[] = [
    maxDepthRule({ ...armor, n: limits.maxDepth, flattenFragments: true, onReject: [refuse("depth", "TENANCY_MAX_DEPTH")] }),
    maxAliasesRule({ ...armor, n: limits.maxAliases, onReject: [refuse("number of aliases", "TENANCY_MAX_ALIASES")] }),
    maxDirectivesRule({ ...armor, n: limits.maxDirectives, onReject: [refuse("number of directives", "TENANCY_MAX_DIRECTIVES")] }),
  ] as ValidationRule[];

  const costPlugin: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, operationName, contextValue }) {
          const role = contextValue.principal.role;
          const budget = limits.costBudget[role];
          let cost: number;
          try {
            cost = queryCost(schema, document, request.variables, operationName ?? undefined);
          } catch (error) {
            // Variables of the wrong type: the same message execution would give, before any work.
            throw badUserInput((error as Error).message);
          }
          if (cost > budget) {
            const setting = `TENANCY_COST_BUDGET_${role.toUpperCase()}`;
            throw tooComplex(`it would cost ${cost}, more than a ${role} token's budget of ${budget} (${setting}); ask for smaller pages (first, limit) or fewer fields`, { limit: "cost", max: budget, found: cost });
          }
        },
      };
    },
  };

  return { validationRules, parseOptions: { maxTokens: limits.maxTokens }, plugin: costPlugin, explainRefusal: explainRefusal(limits) };
}

function tooComplex(why: string, details: { limit: string; max: number; found: number }): GraphQLError {
  return new GraphQLError(`query refused before it ran: ${why}`, {
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, ...details, http: { status: 400 } },
  });
}

/**
 * For Apollo's formatError: Apollo gives every validation error its own code and every parse
 * error another, so a refusal gets its code back here; graphql's parser stops at maxTokens with
 * a syntax error (worded "more that" in graphql 16), which is said as the other limits are.
 */
function explainRefusal(limits: RequestLimits) {
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    if (formatted.message.startsWith("query refused before it ran") && formatted.extensions?.limit) {
      return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.QUERY_TOO_COMPLEX } };
    }
    if (!/^Syntax Error: Document contains more th(?:at|an) \d+ tokens/.test(formatted.message)) return formatted;
    return {
      message: `query refused before it ran: it has more than ${limits.maxTokens} tokens, the limit (TENANCY_MAX_TOKENS)`,
      extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit: "tokens", max: limits.maxTokens },
    };
  };
}
