import { describe, expect, it } from "vitest";
import { int32Column, uint8Column } from "../../src/domain/chunked-column.ts";

describe("ChunkedColumn", () => {
  it("gives back every value pushed, across chunk boundaries, in Int32 and Uint8 columns", () => {
    const ints = int32Column();
    const bytes = uint8Column();
    // Three chunks of 2^14 and a few more: the boundaries are crossed both ways.
    const n = 3 * 16384 + 5;
    for (let i = 0; i < n; i++) {
      ints.push(i * 7 - 100_000);
      bytes.push(i % 251);
    }
    expect(ints.length).toBe(n);
    expect(bytes.length).toBe(n);
    for (const i of [0, 1, 16383, 16384, 16385, 32767, 32768, 49151, 49152, n - 1]) {
      expect(ints.get(i)).toBe(i * 7 - 100_000);
      expect(bytes.get(i)).toBe(i % 251);
    }
    let mismatches = 0;
    for (let i = 0; i < n; i++) if (ints.get(i) !== i * 7 - 100_000 || bytes.get(i) !== i % 251) mismatches++;
    expect(mismatches).toBe(0);
  });
});
