import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { DatabaseGauges, FINDINGS_MAX_AGE_MS } from "../../src/observability/database-gauges.ts";
import type { SqlClient } from "../../src/db/sql-client.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * The findings gauge counts every open finding (a second of the database on a large fleet), so
 * scrapes in quick succession share one count: a poller scraping every 100 ms must not make
 * the database count hundreds of thousands of rows ten times a second.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
}, 120_000);
afterAll(async () => {
  await t?.drop();
});

/** The real client, with the statements it was asked kept in order. */
function counting(sql: SqlClient): { sql: SqlClient; counts: string[] } {
  const counts: string[] = [];
  return { counts, sql: { ...sql, engine: sql.engine, query: (text, params) => (counts.push(text), sql.query(text, params)) } };
}

describe("the database gauges", () => {
  it("count the findings at most every FINDINGS_MAX_AGE_MS, and the sources at every scrape", async () => {
    const { sql, counts } = counting(t.db.sql);
    const gauges = new DatabaseGauges(new Registry(), sql);
    await gauges.refresh();
    await gauges.refresh();
    await gauges.refresh();
    const findings = counts.filter((s) => s.includes("FROM finding")).length;
    expect(findings).toBe(1);
    expect(counts.length - findings).toBe(3);
    expect(FINDINGS_MAX_AGE_MS).toBeLessThanOrEqual(15_000); // fresher than Prometheus's usual scrape interval
  });
});
