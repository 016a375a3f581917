import pg from "pg";

/** One statement on a connection of its own: CREATE and DROP DATABASE, for the test harness and the bench. */
export async function adminQuery(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
