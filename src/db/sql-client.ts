/*
 * The one SQL interface the service's own SQL (migrator, sync, placement queries) runs
 * through, implemented over a pg Pool (PostgreSQL) and over PGlite (embedded).
 *
 * Prisma Client sits beside it on the same pool or PGlite instance for typed reads; this
 * interface exists for what Prisma cannot do: multi-statement migration scripts, advisory
 * locks held for a whole transaction, and set-based statements with array parameters.
 */
export type SqlParam = string | number | boolean | null | Date | readonly unknown[] | Record<string, unknown>;

export interface SqlClient {
  /** Which engine is behind this client. */
  readonly engine: "postgres" | "pglite";
  /** One statement with positional parameters ($1, $2, …). */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
  /** A script of several statements, no parameters (simple query protocol). */
  exec(script: string): Promise<void>;
  /**
   * Runs `work` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it
   * throws. Nested calls are not supported. When `signal` aborts, the transaction is abandoned:
   * a statement under way is interrupted where the engine allows it (PostgreSQL: the connection
   * is dropped, so the server rolls back), no further statement runs, nothing is committed,
   * and the call rejects with the signal's reason.
   */
  transaction<T>(work: (tx: SqlClient) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Runs `work` in one transaction that is always rolled back (a dry run): its result, nothing written. */
  rolledBack<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
}

/** Called with each statement the service sends, for the statement-count tests and metrics. */
export type StatementListener = (sql: string) => void;
