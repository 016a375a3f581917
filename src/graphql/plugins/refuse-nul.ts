import type { ApolloServerPlugin } from "@apollo/server";
import { visit, type DocumentNode } from "graphql";
import { badUserInput } from "../errors.ts";

/*
 * Refuses a request whose text holds a NUL character (U+0000), in the document or in any
 * variable (a snapshot included), with BAD_USER_INPUT naming where. PostgreSQL cannot store NUL
 * in text, so without this check the request would fail deep inside as an internal error.
 */
export const refuseNul: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ document, request }) {
        const inDocument = nulInDocument(document);
        if (inDocument) throw badUserInput(`the argument ${inDocument} contains a NUL character (U+0000), which no field accepts`, inDocument);
        const inVariables = nulInValue(request.variables ?? {});
        if (inVariables) throw badUserInput(`the variable $${inVariables} contains a NUL character (U+0000), which no field accepts`, `$${inVariables}`);
      },
    };
  },
};

function nulInDocument(document: DocumentNode): string | null {
  let found: string | null = null;
  const args: string[] = [];
  visit(document, {
    Argument: { enter: (node) => void args.push(node.name.value), leave: () => void args.pop() },
    StringValue(node) {
      if (found === null && node.value.includes("\0")) found = args.at(-1) ?? "(a variable's default)";
    },
  });
  return found;
}

/** The path of the first string (or key) holding NUL, walked without recursion (a deeply nested body cannot overflow the stack). */
function nulInValue(root: Record<string, unknown>): string | null {
  const stack: [unknown, string][] = Object.entries(root).map(([key, value]) => [value, key]);
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === "string") {
      if (value.includes("\0")) return path;
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push([item, `${path}.${i}`]));
    } else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes("\0")) return `${path}.${JSON.stringify(key)}`;
        stack.push([item, `${path}.${key}`]);
      }
    }
  }
  return null;
}
