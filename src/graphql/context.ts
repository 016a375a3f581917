import type { Logger } from "pino";
import type { Database } from "../db/open-database.ts";
import type { IsolationIndex, IsolationView } from "../isolation/isolation-index.ts";
import { createLoaders, type Loaders } from "./loaders.ts";

/** What every resolver receives: the database and this request's own loaders. */
export interface Context {
  db: Database;
  loaders: Loaders;
  logger: Logger;
  /** This request's view of the isolation index: read once per request, on first use. */
  isolation: () => Promise<IsolationView>;
  /** After a mutation changed the inventory, rules or policy: the next read takes a fresh view. */
  forgetIsolation: () => void;
}

export function createContext(db: Database, logger: Logger, index: IsolationIndex): Context {
  let view: Promise<IsolationView> | undefined;
  return {
    db,
    loaders: createLoaders(db),
    logger,
    isolation: () => (view ??= index.view()),
    forgetIsolation: () => void (view = undefined),
  };
}
