import { describe, expect, it } from "vitest";
import { OFFERS_PER_STEP, PlaceTable } from "../../src/domain/place-table.ts";

/*
 * A place table is finished in steps counted in offers, inside a place too: a planet's or a
 * datacenter's place gathers hundreds of thousands of offers, and taking them in one step held
 * the event loop 100 to 200 ms on fleet M after each sync that touched it. Counted in yields,
 * not time; the entries are checked against a table built anew.
 */
const OFFERS = 10 * OFFERS_PER_STEP;
const PARTIES = 500;

function yields(steps: Generator<void, void>): number {
  let n = 0;
  while (!steps.next().done) n++;
  return n;
}

/** One place ("planet") with an offer of each of `units`: unit i of party i % PARTIES, bringing value i % 7 in group i % 13. */
function planet(previous: PlaceTable | null, units: number[]): PlaceTable {
  const table = new PlaceTable(previous);
  const place = table.id("planet");
  for (const i of units) table.offer(place, i % PARTIES, i % 7, i % 13, i);
  return table;
}

const entries = (t: PlaceTable) => Array.from(t.party, (party, e) => [party, t.valueWithout(e, -1), t.unitWithout(e, -1), t.valueWithout(e, 0), t.unitWithout(e, 0)]);

describe("a place table's finish", () => {
  it("takes a place of many offers in steps", () => {
    const table = planet(null, [...Array(OFFERS).keys()]);
    // The log's count, its sort and the entries' count and taking each pass over every offer.
    expect(yields(table.finish(PARTIES, true))).toBeGreaterThanOrEqual((3 * OFFERS) / OFFERS_PER_STEP - 3);
    expect(table.party.length).toBe(PARTIES);
  });

  it("carried, works out a touched place of many offers in steps, to the entries of a table built anew", () => {
    const before = planet(null, [...Array(OFFERS).keys()]);
    yields(before.finish(PARTIES, true));
    // Unit 0 gone, the others kept in place, and one new unit (OFFERS) logged: the place is touched.
    const unitMap = Int32Array.from({ length: OFFERS }, (_, u) => (u === 0 ? -1 : u));
    const carried = planet(before, [OFFERS]);
    // Merging the offers (counted, then copied), counting the entries and taking them: four passes.
    expect(yields(carried.finish(PARTIES, true, unitMap))).toBeGreaterThanOrEqual((4 * OFFERS) / OFFERS_PER_STEP - 4);
    const anew = planet(null, [...Array(OFFERS + 1).keys()].slice(1));
    yields(anew.finish(PARTIES, true));
    expect(entries(carried)).toEqual(entries(anew));
  });
});
