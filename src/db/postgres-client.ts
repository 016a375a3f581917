import type pg from "pg";
import type { SqlClient, SqlParam, StatementListener } from "./sql-client.ts";

/** A SqlClient over a pg Pool (or one checked-out pg client inside a transaction). */
export function postgresClient(pool: pg.Pool, onStatement: StatementListener): SqlClient {
  return {
    engine: "postgres",
    async query<Row>(sql: string, params: readonly SqlParam[] = []) {
      onStatement(sql);
      const result = await pool.query(sql, params as unknown[]);
      return result.rows as Row[];
    },
    async exec(script: string) {
      onStatement(script);
      await pool.query(script);
    },
    transaction<T>(work: (tx: SqlClient) => Promise<T>, signal?: AbortSignal): Promise<T> {
      return inTransaction(pool, onStatement, work, "COMMIT", signal);
    },
    rolledBack<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
      return inTransaction(pool, onStatement, work, "ROLLBACK");
    },
  };
}

/**
 * BEGIN, `work`, then `end` (COMMIT, or ROLLBACK for a dry run); ROLLBACK when `work` throws.
 * An abort drops the connection at once, even inside a statement waiting on a lock: the server
 * then rolls the transaction back, and the caller is not kept waiting for it.
 */
async function inTransaction<T>(pool: pg.Pool, onStatement: StatementListener, work: (tx: SqlClient) => Promise<T>, end: "COMMIT" | "ROLLBACK", signal?: AbortSignal): Promise<T> {
  signal?.throwIfAborted();
  const client = await pool.connect();
  let dropped = false;
  const drop = () => {
    dropped = true;
    client.release(signal?.reason instanceof Error ? signal.reason : new Error("transaction abandoned"));
  };
  signal?.addEventListener("abort", drop, { once: true });
  try {
    await client.query("BEGIN");
    const result = await work(connectionClient(client, onStatement, signal));
    signal?.throwIfAborted();
    await client.query(end);
    return result;
  } catch (error) {
    if (!dropped) await client.query("ROLLBACK").catch(() => undefined);
    if (signal?.aborted) throw signal.reason;
    throw error;
  } finally {
    signal?.removeEventListener("abort", drop);
    if (!dropped) client.release();
  }
}

function connectionClient(client: pg.PoolClient, onStatement: StatementListener, signal?: AbortSignal): SqlClient {
  return {
    engine: "postgres",
    async query<Row>(sql: string, params: readonly SqlParam[] = []) {
      signal?.throwIfAborted();
      onStatement(sql);
      const result = await client.query(sql, params as unknown[]);
      return result.rows as Row[];
    },
    async exec(script: string) {
      signal?.throwIfAborted();
      onStatement(script);
      await client.query(script);
    },
    transaction() {
      throw new Error("nested transactions are not supported");
    },
    rolledBack() {
      throw new Error("nested transactions are not supported");
    },
  };
}
