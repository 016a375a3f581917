/*
 * A typed column that grows as it is filled: the shared-places index fills columns of a
 * million entries unit by unit, and copying a plain array into a typed one at the end
 * (`Int32Array.from`) held the event loop for tens of milliseconds on a large fleet.
 */
type Typed = Int32Array | Uint8Array;

export class IntColumn<T extends Typed> {
  length = 0;
  private data: T;

  /** `make` makes an array of the column's type; `empty` is what an entry never set holds. */
  constructor(
    private readonly make: (n: number) => T,
    private readonly empty = 0,
  ) {
    this.data = make(1024).fill(empty) as T;
  }

  push(value: number): void {
    this.set(this.length, value);
  }

  /** Sets entry i, the entries before it that were never set holding `empty`. */
  set(i: number, value: number): void {
    if (i >= this.data.length) this.grow(i + 1);
    this.data[i] = value;
    if (i >= this.length) this.length = i + 1;
  }

  /** The first `n` entries (entries never set holding `empty`), as an array of their own. */
  toArray(n = this.length): T {
    if (n <= this.data.length) return this.data.slice(0, n) as T;
    const result = this.make(n).fill(this.empty) as T;
    result.set(this.data);
    return result;
  }

  private grow(atLeast: number) {
    const bigger = this.make(Math.max(atLeast, this.data.length * 2)).fill(this.empty) as T;
    bigger.set(this.data);
    this.data = bigger;
  }
}
