import type { GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import type { Logger } from "pino";
import { ErrorCode } from "../errors.ts";
import { currentRequestId } from "../../observability/request-context.ts";

/*
 * Apollo's formatError: errors the API raised on purpose (with a known code) go to the client
 * as they are (with the request's id added); anything else is logged with its stack and replaced by a generic message, so
 * SQL text, file paths and stack traces never reach a caller.
 */
export function maskUnexpectedErrors(logger: Logger) {
  const known = new Set<string>(Object.values(ErrorCode).filter((c) => c !== ErrorCode.INTERNAL_SERVER_ERROR));
  // Apollo's own request-level codes (a malformed query, a failed validation).
  for (const code of ["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_REQUEST", "PERSISTED_QUERY_NOT_FOUND", "OPERATION_RESOLUTION_FAILURE"]) known.add(code);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code as string | undefined;
    // The request's id, so that a user's bug report leads to the log lines (in-process runs have none).
    const requestId = currentRequestId();
    if (code && known.has(code)) return requestId ? { ...formatted, extensions: { ...formatted.extensions, requestId } } : formatted;
    logger.error({ err: unwrapResolverError(error), path: formatted.path }, "unexpected error in a GraphQL request");
    return {
      message: "internal error: the service could not answer this; the details are in its log",
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(requestId ? { requestId } : {}) },
    };
  };
}
