import { GraphQLError } from "graphql";

/*
 * Every top-level error the API raises is built here, so each carries one of these
 * `extensions.code` values and clients can branch on the code, not the message.
 */
export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  NOT_FOUND: "NOT_FOUND",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  /** Refused before it ran: too deep, too many aliases or tokens, or over its role's cost budget. */
  QUERY_TOO_COMPLEX: "QUERY_TOO_COMPLEX",
  /** Stopped at its role's deadline. */
  TIMEOUT: "TIMEOUT",
  /** Over its token's request rate (HTTP 429 with Retry-After). */
  RATE_LIMITED: "RATE_LIMITED",
  /** A request body over its role's limit (HTTP 413), or sent too slowly (HTTP 408). */
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  REQUEST_TIMEOUT: "REQUEST_TIMEOUT",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function badUserInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, ...(argument ? { argument } : {}) } });
}

export function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.NOT_FOUND } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN } });
}
