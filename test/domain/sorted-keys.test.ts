import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sortedKeysSteps } from "../../src/domain/sorted-keys.ts";

/* The index trusts the loader's key order only after checking it: whatever order a map was built in, the keys come out in JavaScript's order. */
function run(map: Map<string, unknown>): { keys: string[]; steps: number } {
  const steps = sortedKeysSteps(map);
  let count = 0;
  for (;;) {
    const step = steps.next();
    if (step.done) return { keys: step.value, steps: count };
    count++;
  }
}

describe("sortedKeysSteps", () => {
  it("gives the keys in JavaScript's string order, whatever order the map was built in", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: "binary" })), (keys) => {
        expect(run(new Map(keys.map((k) => [k, 1]))).keys).toEqual([...keys].sort());
      }),
      { numRuns: 200 },
    );
  });

  it("sorts keys that PostgreSQL's code-point order (COLLATE \"C\") puts in another order than JavaScript's", () => {
    // U+FF21 comes before U+1F600 by code point, after it by UTF-16 code unit (JavaScript's <).
    const byCodePoint = ["a", "\uFF21", "\u{1F600}"];
    expect(run(new Map(byCodePoint.map((k) => [k, 1]))).keys).toEqual(["a", "\u{1F600}", "\uFF21"]);
  });

  it("yields while it checks a large map, so the caller can give the event loop a turn", () => {
    const map = new Map(Array.from({ length: 20_000 }, (_, i) => [`k${String(i).padStart(6, "0")}`, i]));
    const { keys, steps } = run(map);
    expect(keys).toEqual([...map.keys()]);
    expect(steps).toBeGreaterThan(3);
  });
});
