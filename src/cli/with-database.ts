import type { Config } from "../config.ts";
import { openDatabase, type Database } from "../db/open-database.ts";

/** Opens the configured database for one command and closes it whatever happens. */
export async function withDatabase(config: Config, work: (db: Database) => Promise<number>): Promise<number> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}
