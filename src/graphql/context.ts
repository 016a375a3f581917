import type { Logger } from "pino";
import type { Database } from "../db/open-database.ts";
import { createLoaders, type Loaders } from "./loaders.ts";

/** What every resolver receives: the database and this request's own loaders. */
export interface Context {
  db: Database;
  loaders: Loaders;
  logger: Logger;
}

export function createContext(db: Database, logger: Logger): Context {
  return { db, loaders: createLoaders(db), logger };
}
