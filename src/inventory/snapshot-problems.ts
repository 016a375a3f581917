import type { z } from "zod";
import type { SnapshotProblem } from "./snapshot.ts";

/*
 * zod's issues as the contract's problems: a path of strings under `at`, the message the
 * schema's error customisation wrote, one problem per unknown key (inventory-fields.ts's
 * `unknownFieldsOr` packs them as a JSON list), and an object's unknown keys before the
 * problems of its fields, as an operator reads the object top down.
 */
export function snapshotProblems(issues: readonly z.core.$ZodIssue[], at: readonly (string | number)[] = []): SnapshotProblem[] {
  const problems: SnapshotProblem[] = [];
  for (const issue of issues) {
    const path = [...at, ...issue.path].map(String);
    if (issue.code !== "unrecognized_keys") {
      problems.push({ path, message: issue.message });
      continue;
    }
    const messages = perKeyMessages(issue.message);
    const unknown = issue.keys.map((key, i) => ({ path: [...path, key], message: messages?.[i] ?? `unknown field "${key}"` }));
    // zod reports them after the object's fields, whose problems are just before: go ahead of those.
    let first = problems.length;
    while (first > 0 && startsWith(problems[first - 1].path, path)) first--;
    problems.splice(first, 0, ...unknown);
  }
  return problems;
}

/** The per-key messages `unknownFieldsOr` packed, or null for an object declared without it. */
function perKeyMessages(message: string): string[] | null {
  try {
    const messages: unknown = JSON.parse(message);
    return Array.isArray(messages) ? messages.map(String) : null;
  } catch {
    return null;
  }
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((step, i) => path[i] === step);
}
