import { describe, expect, it } from "vitest";
import { locateJsonError } from "../../src/cli/locate-json-error.ts";

describe("locateJsonError", () => {
  it("returns null for valid JSON of every shape", () => {
    for (const text of ['{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"]}', "[]", "{}", ' "s" ', "0"]) {
      expect(locateJsonError(text), text).toBeNull();
      expect(() => JSON.parse(text)).not.toThrow();
    }
  });

  it("points at the first wrong character", () => {
    expect(locateJsonError('{\n  "a": 1,\n  "b": [1, ]\n}')).toEqual({ offset: 23, line: 3, column: 12 });
    expect(locateJsonError('{"a" 1}')).toMatchObject({ line: 1, column: 6 });
    expect(locateJsonError("{'a': 1}")).toMatchObject({ line: 1, column: 2 });
    expect(locateJsonError('{"a": tru}')).toMatchObject({ line: 1, column: 7 });
    expect(locateJsonError('{"a": 1} x')).toMatchObject({ line: 1, column: 10 });
    expect(locateJsonError('{"a": "unterminated')).toMatchObject({ line: 1, column: 20 });
    expect(locateJsonError("")).toMatchObject({ line: 1, column: 1 });
  });
});
