import type { BlockList } from "node:net";
import type { Logger } from "pino";
import { AccessScope } from "../access/access-scope.ts";
import type { DenialLog } from "../access/denial-log.ts";
import type { Principal } from "../access/principal.ts";
import type { Database } from "../db/open-database.ts";
import type { IsolationIndex, IsolationView } from "../isolation/isolation-index.ts";
import type { PastRead } from "./as-of.ts";
import type { FindingFeed } from "../findings/finding-feed.ts";
import { MAX_PAST_MOMENTS_PER_REQUEST } from "../history/past-views.ts";
import { badUserInput } from "./errors.ts";
import { createLoaders, type Loaders } from "./loaders.ts";

/** Runs a GraphQL document in-process for a principal (saved queries, chatops). */
export type RunOperation = (
  request: { query: string; variables?: Record<string, unknown> },
  as: { principal: Principal; trustedDocument: boolean; isolation?: () => Promise<IsolationView> },
) => Promise<{ data?: Record<string, unknown> | null; errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[] }>;

/** What every resolver receives: the caller, the database and this request's own loaders. */
export interface Context {
  db: Database;
  /** Who is calling (src/access/principal.ts). */
  principal: Principal;
  /** Which rows the caller may see; the loaders apply it to every inventory read. */
  scope: AccessScope;
  /** True while running a saved query's stored document (trusted documents). */
  trustedDocument: boolean;
  loaders: Loaders;
  logger: Logger;
  /** This request's view of the isolation index: read once per request, on first use. */
  isolation: () => Promise<IsolationView>;
  /** The view as it was at a past moment (src/history/past-views.ts): once per moment per request. */
  isolationAsOf: (at: Date) => Promise<IsolationView>;
  /** Loaders reading the inventory as it was at a past moment (as-of.ts), one set per moment. */
  loadersAt: (past: PastRead) => Loaders;
  /** After a mutation changed the inventory, rules or policy: the next read takes a fresh view. */
  forgetIsolation: () => void;
  /** After a token was created or revoked: the next request looks tokens up again. */
  forgetTokens: () => void;
  runOperation: RunOperation;
  /** Where denied reads and mutations are recorded (aggregated). */
  denials: DenialLog;
  /** The finding changes from now on (subscriptions); absent where no feed runs. */
  findingFeed?: FindingFeed;
  /** The internal networks webhooks may post to (TENANCY_WEBHOOK_ALLOW_NETWORKS). */
  webhookAllowed: BlockList;
}

export interface ContextDeps {
  db: Database;
  logger: Logger;
  index: IsolationIndex;
  forgetTokens: () => void;
  runOperation: RunOperation;
  denials: DenialLog;
  /** After a change to the inventory, rules or policy: the findings follow (src/findings). */
  afterChange?: () => void;
  /** The finding changes as committed, for subscriptions (src/findings/finding-feed.ts). */
  findingFeed?: FindingFeed;
  webhookAllowed: BlockList;
}

/** Each distinct moment may build a whole past topology: a request asks for a few at most. */
const tooManyMoments = () => badUserInput(`a request may ask for at most ${MAX_PAST_MOMENTS_PER_REQUEST} distinct asOf moments (each is a whole past inventory); ask for the others in another request`, "asOf");

/** A request's context; `isolation` shares another context's view (a saved query run inside a request). */
export function createContext(deps: ContextDeps, principal: Principal, trustedDocument = false, isolation?: () => Promise<IsolationView>): Context {
  let view: Promise<IsolationView> | undefined;
  const scope = new AccessScope(principal);
  const pastViews = new Map<number, Promise<IsolationView>>();
  const pastLoaders = new Map<number, Loaders>();
  return {
    db: deps.db,
    principal,
    scope,
    trustedDocument,
    loaders: createLoaders(deps.db, scope),
    logger: deps.logger.child({ actor: principal.actor }),
    isolation: isolation ?? (() => (view ??= deps.index.view())),
    isolationAsOf: (at) => {
      let past = pastViews.get(at.getTime());
      if (!past) {
        if (pastViews.size >= MAX_PAST_MOMENTS_PER_REQUEST) return Promise.reject(tooManyMoments());
        pastViews.set(at.getTime(), (past = deps.index.viewAsOf(at)));
      }
      return past;
    },
    loadersAt: (past) => {
      let loaders = pastLoaders.get(past.at.getTime());
      if (!loaders) pastLoaders.set(past.at.getTime(), (loaders = createLoaders(deps.db, scope, past)));
      return loaders;
    },
    forgetIsolation: () => {
      view = undefined;
      deps.afterChange?.();
    },
    forgetTokens: deps.forgetTokens,
    runOperation: deps.runOperation,
    denials: deps.denials,
    findingFeed: deps.findingFeed,
    webhookAllowed: deps.webhookAllowed,
  };
}
