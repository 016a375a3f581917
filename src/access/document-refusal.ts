import { buildSchema, parse, TypeInfo, visit, visitWithTypeInfo, type GraphQLSchema } from "graphql";
import { typeDefs } from "../graphql/type-defs.ts";
import { refusal, ruleFor } from "./access-rules.ts";
import type { Principal } from "./principal.ts";

/*
 * May this caller read what a stored document read? A saved query's run keeps the result
 * as its runner saw it (an admin's run over `apiTokens` holds every token's name), so reading
 * the run back is allowed only to a caller whom the field rules (access-rules.ts) allow every
 * field the document reads, as if it ran the document itself. Returns the first refusal, or
 * null. (Rows need no such check: only admin and compliance, who see every row, read runs.)
 */
export function documentRefusal(principal: Principal, document: string): string | null {
  for (const coordinate of fieldsRead(document)) {
    const rule = ruleFor(coordinate);
    const refused = rule ? refusal(rule, coordinate, { principal, trustedDocument: true }, {}) : null;
    if (refused) return `this run's document reads ${coordinate}, which you may not read: ${refused}`;
  }
  return null;
}

let schema: GraphQLSchema | undefined;
const cache = new Map<string, readonly string[]>();

/** Every field coordinate (`Type.field`) a document reads; saved documents were validated when saved. */
export function fieldsRead(document: string): readonly string[] {
  let fields = cache.get(document);
  if (fields) return fields;
  schema ??= buildSchema(typeDefs);
  const info = new TypeInfo(schema);
  const found = new Set<string>();
  visit(
    parse(document),
    visitWithTypeInfo(info, {
      Field() {
        const parent = info.getParentType();
        const field = info.getFieldDef();
        if (parent && field) found.add(`${parent.name}.${field.name}`);
      },
    }),
  );
  fields = [...found];
  if (cache.size >= 1000) cache.clear();
  cache.set(document, fields);
  return fields;
}
