import { z } from "zod";
import { ANTI_AFFINITY_LEVELS, ANTI_AFFINITY_MODES, ISOLATION_LEVELS } from "../domain/scale.ts";
import { inventoryTextProblem } from "./inventory-text.ts";
import type { InventoryKind } from "./snapshot.ts";

/*
 * The kinds of field an inventory record has, as zod schemas that carry the contract's messages
 * (docs/snapshots.md) through zod's error customisation. Missing and null are the same for
 * every field: a required field reports "<field> is required", an optional one takes its
 * default. Column types are not written here: the table mapping reads them off these schemas
 * (inventory-tables.ts), and only a reference's target needs saying (`referenceTargets`).
 */

/** The kind a field's ids point at, read by the table mapping (dangling references, grants). */
export const referenceTargets = z.registry<{ target: InventoryKind }>();

/** The field's name: the last step of the issue's path (error maps see the whole path). */
const fieldName = (iss: { path?: PropertyKey[] }) => String(iss.path?.at(-1));

/** Blank, or breaking the inventory text rule (inventory-text.ts); null when fine. */
function textProblem(text: string): string | null {
  return text.trim() === "" ? "must be a non-empty string" : inventoryTextProblem(text);
}

function checkText(ctx: z.core.ParsePayload<string>) {
  const wrong = textProblem(ctx.value);
  if (wrong) ctx.issues.push({ code: "custom", message: wrong, input: ctx.value });
}

/** A text following the inventory text rule: an id, a reference, a name. */
export const text = () => z.string({ error: (iss) => (iss.input == null ? `${fieldName(iss)} is required` : "must be a non-empty string") }).check(checkText);

/** An optional text: null when the document leaves it out. */
export const optionalText = () => text().nullable().default(null);

/** An optional text naming an object of `target`. */
export const reference = (target: InventoryKind) => optionalText().register(referenceTargets, { target });

/** A required text naming an object of `target`. */
export const requiredReference = (target: InventoryKind) => text().register(referenceTargets, { target });

/**
 * `schema`, with null and absent read as `fallback`. An overwrite rather than a transform: zod
 * runs a transform as a pipe, which about doubled the time to validate 50k containers.
 * An overwrite cannot narrow the output type, so the cast says what it does: the only value it
 * changes is the null, into `fallback` of the output type.
 */
export function orDefault<T extends z.ZodType>(schema: T, fallback: () => z.core.util.NoUndefined<z.output<T>>) {
  return schema
    .nullable()
    .default(fallback)
    .overwrite((value) => value ?? fallback()) as z.ZodDefault<z.ZodType<z.output<T>, z.input<T> | null>>;
}

/** An optional text with a default. */
export const textOr = (fallback: string) => orDefault(text(), () => fallback);

/** A list of texts, each once (the first place kept); empty when left out. */
export function texts() {
  const list = z.array(z.string({ error: "must be a non-empty string" }).check(checkText), { error: "must be an array of strings" });
  return orDefault(
    list.overwrite((values) => [...new Set(values)]),
    () => [],
  );
}

/** A list of texts naming objects of `target`. */
export const referenceList = (target: InventoryKind) => texts().register(referenceTargets, { target });

/** True or false, false when left out. */
export const flag = () => orDefault(z.boolean({ error: "must be true or false" }), () => false);

/** A place on the tenancy scale, or null. */
export const isolationLevel = () =>
  z
    .enum(ISOLATION_LEVELS, { error: (iss) => `unknown isolation level ${JSON.stringify(iss.input)}; expected one of ${ISOLATION_LEVELS.join(", ")}` })
    .nullable()
    .default(null);

/** The largest count a snapshot may give: GraphQL's Int, which answers it back, is 32-bit signed. */
export const MAX_COUNT = 2 ** 31 - 1;
const WHOLE = "must be a whole number of at least 1";
const TOO_LARGE = `must be at most ${MAX_COUNT}`;
const isCount = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_COUNT;
/** Why `n` is no count: too large, or not a whole number of at least 1. */
const countProblem = (n: unknown) => (Number.isInteger(n) && (n as number) > MAX_COUNT ? TOO_LARGE : WHOLE);

/** A whole number from 1 to MAX_COUNT, or null. */
export const positiveInteger = () =>
  z
    .number({ error: WHOLE })
    .refine(isCount, { error: (iss) => countProblem(iss.input) })
    .nullable()
    .default(null);

/** An anti-affinity rule's bound: the message names the bound. */
const bound = () =>
  z
    .number({ error: (iss) => `${fieldName(iss)} ${WHOLE}` })
    .refine(isCount, { error: (iss) => `${fieldName(iss)} ${countProblem(iss.input)}` })
    .optional();

/** One anti-affinity rule (docs/anti-affinity.md); its fields in the order they are checked. */
export const AntiAffinityRuleSchema = z.strictObject(
  {
    level: z.enum(ANTI_AFFINITY_LEVELS, {
      error: (iss) => `unknown anti-affinity level ${JSON.stringify(iss.input)}; expected one of ${ANTI_AFFINITY_LEVELS.join(", ")}`,
    }),
    mode: orDefault(z.enum(ANTI_AFFINITY_MODES, { error: (iss) => `unknown mode ${JSON.stringify(iss.input)}; expected HARD or SOFT` }), () => "HARD" as const),
    maxPerDomain: bound(),
    minDomains: bound(),
    /** Kubernetes' maxSkew: replicas in a domain minus the fewest in any eligible domain. */
    maxSkew: bound(),
  },
  { error: unknownFieldsOr("an anti-affinity rule", "an anti-affinity rule must be an object") },
);

/** A workload's anti-affinity rules. */
export const AntiAffinityRulesSchema = z.array(AntiAffinityRuleSchema, { error: "must be an array of anti-affinity rules" });

/** Anti-affinity rules, none when left out. */
export const antiAffinityRules = () => orDefault(AntiAffinityRulesSchema, () => []);

/**
 * The error customisation of a strict object: `notObject` when the value is not one, and for
 * unknown keys one message per key. zod reports all of an object's unknown keys as one issue,
 * so its message is the JSON list of the per-key messages, which snapshot-problems.ts splits
 * into one problem per key (a key may hold any character, so no separator would be safe).
 */
export function unknownFieldsOr(owner: string | null, notObject: string) {
  return (iss: { code?: string; keys?: string[] }) => (iss.code === "unrecognized_keys" ? JSON.stringify((iss.keys ?? []).map((key) => `unknown field "${key}"${owner ? ` on ${owner}` : ""}`)) : notObject);
}
