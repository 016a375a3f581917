/*
 * A map made of an unchanged map and a few changes over it: how a per-sync patch of the
 * isolation index (src/domain/patch-topology.ts) makes a new topology in time proportional to
 * what changed, never copying the hundreds of thousands of entries it keeps. Neither layer is
 * ever written once given here (the older topology still reads its own maps). It lists its
 * keys in the order a full load gives them, the base's order with the added keys merged in by
 * code points (the loader reads rows `ORDER BY key COLLATE "C"`), so nothing that walks a
 * topology can tell a patched one from a loaded one. `flattenSteps` folds it into a plain Map
 * in the background.
 */
const REMOVED: unique symbol = Symbol("removed");
type Change<V> = V | typeof REMOVED;

export class LayeredMap<V> implements ReadonlyMap<string, V> {
  readonly size: number;
  /** The keys the changes add to the base, in code point order. */
  private readonly added: string[];

  private constructor(
    private readonly base: ReadonlyMap<string, V>,
    private readonly changes: ReadonlyMap<string, Change<V>>,
  ) {
    let size = base.size;
    this.added = [];
    for (const [key, change] of changes) {
      const before = base.has(key);
      if (change === REMOVED) size -= before ? 1 : 0;
      else if (!before) {
        size++;
        this.added.push(key);
      }
    }
    this.added.sort(compareCodePoints);
    this.size = size;
  }

  /**
   * `map` with `set` and `removed` applied over it. A layered map gives its base and its
   * changes with these merged in (its changes are few), so layers never stack.
   */
  static over<V>(map: ReadonlyMap<string, V>, set: Iterable<readonly [string, V]>, removed: Iterable<string>): ReadonlyMap<string, V> {
    const base = map instanceof LayeredMap ? (map as LayeredMap<V>).base : map;
    const changes = new Map<string, Change<V>>(map instanceof LayeredMap ? (map as LayeredMap<V>).changes : []);
    for (const key of removed) changes.set(key, REMOVED);
    for (const [key, value] of set) changes.set(key, value);
    return new LayeredMap(base, changes);
  }

  /** How many keys the changes set or remove, and the base's size: how deep the layer is. */
  get changeCount(): number {
    return this.changes.size;
  }

  get baseSize(): number {
    return this.base.size;
  }

  get(key: string): V | undefined {
    const change = this.changes.get(key);
    if (change === undefined) return this.base.get(key);
    return change === REMOVED ? undefined : change;
  }

  has(key: string): boolean {
    const change = this.changes.get(key);
    return change === undefined ? this.base.has(key) : change !== REMOVED;
  }

  *entries(): MapIterator<[string, V]> {
    const { base, changes, added } = this;
    let next = 0;
    for (const [key, value] of base) {
      while (next < added.length && compareCodePoints(added[next], key) < 0) {
        const key = added[next++];
        yield [key, changes.get(key) as V];
      }
      const change = changes.get(key);
      if (change === undefined) yield [key, value];
      else if (change !== REMOVED) yield [key, change];
    }
    while (next < added.length) {
      const key = added[next++];
      yield [key, changes.get(key) as V];
    }
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
}

/**
 * The share of its base a layered map's changes reach before a copy pays for itself. Below it
 * a lookup costs two gets (layers never stack) and a walk one more get per entry, while a copy
 * costs a new Map of every entry (hundreds of thousands for the units) each sync, in time, in
 * collections and in the rehashes that hold the event loop.
 */
const FLATTEN_SHARE = 1 / 16;

/** Whether `map` is a layered map whose changes have grown past `FLATTEN_SHARE` of its base. */
export function worthFlattening(map: ReadonlyMap<string, unknown>): boolean {
  return map instanceof LayeredMap && map.changeCount > map.baseSize * FLATTEN_SHARE;
}

/** Entries copied between two yields. */
const ENTRIES_PER_STEP = 4096;

/** `map` as a plain Map with the same entries in the same order, in steps; a plain Map as it is. */
export function* flattenSteps<V>(map: ReadonlyMap<string, V>): Generator<void, ReadonlyMap<string, V>> {
  if (!(map instanceof LayeredMap)) return map;
  const flat = new Map<string, V>();
  for (const [key, value] of (map as LayeredMap<V>).entries()) {
    flat.set(key, value);
    if (flat.size % ENTRIES_PER_STEP === 0) yield;
  }
  return flat;
}

/** By Unicode code points, as PostgreSQL's "C" collation orders UTF-8 keys. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}
