/*
 * A column of integers that grows by fixed-size typed chunks and is never copied or trimmed.
 *
 * Why not one typed array doubled as it grows: every typed array's memory is "external" to
 * V8's heap, and each 64 MB of external memory allocated since the last full collection starts
 * one (a mark-compact of the whole heap). A report of millions of rows doubled and trimmed
 * allocated about three times its own size, so on L (a 2 GB index) its scan paid three full
 * collections of 2 GB: a cost of rows × heap, growing with the square of the fleet. In chunks it
 * allocates its own size once.
 */

const CHUNK_BITS = 14;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

export class ChunkedColumn<T extends Int32Array | Uint8Array> {
  private readonly chunks: T[] = [];
  length = 0;

  constructor(private readonly make: (length: number) => T) {}

  push(value: number) {
    const i = this.length++;
    const chunk = i >>> CHUNK_BITS;
    if (chunk === this.chunks.length) this.chunks.push(this.make(CHUNK));
    this.chunks[chunk][i & MASK] = value;
  }

  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS][i & MASK];
  }
}

export const int32Column = () => new ChunkedColumn((n) => new Int32Array(n));
export const uint8Column = () => new ChunkedColumn((n) => new Uint8Array(n));
