import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { firstSighting } from "../../src/chatops/replay-guard.ts";
import { MAX_AGE_SECONDS } from "../../src/chatops/slack-signature.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/*
 * The replay guard on its own, against PostgreSQL: a signature is answered once, by whichever
 * replica sees it first, and forgotten only once it is too old to be replayed.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await t.db.sql.query(`DELETE FROM chatops_request`);
});

const FORGET_AFTER = 2 * MAX_AGE_SECONDS;

describe("firstSighting", () => {
  it.each<[string, [string, boolean][]]>([
    [
      "a new signature, then the same again",
      [
        ["v0=a", true],
        ["v0=a", false],
      ],
    ],
    [
      "a replay stays refused",
      [
        ["v0=a", true],
        ["v0=a", false],
        ["v0=a", false],
      ],
    ],
    [
      "two signatures are two requests",
      [
        ["v0=a", true],
        ["v0=b", true],
        ["v0=a", false],
        ["v0=b", false],
      ],
    ],
    [
      "signatures differing in case are different",
      [
        ["v0=ab", true],
        ["v0=AB", true],
      ],
    ],
  ])("%s", async (_, sightings) => {
    const answers: [string, boolean][] = [];
    for (const [signature] of sightings) answers.push([signature, await firstSighting(t.db.sql, signature)]);
    expect(answers).toEqual(sightings);
  });

  it.each<[string, number, boolean]>([
    ["seen just now", 0, false],
    ["seen a signature's lifetime ago: still refused", MAX_AGE_SECONDS, false],
    ["seen just inside twice the lifetime: still refused", FORGET_AFTER - 5, false],
    ["seen longer ago than twice the lifetime: forgotten, so answered", FORGET_AFTER + 5, true],
  ])("a signature %s", async (_, secondsAgo, answered) => {
    await t.db.sql.query(`INSERT INTO chatops_request (signature, seen_at) VALUES ('v0=old', now() - make_interval(secs => $1))`, [secondsAgo]);
    expect(await firstSighting(t.db.sql, "v0=old")).toBe(answered);
  });

  it("forgets every signature too old to be replayed, and only those", async () => {
    await t.db.sql.query(`INSERT INTO chatops_request (signature, seen_at) VALUES ('v0=stale', now() - make_interval(secs => $1)), ('v0=recent', now() - make_interval(secs => $2))`, [FORGET_AFTER + 60, FORGET_AFTER - 60]);
    await firstSighting(t.db.sql, "v0=new");
    const rows = await t.db.sql.query<{ signature: string }>(`SELECT signature FROM chatops_request ORDER BY signature`);
    expect(rows.map((r) => r.signature)).toEqual(["v0=new", "v0=recent"]);
  });

  it("answers one of many replicas asking at once about one signature", async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => firstSighting(t.db.sql, "v0=race")));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });
});
