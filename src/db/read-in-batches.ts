import type { SqlClient, SqlParam } from "./sql-client.ts";

/** Rows per FETCH: decoded in a few milliseconds. */
export const BATCH_ROWS = 2000;

/**
 * A statement's rows through a cursor, a batch at a time, each row handed to `each` as its batch
 * arrives. Read at once, a table of a million rows arrives faster than it is decoded, the driver
 * decodes megabytes of it in one turn of the event loop (50 to 70 ms for fleet S's containers),
 * and what is built of the rows afterwards (a map of 800,000 stored findings on fleet M) is one
 * more block; a batch is one round trip of its own. Inside a transaction (`tx`): a cursor lives
 * in one. `cursor` names it, unique among the cursors open in that transaction.
 */
export async function readInBatches<Row>(tx: SqlClient, cursor: string, select: string, params: readonly SqlParam[], each: (row: Row) => void): Promise<void> {
  await tx.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${select}`, params);
  for (;;) {
    const batch = await tx.query<Row>(`FETCH ${BATCH_ROWS} FROM ${cursor}`);
    for (const row of batch) each(row);
    if (batch.length < BATCH_ROWS) break;
  }
  await tx.exec(`CLOSE ${cursor}`);
}
