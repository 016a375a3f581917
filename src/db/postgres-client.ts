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
    transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
      return inTransaction(pool, onStatement, work, "COMMIT");
    },
    rolledBack<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
      return inTransaction(pool, onStatement, work, "ROLLBACK");
    },
  };
}

/** BEGIN, `work`, then `end` (COMMIT, or ROLLBACK for a dry run); ROLLBACK when `work` throws. */
async function inTransaction<T>(pool: pg.Pool, onStatement: StatementListener, work: (tx: SqlClient) => Promise<T>, end: "COMMIT" | "ROLLBACK"): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(connectionClient(client, onStatement));
    await client.query(end);
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function connectionClient(client: pg.PoolClient, onStatement: StatementListener): SqlClient {
  return {
    engine: "postgres",
    async query<Row>(sql: string, params: readonly SqlParam[] = []) {
      onStatement(sql);
      const result = await client.query(sql, params as unknown[]);
      return result.rows as Row[];
    },
    async exec(script: string) {
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
