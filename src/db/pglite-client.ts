import type { PGlite, Transaction } from "@electric-sql/pglite";
import { inSpan } from "../observability/in-span.ts";
import type { SqlClient, SqlParam, StatementListener } from "./sql-client.ts";

/** PGlite has no pg driver for OpenTelemetry to instrument: our statements get a span here (a no-op when not tracing). */
const traced = <T>(sql: string, work: () => Promise<T>) => inSpan("pglite.query", { "db.system": "postgresql", "db.statement": sql }, work);

/**
 * A SqlClient over PGlite. PGlite is one backend: its own mutex serialises our transactions
 * with Prisma's queries on the same instance, which is what makes sharing it safe.
 */
export function pgliteClient(db: PGlite, onStatement: StatementListener): SqlClient {
  return {
    engine: "pglite",
    async query<Row>(sql: string, params: readonly SqlParam[] = []) {
      onStatement(sql);
      const result = await traced(sql, () => db.query<Row>(sql, params as unknown[]));
      return result.rows;
    },
    async exec(script: string) {
      onStatement(script);
      await traced(script, () => db.exec(script));
    },
    // PGlite cannot interrupt a statement; an abort stops the transaction before its next one.
    async transaction<T>(work: (tx: SqlClient) => Promise<T>, signal?: AbortSignal): Promise<T> {
      signal?.throwIfAborted();
      return db.transaction(async (tx) => {
        const result = await work(transactionClient(tx, onStatement, signal));
        signal?.throwIfAborted();
        return result;
      });
    },
    rolledBack<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
      return db.transaction(async (tx) => {
        const result = await work(transactionClient(tx, onStatement));
        // Closes the transaction: PGlite then sends no COMMIT.
        await tx.rollback();
        return result;
      });
    },
  };
}

function transactionClient(tx: Transaction, onStatement: StatementListener, signal?: AbortSignal): SqlClient {
  return {
    engine: "pglite",
    async query<Row>(sql: string, params: readonly SqlParam[] = []) {
      signal?.throwIfAborted();
      onStatement(sql);
      const result = await traced(sql, () => tx.query<Row>(sql, params as unknown[]));
      return result.rows;
    },
    async exec(script: string) {
      signal?.throwIfAborted();
      onStatement(script);
      await traced(script, () => tx.exec(script));
    },
    transaction() {
      throw new Error("nested transactions are not supported");
    },
    rolledBack() {
      throw new Error("nested transactions are not supported");
    },
  };
}
