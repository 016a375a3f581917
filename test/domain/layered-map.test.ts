import { describe, expect, it } from "vitest";
import { compareCodePoints, flattenSteps, LayeredMap } from "../../src/domain/layered-map.ts";
import { rng } from "../support/random-inventory.ts";

/*
 * A layered map must read as the plain map a full load would build: the same entries, in the
 * loader's order (PostgreSQL's "C" collation: code points), through every ReadonlyMap method.
 */
const ALPHABET = ["a", "b", "z", "A", "-", "0", "\u00e9", "\uffee", "\u{1f600}", "\u{10000}"];

function randomKey(r: () => number): string {
  return Array.from({ length: 1 + Math.floor(r() * 3) }, () => ALPHABET[Math.floor(r() * ALPHABET.length)]).join("");
}

const byCodePoints = (keys: string[]) =>
  [...keys].sort((a, b) => {
    const [x, y] = [[...a].map((c) => c.codePointAt(0)!), [...b].map((c) => c.codePointAt(0)!)];
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  });

describe("LayeredMap", () => {
  it("orders by code points, as the C collation does (not by UTF-16 code units)", () => {
    // U+FFEE is one code unit above a surrogate pair's first; by code points it comes first.
    expect(compareCodePoints("\uffee", "\u{1f600}")).toBeLessThan(0);
    expect("\uffee" < "\u{1f600}").toBe(false);
    expect(compareCodePoints("ab", "abc")).toBeLessThan(0);
    expect(compareCodePoints("b", "b")).toBe(0);
  });

  it.each([1, 2, 3, 4, 5])("reads as the map it stands for, after layers of changes (seed %i)", (seed) => {
    const r = rng(seed);
    const model = new Map<string, number>();
    for (let i = 0; i < 40; i++) model.set(randomKey(r), i);
    let map: ReadonlyMap<string, number> = new Map(byCodePoints([...model.keys()]).map((k) => [k, model.get(k)!]));
    for (let layer = 0; layer < 4; layer++) {
      const set: [string, number][] = Array.from({ length: Math.floor(r() * 6) }, () => [randomKey(r), 100 + layer]);
      const removed = Array.from({ length: Math.floor(r() * 6) }, () => (r() < 0.7 ? [...model.keys()][Math.floor(r() * model.size)] : randomKey(r))).filter((k) => k !== undefined);
      for (const key of removed) model.delete(key);
      for (const [key, value] of set) model.set(key, value);
      map = LayeredMap.over(map, set, removed);
      const expected = byCodePoints([...model.keys()]).map((k) => [k, model.get(k)]);
      expect([...map], `layer ${layer}`).toEqual(expected);
      expect([...map.keys()]).toEqual(expected.map(([k]) => k));
      expect([...map.values()]).toEqual(expected.map(([, v]) => v));
      expect(map.size).toBe(model.size);
      const seen: [string, number][] = [];
      map.forEach((value, key) => seen.push([key, value]));
      expect(seen).toEqual(expected);
      for (const key of [...removed, ...set.map(([k]) => k), randomKey(r)]) {
        expect(map.get(key), key).toBe(model.get(key));
        expect(map.has(key), key).toBe(model.has(key));
      }
    }
    const steps = flattenSteps(map);
    let step = steps.next();
    while (!step.done) step = steps.next();
    expect(step.value).toBeInstanceOf(Map);
    expect([...step.value]).toEqual([...map]);
  });
});
