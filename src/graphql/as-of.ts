import { GraphQLError } from "graphql";
import { MomentOutOfRange, momentAt, PastBuildsBusy } from "../history/past-views.ts";
import type { IsolationView } from "../isolation/isolation-index.ts";
import type { Context } from "./context.ts";
import { badUserInput, ErrorCode } from "./errors.ts";
import type { Loaders } from "./loaders.ts";

/*
 * Answers as of a past moment (`asOf`, docs/history.md). A root field given `asOf` answers from
 * the view of that moment (src/history/past-views.ts); the objects it returns carry the moment,
 * so the objects reached from them (a verdict's workload, a past host's rack, a past workload's
 * exposure) are read as they were then, through loaders over the past tables.
 */

/** The moment a past answer reads: when, and the inventory version in force then. */
export interface PastRead {
  at: Date;
  version: number;
}

/** Where an object read from a past moment keeps it (a symbol: no field and no JSON sees it). */
export const AS_OF = Symbol("asOf");

/** Marks a row (or any answer object) as read at `past`; unchanged when `past` is undefined. */
export function markPast<T extends object>(row: T, past: PastRead | undefined): T {
  if (past) (row as { [AS_OF]?: PastRead })[AS_OF] = past;
  return row;
}

/** The past moment an object was read at; undefined for a current one. */
export function pastOf(parent: unknown): PastRead | undefined {
  if (parent === null || typeof parent !== "object") return undefined;
  const marked = (parent as { [AS_OF]?: PastRead })[AS_OF];
  if (marked) return marked;
  const view = (parent as { view?: IsolationView }).view;
  return view?.asOf ? { at: view.asOf, version: view.inventoryVersion } : undefined;
}

/** The loaders that read as of the parent's moment (the request's own for a current one). */
export function loadersFor(ctx: Context, parent: unknown): Loaders {
  const past = pastOf(parent);
  return past ? ctx.loadersAt(past) : ctx.loaders;
}

/**
 * The view an answer reads: of `asOf` when given, else of the parent's moment, else now. A moment
 * outside history is the caller's mistake: BAD_USER_INPUT naming the earliest moment.
 */
export async function viewFor(ctx: Context, asOf: Date | null | undefined, parent?: unknown): Promise<IsolationView> {
  const at = asOf ?? pastOf(parent)?.at;
  if (!at) return ctx.isolation();
  try {
    return await ctx.isolationAsOf(at);
  } catch (error) {
    if (error instanceof MomentOutOfRange) throw badUserInput(`asOf ${error.message}`, "asOf");
    if (error instanceof PastBuildsBusy) throw new GraphQLError(error.message, { extensions: { code: ErrorCode.RATE_LIMITED, argument: "asOf", retryAfter: 5 } });
    throw error;
  }
}

/** The moment `at` for a lookup by key: its inventory version (no topology is built). */
export async function pastReadAt(ctx: Context, at: Date): Promise<PastRead> {
  try {
    return { at, version: (await momentAt(ctx.db.sql, at)).version };
  } catch (error) {
    if (error instanceof MomentOutOfRange) throw badUserInput(`asOf ${error.message}`, "asOf");
    throw error;
  }
}

/** The past moment of a view, for marking what is read from it. */
export const pastOfView = (view: IsolationView): PastRead | undefined => (view.asOf ? { at: view.asOf, version: view.inventoryVersion } : undefined);
