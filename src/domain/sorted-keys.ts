/*
 * A map's keys in JavaScript's string order, in steps. The loader reads rows already in that
 * order, so this is one linear check that yields as it goes; a map built in another order (a
 * snapshot, a test) is sorted at once, as before.
 */

/** Keys compared between two yields. */
const KEYS_PER_STEP = 4096;

export function* sortedKeysSteps(map: ReadonlyMap<string, unknown>): Generator<void, string[]> {
  const keys: string[] = [];
  let sorted = true;
  for (const key of map.keys()) {
    if (keys.length % KEYS_PER_STEP === KEYS_PER_STEP - 1) yield;
    if (sorted && keys.length > 0 && !(keys[keys.length - 1] < key)) sorted = false;
    keys.push(key);
  }
  if (!sorted) keys.sort();
  return keys;
}
