import { GraphQLScalarType, Kind, valueFromASTUntyped } from "graphql";

/** Any JSON value, for snapshot documents. */
export const JSON = new GraphQLScalarType({
  name: "JSON",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

/** Instants as ISO-8601 strings in UTC. */
export const DateTime = new GraphQLScalarType({
  name: "DateTime",
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value as string).toISOString()),
  parseValue: (value) => parseInstant(value),
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? parseInstant(ast.value) : undefined),
});

function parseInstant(value: unknown): Date {
  const date = new Date(value as string);
  if (typeof value !== "string" || Number.isNaN(date.getTime())) throw new TypeError(`"${String(value)}" is not an ISO-8601 instant`);
  return date;
}
